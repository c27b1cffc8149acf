"""Timing of small operations: the best of several repeats, so noise from a shared machine
inflates the figures less."""

from __future__ import annotations

import time
from collections.abc import Callable


def per_call_us(fn: Callable[[], object], *, budget_s: float = 0.2, repeats: int = 5) -> float:
    """Microseconds per call of `fn`: the best of `repeats` runs of about `budget_s` / repeats."""
    fn()
    calls = 1
    while True:  # find a loop count that takes a measurable time
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed > budget_s / repeats / 4:
            break
        calls *= 4
    calls = max(1, int(calls * (budget_s / repeats) / elapsed))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6
