"""How fast the history store and its analysis are, on SQLite (and PostgreSQL with --postgres URL).

    python benchmarks/history.py [--tests 500] [--runs 200] [--postgres postgresql://...]

Prints a table: appending one run of N tests (each with 200 raw rounds, as perfgate keeps them),
reading the last 200 runs back as ``perfgate history`` does (with and without the trend
analysis and rendering), the read and analysis of one test for ``--perfgate-history-check``, and
how the step check behaves on synthetic histories (false alarms in noise, runs to catch a 20% step).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pytest_perfgate.cli import main as perfgate
from pytest_perfgate.history.analysis import step_up
from pytest_perfgate.history.store import Result, Run, open_store
from pytest_perfgate.history.trends import trends_of
from pytest_perfgate.measure.machine import this_machine
from pytest_perfgate.record import MemoryFigures, Record, TimeFigures


def record(nodeid: str, level: float, rng: random.Random) -> Record:
    data = [float(f"{level * math.exp(rng.gauss(0, 0.05)):.6g}") for _ in range(200)]
    ordered = sorted(data)
    median = ordered[100]
    return Record(
        nodeid=nodeid,
        target="strategy_creation",
        verdict="pass",
        time=TimeFigures("median", median, 0.1, median / 0.1, 200, ordered[0], median,
                         statistics.fmean(data), ordered[-1], statistics.stdev(data), data),
        memory=MemoryFigures(5_000_000, 524288000, 5_000_000 / 524288000, "memray"),
        notes=["a note"],
    )  # fmt: skip


def make_run(number: int, tests: int, rng: random.Random) -> Run:
    return Run(
        started_at=f"2024-{1 + number // 600:02d}-{1 + number // 24 % 25:02d}T{number % 24:02d}:00:00+00:00",
        commit=f"{number:040x}",
        branch="main",
        dirty=False,
        machine=this_machine(),
        perfgate="0.1.0",
        results=tuple(
            Result.from_record(record(f"tests/test_m{i // 50}.py::test_{i}", 0.001 * (1 + i % 7), rng))
            for i in range(tests)
        ),
    )


def timed(function: Callable[[], object], repeat: int = 3) -> float:
    """The best of ``repeat`` wall times, in seconds."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def store_rows(location: str, tests: int, runs: int) -> list[tuple[str, float]]:
    rng = random.Random(1)
    one = make_run(0, tests, rng)
    rows = []

    def measure(name: str, function: Callable[[], object], repeat: int = 3) -> None:
        rows.append((name, timed(function, repeat)))

    with open_store(location) as store:
        measure(f"append a {tests}-test run (empty store)", lambda: store.append_run(one), 1)
        start = time.perf_counter()
        for number in range(1, runs):
            store.append_run(make_run(number, tests, rng))
        rows.append(
            (f"  (make and append each of {runs - 1} more runs)", (time.perf_counter() - start) / (runs - 1))
        )
        latest = make_run(runs, tests, rng)
        measure(f"append a {tests}-test run (store of {runs} runs)", lambda: store.append_run(latest), 1)
        measure(f"read the last {runs} runs ({tests} tests, figures only)", lambda: store.runs(None, runs))
        read = store.runs(None, runs)
        measure(f"trend analysis of {tests} tests x {runs} runs", lambda: trends_of(read), 1)
        nodeid = "tests/test_m0.py::test_3"
        measure(
            f"read one test's {runs} runs with raw rounds",
            lambda: store.runs(nodeid, runs, exact=True, rounds=True),
        )
        one_test = store.runs(nodeid, runs, exact=True, rounds=True)[-60:]
        values = [run.results[0].value_s or 0.0 for run in one_test]
        rounds = [list(run.results[0].rounds) for run in one_test]
        measure("step check of one test (60 runs)", lambda: step_up(values, rounds))
    command = ["history", "--db", location]
    with quiet():
        measure(
            f"perfgate history --last {runs} (all {tests} tests)",
            lambda: perfgate([*command, "--last", str(runs)]),
            1,
        )
        measure(
            f"perfgate history --last {runs} --test test_m3",
            lambda: perfgate([*command, "--last", str(runs), "--test", "test_m3"]),
        )
        measure("perfgate history (default --last 30, all tests)", lambda: perfgate(command), 1)
    return rows


def synthetic(
    seed: int, runs: int, noise: float, step_at: int | None
) -> tuple[list[float], list[list[float]]]:
    rng = random.Random(seed)
    values, rounds = [], []
    for run in range(runs):
        level = 0.012 * math.exp(rng.gauss(0, noise)) * (1.2 if step_at is not None and run >= step_at else 1)
        data = [level * math.exp(rng.gauss(0, 0.08)) * (1.5 if rng.random() < 0.03 else 1) for _ in range(50)]
        rounds.append(data)
        values.append(sorted(data)[25])
    return values, rounds


def detection_rows(histories: int) -> list[tuple[str, str, str]]:
    rows = []
    for noise in (0.02, 0.05, 0.08):
        alarms = checks = 0
        for seed in range(histories):
            values, rounds = synthetic(seed, 50, noise, None)
            for end in range(9, 51):
                checks += 1
                alarms += step_up(values[:end], rounds[:end]) is not None
        delays = []
        for seed in range(histories):
            values, rounds = synthetic(10_000 + seed, 50, noise, 40)
            delay = next((end - 40 for end in range(41, 51) if step_up(values[:end], rounds[:end])), None)
            delays.append(delay)
        caught = sorted(delay for delay in delays if delay is not None)
        rows.append(
            (
                f"{noise:.0%}",
                f"{alarms} in {checks} ({alarms / checks:.3%})",
                f"{len(caught)}/{histories}; runs to catch: median {statistics.median(caught):g}, "
                f"90% within {caught[int(0.9 * (len(caught) - 1))]}",
            )
        )
    return rows


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in rows:
        print(
            "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="also measure this (empty) PostgreSQL database")
    parser.add_argument("--histories", type=int, default=100, help="synthetic histories per noise level")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite"
        rows = store_rows(str(path), arguments.tests, arguments.runs)
        size = path.stat().st_size + sum(p.stat().st_size for p in path.parent.glob("history.sqlite-*"))
        print(f"SQLite ({arguments.tests} tests x {arguments.runs} runs, file {size / 2**20:.0f} MiB):\n")
        print_table(("operation", "ms"), [(name, f"{seconds * 1000:.2f}") for name, seconds in rows])
    if arguments.postgres:
        rows = store_rows(arguments.postgres, arguments.tests, arguments.runs)
        print(f"\nPostgreSQL ({arguments.tests} tests x {arguments.runs} runs):\n")
        print_table(("operation", "ms"), [(name, f"{seconds * 1000:.2f}") for name, seconds in rows])
    print("\nStep check on synthetic histories of 50 runs (12 ms, 8% round jitter, 3% outliers):\n")
    print_table(
        ("run-to-run noise", "false alarms (every run checked)", "20% step at run 40 caught within 10 runs"),
        detection_rows(arguments.histories),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
