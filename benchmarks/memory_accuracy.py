"""How exact perfgate's memory figures are, and what the memory pass costs.

Prints three tables:

1. accuracy: for numpy arrays of 1, 10 and 100 MiB, an array allocated inside a numba ``@njit``
   function, and a list of 1M small strings: the expected bytes, memray's and tracemalloc's peaks
   (as perfgate measures them: one call of the function, after it was warmed up);
2. cost: the time one memory pass adds to a test of a small function, per backend, in a process
   with and without numpy + numba loaded (memray patches the symbol tables of every loaded library
   when it starts and stops, so the libraries loaded matter);
3. timing: the timed median of an allocation-heavy function with pytest-benchmark alone, with perfgate
   (memory measured after the timed rounds) and with pytest-memray's ``--memray`` (which traces the
   timed rounds).

Run from the repository root: ``python benchmarks/memory_accuracy.py`` (numpy and numba needed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_perfgate.measure import memory

MiB = 1024**2
BACKENDS = (memory.MEMRAY, memory.TRACEMALLOC)


def _error(measured: int, expected: int) -> str:
    return f"{100 * (measured - expected) / expected:+.2f}%"


def accuracy() -> list[list[str]]:
    import numpy as np
    from numba import njit

    @njit(cache=False)
    def numba_ones(n: int) -> Any:
        return np.ones(n)

    @njit(cache=False)
    def numba_temporary(n: int) -> float:
        data = np.ones(n)  # freed before the function returns: only a peak sees it
        return float(data.sum())

    def strings() -> list[str]:
        return [f"s{i}" for i in range(1_000_000)]

    sample = strings()
    strings_expected = sys.getsizeof(sample) + sum(sys.getsizeof(text) for text in sample)
    del sample
    numba_ones(8)
    numba_temporary(8)
    cases: list[tuple[str, Callable[[], Any], int]] = [
        ("np.ones 1 MiB", lambda: np.ones(MiB // 8), MiB),
        ("np.ones 10 MiB", lambda: np.ones(10 * MiB // 8), 10 * MiB),
        ("np.ones 100 MiB", lambda: np.ones(100 * MiB // 8), 100 * MiB),
        ("numba @njit np.ones 10 MiB (returned)", lambda: numba_ones(10 * MiB // 8), 10 * MiB),
        ("numba @njit np.ones 100 MiB (temporary)", lambda: numba_temporary(100 * MiB // 8), 100 * MiB),
        ("list of 1M small strings", strings, strings_expected),
    ]
    rows = []
    for name, call, expected in cases:
        call()  # warm-up, as the timed rounds are before perfgate's memory pass
        cells = [name, f"{expected:,}"]
        for backend in BACKENDS:
            peak = memory.measure_call(call, backend).peak_bytes
            cells += [f"{peak:,}", _error(peak, expected)]
        rows.append(cells)
    return rows


def _small() -> int:
    return sum(range(100))


def cost_child(with_libraries: bool, repeats: int) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds per memory pass of a small function, per backend, in this process."""
    import pytest  # noqa: F401  (a test process has pytest loaded)

    if with_libraries:
        import numba  # noqa: F401
        import numpy  # noqa: F401
    times: dict[str, dict[str, list[float]]] = {backend: {"wall": [], "cpu": []} for backend in BACKENDS}
    for _ in range(repeats):
        for backend in BACKENDS:
            wall, cpu = time.perf_counter(), time.process_time()
            memory.measure_call(_small, backend, sites_over=500 * MiB)
            times[backend]["cpu"].append(time.process_time() - cpu)
            times[backend]["wall"].append(time.perf_counter() - wall)
    return times


