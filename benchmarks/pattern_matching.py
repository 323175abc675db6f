"""What ``[tool.perfgate.tests]`` costs at collection: the pattern lookup per test, the unmatched check.

Run from the repository root: ``python benchmarks/pattern_matching.py``. Prints one table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pytest_perfgate.config.patterns import TestPattern, node_scopes
from pytest_perfgate.config.settings import Settings
from pytest_perfgate.config.targets import Budget


def node_ids(count: int) -> list[str]:
    ids = []
    for number in range(count):
        directory = ("bench", "tests/unit", "tests/integration/api")[number % 3]
        test = f"test_case_{number % 97}" + (f"[{number % 7}-{'ab'[number % 2]}]" if number % 4 == 0 else "")
        holder = f"TestGroup{number % 5}::" if number % 3 == 0 else ""
        ids.append(f"{directory}/test_module_{number // 50}.py::{holder}{test}")
    return ids


def patterns(count: int) -> tuple[TestPattern, ...]:
    shapes = (
        "bench/test_module_{n}.py::*",
        "bench/test_module_{n}.py::TestGroup1",
        "tests/unit/test_module_{n}.py::test_case_{n}",
        "*::test_case_{n}[1-*]",
        "bench/*::test_case_{n}",
        "tests/integration/api/test_module_{n}.py",
    )
    return tuple(
        TestPattern(shapes[i % len(shapes)].format(n=i), None, Budget(time=0.01), "benchmark")
        for i in range(count)
    )


def timed(call: Callable[[], Any]) -> float:
    node_scopes.cache_clear()
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    print("Pattern lookup (longest match) for every test, and the unmatched-pattern check")
    header = ("tests", "patterns", "lookup all", "per test", "unmatched check", "gated")
    rows = [header]
    for test_count, pattern_count in ((1_000, 10), (10_000, 50), (50_000, 200)):
        ids = node_ids(test_count)
        settings = Settings(tests=patterns(pattern_count))
        found: list[TestPattern | None] = []
        lookup = timed(
            lambda ids=ids, settings=settings, found=found: found.extend(map(settings.pattern_for, ids))
        )
        check = timed(
            lambda ids=ids, settings=settings: [
                row for row in settings.tests if not any(row.matches(nodeid) for nodeid in ids)
            ]
        )
        rows.append(
            (
                f"{test_count:,}",
                str(pattern_count),
                f"{lookup * 1000:.0f} ms",
                f"{lookup / test_count * 1e6:.1f} µs",
                f"{check * 1000:.0f} ms",
                f"{sum(row is not None for row in found):,}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
