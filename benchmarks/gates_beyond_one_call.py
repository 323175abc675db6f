"""What ``perfgate.scaling`` and ``perfgate.concurrent`` measure on known workloads, and what they cost.

Run: ``python benchmarks/gates_beyond_one_call.py [repeats]``. Prints one table per gate: the
measured exponent (with its 95% interval) of functions of known complexity, and the slowdown of
known concurrency behaviours (sleeping, GIL-bound, serialised by a lock) in threads and processes,
each with the wall time the gate took. Every case is measured ``repeats`` times (default 3) and the
spread is shown, since the machine the figures come from matters as much as the code.
"""

from __future__ import annotations

import bisect
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from pytest_perfgate.gates import concurrent as concurrent_gate
from pytest_perfgate.gates import scaling as scaling_gate

LOCK = threading.Lock()


# --- workloads of known complexity (module level: spawned processes import them) -------------


def lookup(xs: list[int]) -> int:
    """O(log n): a binary search."""
    return bisect.bisect_left(xs, len(xs) // 3)


def total(xs: list[int]) -> int:
    """O(n): a pure-Python loop."""
    result = 0
    for x in xs:
        result += x
    return result


def ordered(xs: list[int]) -> list[int]:
    """O(n log n): sorting shuffled numbers."""
    return sorted(xs)


def pairs(xs: list[int]) -> int:
    """O(n²): compare every pair, the seed system's cross detector."""
    count = 0
    for a in xs:
        for b in xs:
            if a < b:
                count += 1
    return count


def shuffled(n: int) -> list[int]:
    values = list(range(n))
    random.Random(n).shuffle(values)
    return values


def nap() -> None:
    """Sleeps: threads and processes overlap freely."""
    time.sleep(0.01)


def spin() -> int:
    """Pure-Python CPU work: holds the GIL; needs a core per process."""
    result = 0
    for i in range(20000):
        result += i * i
    return result


def locked_nap() -> None:
    """Sleeps while holding a lock shared by the threads: they run one at a time."""
    with LOCK:
        time.sleep(0.005)


SCALING_CASES: list[tuple[str, float, Callable[[Any], Any], list[int], Callable[[int], Any]]] = [
    ("binary search", 0.0, lookup, [1000, 4000, 16000, 64000, 256000], lambda n: list(range(n))),
    ("loop over n", 1.0, total, [1000, 2000, 4000, 8000, 16000], lambda n: list(range(n))),
    ("sort n", 1.0, ordered, [1000, 2000, 4000, 8000, 16000], shuffled),
    ("all pairs (O(n²))", 2.0, pairs, [100, 200, 400, 800], lambda n: list(range(n))),
]

CONCURRENT_CASES: list[tuple[str, Callable[[], Any], str, int]] = [
    ("sleep 10 ms", nap, "thread", 4),
    ("sleep 10 ms", nap, "process", 4),
    ("pure-Python loop", spin, "thread", 2),
    ("pure-Python loop", spin, "thread", 4),
    ("pure-Python loop", spin, "process", 2),
    ("pure-Python loop", spin, "process", 4),
    ("sleep under a lock", locked_nap, "thread", 4),
]


def spread(values: list[float], digits: int = 2) -> str:
    """median [min-max] of the values."""
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print()


def scaling_table(repeats: int) -> None:
    rows = []
    for name, expected, fn, sizes, make in SCALING_CASES:
        exponents, widths, seconds = [], [], []
        for _ in range(repeats):
            start = time.perf_counter()
            result = scaling_gate.measure(fn, sizes, make, max_exponent=1.2)
            seconds.append(time.perf_counter() - start)
            assert result.exponent is not None and result.ci_low is not None and result.ci_high is not None
            exponents.append(result.exponent)
            widths.append(result.ci_high - result.ci_low)
        verdicts = sum(k > 1.2 for k in exponents)
        rows.append(
            (
                name,
                f"{expected:g}",
                spread(exponents),
                spread(widths),
                f"{verdicts}/{repeats}",
                f"{sizes[0]}..{sizes[-1]}",
                spread(seconds, 1),
            )
        )
    print("perfgate.scaling (median [min-max] of the repeats)")
    print_table(("workload", "true k", "fitted k", "95% interval width", "k > 1.2", "sizes", "gate s"), rows)


def concurrent_table(repeats: int) -> None:
    rows = []
    for name, fn, kind, workers in CONCURRENT_CASES:
        slowdowns, alone, together, seconds = [], [], [], []
        for _ in range(repeats):
            payload = concurrent_gate.payload_for_processes(fn, (), {}) if kind == "process" else None
            start = time.perf_counter()
            result = concurrent_gate.measure(
                fn, (), {}, workers=workers, max_slowdown=1.2, kind=kind, payload=payload
            )
            seconds.append(time.perf_counter() - start)
            assert result.slowdown is not None
            assert result.calls_per_s_alone is not None and result.calls_per_s_together is not None
            slowdowns.append(result.slowdown)
            alone.append(result.calls_per_s_alone)
            together.append(result.calls_per_s_together)
        verdicts = sum(s > 1.2 for s in slowdowns)
        rows.append(
            (
                name,
                kind,
                str(workers),
                spread(slowdowns),
                f"{verdicts}/{repeats}",
                f"{statistics.median(alone):.0f}",
                f"{statistics.median(together):.0f}",
                spread(seconds, 1),
            )
        )
    print(f"perfgate.concurrent (median [min-max] of the repeats; {concurrent_gate.available_cores()} cores)")
    print_table(
        ("workload", "kind", "workers", "slowdown", "> 1.2", "calls/s alone", "calls/s together", "gate s"),
        rows,
    )


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}\n")
    scaling_table(repeats)
    concurrent_table(repeats)
    print(f"load average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
