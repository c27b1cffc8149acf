"""`make bench`: runs every `benchmarks/bench_*.py` and writes one report (text and JSON).

Each module's `run()` returns rows `{"name", "value", "unit", "note"}`, with `"sdk"` (the same
figure for the official openai SDK, measured in the same run) and `"ratio"` where one exists.
"""

from __future__ import annotations

import importlib
import json
import math
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

OUT = Path("bench-results")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)


def main() -> int:
    only = set(sys.argv[1:])
    rows: list[dict[str, Any]] = []
    failures: list[str] = []
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        topic = path.stem.removeprefix("bench_")
        if only and topic not in only:
            continue
        print(f"# {topic}", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{path.stem}")
            for row in module.run():
                rows.append({"topic": topic, **row})
        except Exception:
            failures.append(topic)
            traceback.print_exc()

    header = ("topic", "name", "value", "unit", "sdk", "ratio", "note")
    table = [header] + [tuple(_fmt(row.get(key)) for key in header) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    text = "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in table
    )
    ratios = [row["ratio"] for row in rows if row.get("geomean")]
    summary: dict[str, Any] = {}
    if ratios:
        geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        summary["decode_geomean_ratio"] = geomean
        text += f"\n\ndecode speed-up over the SDK, geometric mean: {geomean:.1f}x"
    print(text)

    OUT.mkdir(exist_ok=True)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rows": rows,
        "summary": summary,
        "failed": failures,
    }
    (OUT / "latest.json").write_text(json.dumps(report, indent=2))
    (OUT / "latest.txt").write_text(text + "\n")
    print(f"\nwritten: {OUT / 'latest.txt'}, {OUT / 'latest.json'}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
