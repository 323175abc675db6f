"""What diagnosis costs: the CPU clock around the rounds, the profiled call, and whole runs by mode.

Run from the repository root: ``python benchmarks/diagnosis_overhead.py``. Prints three tables.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_perfgate.measure.profile import profile_call
from pytest_perfgate.measure.timing import cpu_clock
from pytest_perfgate.quantities import format_time


def best_of(repeats: int, call: Callable[[], Any]) -> float:
    """The fastest of ``repeats`` wall times of ``call``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    print()


def clock_overhead() -> None:
    def empty_span() -> None:
        with cpu_clock():
            pass

    per_span = best_of(5, lambda: [empty_span() for _ in range(10_000)]) / 10_000
    print("CPU clock around the timed rounds (once per test)")
    table(("what", "cost"), [("cpu_clock() span, empty", format_time(per_span))])


def sleepy() -> None:
    time.sleep(0.01)


def busy() -> int:
    return sum(i * i for i in range(100_000))


def _tiny(value: int) -> int:
    return value + 1


def call_heavy() -> int:
    total = 0
    for value in range(20_000):
        total = _tiny(total) + _tiny(value)
    return total


def profile_overhead() -> None:
    print("One profiled call against one plain call (best of 5)")
    rows = []
    for name, function in (("sleep 10 ms", sleepy), ("busy loop", busy), ("40k tiny calls", call_heavy)):
        plain = best_of(5, function)
        profiled = best_of(5, lambda function=function: profile_call(function, (), {}, Path.cwd()))
        extra = format_time(profiled - plain)
        rows.append((name, format_time(plain), format_time(profiled), extra, f"{profiled / plain:.2f}x"))
    table(("workload", "plain call", "profiled call", "extra", "ratio"), rows)


PROJECT = """
    import time
    import pytest

    def work():
        time.sleep(0.002)

    @pytest.mark.parametrize("n", range(20))
    @pytest.mark.performance(time="1s")
    def test_pass(perfgate, n):
        perfgate.pedantic(work, rounds=3)

    @pytest.mark.performance(time="1ms")
    def test_fail(perfgate):
        perfgate.pedantic(work, rounds=3)
"""


def run_seconds(directory: Path, mode: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--perfgate-profile={mode}"],
        cwd=directory,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start


def run_overhead(repeats: int = 5) -> None:
    print(f"pytest run of 20 passing + 1 failing perfgate tests, by --perfgate-profile (median of {repeats})")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "test_app.py").write_text(textwrap.dedent(PROJECT))
        (root / "pyproject.toml").write_text("")
        times: dict[str, list[float]] = {"off": [], "fail": [], "always": []}
        for _ in range(repeats):  # interleaved, so machine noise hits every mode alike
            for mode in times:
                times[mode].append(run_seconds(root, mode))
    off = statistics.median(times["off"])
    rows = [
        (mode, f"{statistics.median(values):.3f} s", f"{statistics.median(values) - off:+.3f} s")
        for mode, values in times.items()
    ]
    table(("mode", "run", "vs off"), rows)


if __name__ == "__main__":
    clock_overhead()
    profile_overhead()
    run_overhead()
