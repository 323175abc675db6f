"""How fast the history store and its analysis are, and how the history check decides.

    python benchmarks/history.py [--tests 500] [--runs 200] [--postgres postgresql://...]
                                 [--histories 100] [--checks-only]

Prints the time to append one run of N tests (200 raw rounds each), to read the last 200 runs back
(with and without the trend analysis) and to read and check one test; then the history check's
decisions on synthetic histories at 2%, 5% and 8% run-to-run noise: false alarms, a 2x step, a fix.
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
from pytest_perfgate.history.analysis import judge_latest
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
        one_test = store.runs(nodeid, runs, exact=True, rounds=True)
        values = [run.results[0].value_s or 0.0 for run in one_test]
        measure(f"step check of one test ({len(values)} runs)", lambda: judge_latest(values))
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
    seed: int, runs: int, noise: float, step_at: int | None = None, step: float = 1.0
) -> list[float]:
    """Per-run medians of a 12 ms test: each run's level off by ``noise`` (log-normal), its 50
    rounds with 8% jitter and 3% outliers (x1.5); from run ``step_at`` on, the level times ``step``."""
    rng = random.Random(seed)
    values = []
    for run in range(runs):
        stepped = step_at is not None and run >= step_at
        level = 0.012 * math.exp(rng.gauss(0, noise)) * (step if stepped else 1.0)
        data = [level * math.exp(rng.gauss(0, 0.08)) * (1.5 if rng.random() < 0.03 else 1) for _ in range(50)]
        values.append(sorted(data)[25])
    return values


def decisions(values: list[float], start: int) -> list[bool]:
    """The check's decision (True: fails) on each run from ``start`` on, as each was the latest."""
    return [judge_latest(values[: end + 1]).regression is not None for end in range(start, len(values))]


def false_alarms(noise: float, histories: int) -> str:
    """Histories of 50 runs without a step: every run from the 9th on is checked."""
    alarms = checks = 0
    for seed in range(histories):
        flags = decisions(synthetic(seed, 50, noise), 8)
        checks += len(flags)
        alarms += sum(flags)
    return f"{alarms} in {checks}"


def doubling(noise: float, histories: int, before: int) -> str:
    """A 2x step after ``before`` runs: runs after it that fail; then 10 runs back at the old level."""
    failed = total = passed_back = back = 0
    for seed in range(histories):
        values = synthetic(10_000 + seed, before + 20, noise, before, 2.0)
        flags = decisions(values, before)
        failed, total = failed + sum(flags), total + len(flags)
        fixed = values + synthetic(20_000 + seed, 10, noise)
        back_flags = decisions(fixed, before + 20)
        passed_back, back = passed_back + back_flags.count(False), back + len(back_flags)
    return f"{failed}/{total} fail; back: {passed_back}/{back} pass"


def twenty_percent(noise: float, histories: int) -> str:
    """A 20% step after 30 runs: caught within 15 and 30 runs, and the later runs that fail."""
    delays: list[int] = []
    later = later_failed = 0
    for seed in range(histories):
        flags = decisions(synthetic(30_000 + seed, 60, noise, 30, 1.2), 30)
        if True in flags:
            first = flags.index(True)
            delays.append(first)
            later, later_failed = later + len(flags) - first, later_failed + sum(flags[first:])
    within = sum(delay < 15 for delay in delays)
    median = statistics.median(delays) + 1 if delays else math.nan
    return (
        f"{within}/{histories} within 15 runs, {len(delays)}/{histories} within 30; "
        f"median run {median:g}; {later_failed / max(later, 1):.0%} of later runs fail"
    )


def check_rows(histories: int) -> list[tuple[str, ...]]:
    rows = []
    for noise in (0.02, 0.05, 0.08):
        rows.append(
            (
                f"{noise:.0%}",
                false_alarms(noise, histories),
                doubling(noise, histories, 30),
                doubling(noise, histories, 10),
                twenty_percent(noise, histories),
            )
        )
    return rows


def reported_history() -> str:
    """10 runs at 1.07 ms, then 5 at 3.08 ms, one back at 1.07 ms, one at 3.08 ms (2% noise)."""
    rng = random.Random(13)
    values = [level * math.exp(rng.gauss(0, 0.02)) for level in [0.00107] * 10 + [0.00308] * 5]
    values += [0.00107, 0.00308]
    return " ".join("fail" if flag else "pass" for flag in decisions(values, 10))


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in rows:
        print(
            "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        )


def print_checks(histories: int) -> None:
    print(f"\nHistory check on synthetic histories ({histories} per noise level; 12 ms, 8% round jitter):\n")
    print_table(
        (
            "run-to-run noise",
            "false alarms (checks)",
            "2x step after 30 runs, then a fix",
            "2x step after 10 runs, then a fix",
            "20% step after 30 runs",
        ),
        check_rows(histories),
    )
    print(f"\n10 runs at 1.07 ms, 5 at 3.08 ms, 1.07 ms, 3.08 ms: {reported_history()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="also measure this (empty) PostgreSQL database")
    parser.add_argument("--histories", type=int, default=100, help="synthetic histories per noise level")
    parser.add_argument("--checks-only", action="store_true", help="only the check's decisions")
    arguments = parser.parse_args()
    if arguments.checks_only:
        print_checks(arguments.histories)
        return 0
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
    print_checks(arguments.histories)
    return 0


if __name__ == "__main__":
    sys.exit(main())
