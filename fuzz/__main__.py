"""`make fuzz`: hypothesis over the decoder and the conversation core (not part of make test).

    python -m fuzz [--examples N]   (default 100,000 per target)

Decoder: random bytes, mutated and truncated valid frames must decode or raise ProtocolError,
nothing else. Core: random orders of valid server events and local facts must never raise,
and its invariants hold after every step: at most one response requested or active at a
time by our own sends, heard <= received for every item, truncation never beyond received.
"""

from __future__ import annotations

import argparse
import sys
import time

from fuzz.targets import TARGETS


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz")
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("targets", nargs="*", default=sorted(TARGETS))
    args = parser.parse_args()
    for name in args.targets:
        start = time.perf_counter()
        print(f"fuzz {name}: {args.examples:,} inputs ...", flush=True)
        TARGETS[name](args.examples)
        print(f"fuzz {name}: ok in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