def cost(repeats: int) -> list[list[str]]:
    rows = []
    for with_libraries, label in ((False, "pytest loaded"), (True, "pytest + numpy + numba loaded")):
        command = [sys.executable, __file__, "--cost-child", str(repeats)]
        if with_libraries:
            command.append("--with-libraries")
        times = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        for backend in BACKENDS:
            wall, cpu = times[backend]["wall"], times[backend]["cpu"]
            rows.append(
                [
                    label,
                    backend,
                    f"{1e3 * statistics.median(wall):.1f}",
                    f"{1e3 * min(wall):.1f}",
                    f"{1e3 * max(wall):.1f}",
                    f"{1e3 * statistics.median(cpu):.1f}",
                ]
            )
    return rows


HEAVY_TESTS = """
    def heavy():
        return [(i, str(i)) for i in range(50_000)]

    def test_benchmark_alone(benchmark):
        benchmark(heavy)

    def test_perfgate(perfgate):
        perfgate(heavy)
"""


def _timed_median(directory: Path, selection: str, *extra: str) -> float:
    report = directory / "bench.json"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-k",
        selection,
        f"--benchmark-json={report}",
        "--benchmark-max-time=2",
        # CPU time: tracing costs CPU, while a busy neighbour on a shared machine mostly costs wall time
        "--benchmark-timer=time.process_time",
        *extra,
        str(directory / "test_heavy.py"),
    ]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    subprocess.run(command, check=True, capture_output=True, cwd=directory, env=env)
    data = json.loads(report.read_text())
    return float(data["benchmarks"][0]["stats"]["median"])


def timing(repeats: int) -> list[list[str]]:
    configurations = [
        ("pytest-benchmark alone", "benchmark_alone", ()),
        ("perfgate (memray pass after the rounds)", "perfgate", ()),
        ("pytest-benchmark under pytest-memray --memray", "benchmark_alone", ("--memray",)),
        (
            "same, with --trace-python-allocators",
            "benchmark_alone",
            ("--memray", "--trace-python-allocators"),
        ),
    ]
    medians: dict[str, list[float]] = {name: [] for name, _, _ in configurations}
    with tempfile.TemporaryDirectory(prefix="perfgate-bench-") as name:
        directory = Path(name)
        (directory / "test_heavy.py").write_text(textwrap.dedent(HEAVY_TESTS))
        for repeat in range(repeats):  # interleaved, in turns: drifts of a noisy machine hit all alike
            first = repeat % len(configurations)
            turn = configurations[first:] + configurations[:first]
            for label, selection, extra in turn:
                medians[label].append(_timed_median(directory, selection, *extra))
    baseline = statistics.median(medians[configurations[0][0]])
    rows = []
    for label, _, _ in configurations:
        value = statistics.median(medians[label])
        runs = ", ".join(f"{1e3 * median:.2f}" for median in medians[label])
        rows.append([label, f"{1e3 * value:.2f}", f"{value / baseline:.3f}", runs])
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cells[i]) for cells in [header, *rows]) for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)) + " |",
        "|" + "|".join("-" * (width + 2) for width in widths) + "|",
    ]
    for cells in rows:
        lines.append(
            "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cost-child", type=int, metavar="REPEATS", help=argparse.SUPPRESS)
    parser.add_argument("--with-libraries", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cost-repeats", type=int, default=30)
    parser.add_argument("--timing-repeats", type=int, default=8)
    options = parser.parse_args()
    if options.cost_child:
        print(json.dumps(cost_child(options.with_libraries, options.cost_child)))
        return
    print("Peak of one call (bytes) and error against the expected bytes\n")
    print(
        table(
            ["case", "expected", "memray", "error", "tracemalloc", "error"],
            accuracy(),
        )
    )
    print(f"\nTime one memory pass adds to a test of a small function (ms, {options.cost_repeats} passes)\n")
    header = ["process", "backend", "wall median", "wall min", "wall max", "CPU median"]
    print(table(header, cost(options.cost_repeats)))
    print(
        f"\nTimed median (CPU ms per call) of an allocation-heavy function; median of "
        f"{options.timing_repeats} interleaved pytest runs\n"
    )
    print(table(["run", "median", "vs alone", "per run"], timing(options.timing_repeats)))


if __name__ == "__main__":
    main()
