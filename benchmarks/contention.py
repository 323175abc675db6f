"""Does perfgate flake under contention, and does it still catch real slowdowns? Beside a naive gate.

Under two loader processes (one CPU-bound pure-Python loop, one memory-bandwidth-bound numpy sort of
16 MB), ``--runs`` runs (default 20) each of:

1. the time gate: a numpy workload whose quiet median is 85% of its budget (each run's budget is set
   from the workload's median measured just before it with the loaders paused, so a drift of the
   machine's own speed over the minutes does not move a run's share of its budget), through
   pytest-benchmark's own fixture (its calibration and default options, max_time 1 s) followed by
   the code path perfgate's fixture runs after it (a watch on the machine around the rounds,
   ``noise.settle`` asking a ``CallSampler`` for more rounds, ``judge``); the naive gates on the same
   rounds: ``benchmark.stats.stats.median < budget``, and the mean;
2. the concurrency gate (``perfgate.concurrent``'s measurement, confirmation and verdict, as its
   fixture method runs them) on a sleeping function in 4 threads and on a numpy sort in as many
   threads and as many processes as there are cores, each declared <= 1.2x; the naive gate is the
   same rounds' wall-clock slowdown (median together / alone, nothing taken out);
3. the main job, ``pytest -m performance examples``, ``--main-job-runs`` times (default 5): its
   failed tests, and the naive gate on its figures (pytest-benchmark's raw statistic against the
   time budget, the concurrency gate's wall-clock slowdown against its limit).

Without the loaders, ``--runs`` runs each of a 30% time overrun (quiet median, measured before each
run, = 130% of the budget) and of a GIL-bound pure-Python loop in 4 threads declared <= 1.2x: every
run should fail. Last, the cost of the time verdict on clear-cut cases (median at 50% and 20% of
budget), pytest-benchmark alone and with perfgate's verdict, alternating, ``--cost-pairs`` pairs.

Run: ``python benchmarks/contention.py [--runs 20] [--main-job-runs 5] [--cost-pairs 20]`` from the
repository root (needs numpy and the examples; ~40 minutes on 2 busy vCPUs); ``--only time,quiet``
runs only some experiments (time, concurrent, main, quiet, cost).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from pytest_benchmark.fixture import BenchmarkFixture
from pytest_benchmark.utils import NameWrapper

from pytest_perfgate.config.settings import Settings
from pytest_perfgate.config.targets import ResolvedBudget
from pytest_perfgate.gates import concurrent as concurrent_gate
from pytest_perfgate.gates.load import available_cores
from pytest_perfgate.gates.run import run_gate
from pytest_perfgate.measure.contention import ReferenceProbe, Watch, run_queue_wait
from pytest_perfgate.measure.correction import first_batch
from pytest_perfgate.measure.sampling import benchmark_iterations, benchmark_sampler
from pytest_perfgate.measure.timing import Timing
from pytest_perfgate.record import FAIL, Record
from pytest_perfgate.verdict import decide
from pytest_perfgate.verdict.noisy_time import Policy, settle

SIZE = 1_000_000
ARRAY = np.random.default_rng(1).random(SIZE)


def workload() -> np.ndarray:
    """The numpy workload: sort a million floats (single-threaded, about 10 ms)."""
    return np.sort(ARRAY)


class QuietLogger:
    def debug(self, *args: Any, **kwargs: Any) -> None: ...
    def info(self, *args: Any, **kwargs: Any) -> None: ...
    def warning(self, *args: Any, **kwargs: Any) -> None: ...
    def error(self, *args: Any, **kwargs: Any) -> None: ...


def benchmark_fixture() -> BenchmarkFixture:
    """pytest-benchmark's fixture with its default options, as its plugin makes it."""
    return BenchmarkFixture(
        SimpleNamespace(name="test_workload", nodeid="bench.py::test_workload"),
        disable_gc=False,
        timer=NameWrapper(time.perf_counter),
        min_rounds=5,
        min_time=0.000005,
        max_time=1.0,
        precision=None,
        confidence=None,
        warmup=False,
        warmup_iterations=100000,
        calibration_precision=10,
        add_stats=lambda stats: None,
        logger=QuietLogger(),
        warner=lambda *args: None,
        disabled=False,
        cprofile=False,
        cprofile_loops=None,
        cprofile_dump=None,
    )


@dataclass
class Outcome:
    perfgate_fail: bool
    median_fail: bool
    mean_fail: bool
    record: Record
    seconds: float
    #: Seconds of that spent in pytest-benchmark's fixture (calibration and rounds).
    benchmark_s: float

    @property
    def overhead(self) -> float:
        """The whole run (pytest-benchmark + perfgate's verdict) over pytest-benchmark's part."""
        return self.seconds / self.benchmark_s


def run_once(fn: Callable[[], Any], budget: float, probe: ReferenceProbe, policy: Policy) -> Outcome:
    """pytest-benchmark's rounds, then perfgate's verdict as its fixture gives it; the naive gates too."""
    start = time.perf_counter()
    benchmark = benchmark_fixture()
    watch = Watch(probe)
    watch.start()
    benchmark_start = time.perf_counter()
    benchmark(fn)
    benchmark_s = time.perf_counter() - benchmark_start
    span = watch.stop()
    stats = benchmark.stats.stats
    timing = Timing(data=list(stats.data), method="pytest-benchmark")
    sampler = benchmark_sampler(benchmark, fn, (), {}, probe=probe)
    gate = ResolvedBudget(target=None, time=budget, memory=None, stat="median", origin="fixture")
    first = first_batch(timing, span, benchmark_iterations(benchmark))
    decision = settle(first, "median", budget, sampler, policy, probe)
    inputs = decide.Inputs(
        "bench.py::test_workload", gate, "enforce", settled=decision, memory_why="time only"
    )
    record = decide.decide(inputs)
    return Outcome(
        perfgate_fail=record.verdict == FAIL,
        median_fail=not stats.median < budget,
        mean_fail=not stats.mean < budget,
        record=record,
        seconds=time.perf_counter() - start,
        benchmark_s=benchmark_s,
    )


def benchmark_alone(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    benchmark_fixture()(fn)
    return time.perf_counter() - start


def quiet_median(fn: Callable[[], Any], repeats: int = 5) -> float:
    """The workload's median on this machine with other processes' time taken out (the lowest of
    ``repeats`` medians of 30 calls)."""
    medians = []
    for _ in range(repeats):
        rounds = []
        for _ in range(30):
            wait0 = run_queue_wait()
            start = time.perf_counter()
            fn()
            wall = time.perf_counter() - start
            wait1 = run_queue_wait()
            waited = 0.0 if wait0 is None or wait1 is None else wait1 - wait0
            rounds.append(wall - waited)
        medians.append(statistics.median(rounds))
    return min(medians)


#: The loaders: a pure-Python loop (a core) and numpy sorts of 16 MB (a core and memory bandwidth).
CPU_LOADER = "while True:\n    sum(i * i for i in range(10_000))\n"
SORT_LOADER = (
    "import numpy as np\na = np.random.default_rng(0).random(2_000_000)\n"
    "while True:\n    a = np.sort(a[::-1].copy())\n"
)


@contextmanager
def loaders() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two loader processes, one CPU-bound and one memory-bandwidth-bound, killed at the end."""
    processes = [subprocess.Popen([sys.executable, "-c", code]) for code in (CPU_LOADER, SORT_LOADER)]
    time.sleep(1.0)
    try:
        yield processes
    finally:
        for process in processes:
            process.kill()
            process.wait()


@contextmanager
def paused(processes: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    """The loaders stopped (SIGSTOP) meanwhile, then running again for a moment before it returns."""
    for process in processes:
        process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGCONT)
        if processes:
            time.sleep(0.3)


def load_average() -> str:
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def experiment(
    name: str,
    runs: int,
    share: float,
    probe: ReferenceProbe,
    policy: Policy,
    running: list[subprocess.Popen[bytes]] | None = None,
) -> tuple[list[Outcome], float]:
    """``runs`` runs of the time gate, each with a budget its quiet median is ``share`` of (measured
    just before it, with the ``running`` loaders paused)."""
    outcomes = []
    start = time.perf_counter()
    for index in range(runs):
        with paused(running or []):
            budget = quiet_median(workload, repeats=3) / share
        outcome = run_once(workload, budget, probe, policy)
        outcomes.append(outcome)
        contention = outcome.record.contention or {}
        raw = outcome.record.attempts[0]["raw_value_s"]
        print(
            f"  {name} {index + 1:2d}/{runs}: budget {budget * 1e3:6.2f} ms, raw median {raw * 1e3:6.2f} ms, "
            f"judged {outcome.record.time.value_s * 1e3 if outcome.record.time else float('nan'):6.2f} ms, "
            f"factor {contention.get('factor', 1):5.2f} {contention.get('action', '-'):10s} "
            f"speed {contention.get('speed', 1):4.2f} waited {contention.get('waited_s', 0):3.1f} s "
            f"attempts {len(outcome.record.attempts)}  {outcome.record.verdict}"
            f"{' (marginal)' if outcome.record.marginal else ''}  {outcome.seconds:5.1f} s",
            file=sys.stderr,
        )
    return outcomes, time.perf_counter() - start


# --- the concurrency gate ---------------------------------------------------------------------


def nap() -> None:
    """A sleeping function: 5 ms of ``time.sleep`` (it needs no CPU, so copies overlap fully)."""
    time.sleep(0.005)


def spin() -> int:
    """A GIL-bound pure-Python loop (about 1 ms): threads run it one at a time."""
    total = 0
    for i in range(20_000):
        total += i * i
    return total


CONCURRENT_GATE = ResolvedBudget(target=None, time=None, memory=None, stat="median", origin="fixture")


@dataclass
class GateOutcome:
    """One run of the concurrency gate: perfgate's record and result, and the naive wall-clock figure."""

    record: Record
    result: concurrent_gate.ConcurrentResult
    #: The first measurement's slowdown on the wall clock (nothing taken out, no confirmation).
    naive: float
    limit: float
    seconds: float

    @property
    def perfgate_fail(self) -> bool:
        return self.record.verdict == FAIL

    @property
    def naive_fail(self) -> bool:
        return self.naive > self.limit


def concurrent_once(fn: Callable[[], Any], workers: int, kind: str, limit: float = 1.2) -> GateOutcome:
    """``perfgate.concurrent(fn, workers=..., max_slowdown=limit, kind=...)`` as its fixture runs it."""
    start = time.perf_counter()
    payload = concurrent_gate.payload_for_processes(fn, (), {}) if kind == "process" else None
    measured: list[concurrent_gate.ConcurrentResult] = []

    def measure() -> concurrent_gate.ConcurrentResult:
        measured.append(
            concurrent_gate.measure(
                fn, (), {}, workers=workers, max_slowdown=limit, kind=kind, payload=payload
            )
        )
        return measured[-1]

    result, outcome = run_gate(
        concurrent_gate.KIND, measure=measure, once=measure, confirm=Settings().confirm, skip_reason=None
    )
    record = decide.decide(
        decide.Inputs("bench.py::test_concurrent", CONCURRENT_GATE, "enforce", gate=outcome)
    )
    naive = measured[0].wall_slowdown or 0.0
    return GateOutcome(record, result, naive, limit, time.perf_counter() - start)


def concurrent_experiment(
    name: str, runs: int, fn: Callable[[], Any], workers: int, kind: str
) -> list[GateOutcome]:
    outcomes = []
    for index in range(runs):
        outcome = concurrent_once(fn, workers, kind)
        outcomes.append(outcome)
        result = outcome.result
        load = result.load
        others = load.others_cores if load and load.others_cores is not None else float("nan")
        machine = f", machine {result.machine_slowdown:.2f}x" if result.machine_slowdown else ""
        print(
            f"  {name} {index + 1:2d}/{runs}: wall {outcome.naive:5.2f}x, "
            f"judged {result.slowdown or 0:5.2f}x (cpu {result.cpu_slowdown or 0:4.2f}x, "
            f"least {result.least_slowdown or 0:4.2f}x{machine}), others {others:4.2f} cores, "
            f"factor {load.factor if load else 1:5.2f}, attempts {max(1, len(outcome.record.attempts))}"
            f"  {outcome.record.verdict}  {outcome.seconds:5.1f} s",
            file=sys.stderr,
        )
    return outcomes


# --- the main job -----------------------------------------------------------------------------


@dataclass
class MainJob:
    """One run of ``pytest -m performance examples``: its outcome, and the naive gate on its figures."""

    failed: list[str]
    warned: list[str]
    naive_failed: list[str]
    #: The showcase concurrency gate's slowdown as judged, and on the wall clock.
    slowdown: float
    wall_slowdown: float
    contention: float
    exit_status: int
    seconds: float


def naive_failures(tests: list[dict[str, Any]]) -> list[str]:
    """Tests a naive gate fails: pytest-benchmark's raw statistic over the time budget, or the
    concurrency gate's wall-clock slowdown over its limit (the expected failure left out)."""
    failed = []
    for test in tests:
        name = test["nodeid"].rsplit("::", 1)[-1]
        if "fails_the" in name:
            continue  # marked xfail: it must fail
        time_figures = test.get("time") or {}
        attempts = test.get("attempts") or []
        raw = attempts[0].get("raw_value_s") if attempts else time_figures.get("value_s")
        budget = time_figures.get("budget_s")
        concurrent = (test.get("extra") or {}).get("concurrent") or {}
        over_time = budget is not None and raw is not None and raw > budget
        over_slowdown = (
            bool(concurrent) and (concurrent.get("wall_slowdown") or 0) > concurrent["max_slowdown"]
        )
        if over_time or over_slowdown:
            failed.append(name)
    return failed


def main_job_once(root: Path) -> MainJob:
    """Run the main job once in a fresh pytest process; read its JSON report."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="perfgate-bench-") as directory:
        report = Path(directory) / "report.json"
        command = [sys.executable, "-m", "pytest", "-m", "performance", "examples", "-q"]
        command += ["-p", "no:cacheprovider", f"--perfgate-json={report}"]
        completed = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        tests: list[dict[str, Any]] = json.loads(report.read_text())["tests"]
    failed = re.findall(r"^FAILED (\S+)", completed.stdout, re.MULTILINE)
    showcase = next(test for test in tests if test["nodeid"].endswith("test_backtests_side_by_side"))
    concurrent = showcase["extra"].get("concurrent", {})
    return MainJob(
        failed=[nodeid.rsplit("::", 1)[-1] for nodeid in failed],
        warned=[test["nodeid"].rsplit("::", 1)[-1] for test in tests if test["verdict"] == "warn"],
        naive_failed=naive_failures(tests),
        slowdown=concurrent.get("slowdown", float("nan")),
        wall_slowdown=concurrent.get("wall_slowdown", float("nan")),
        contention=concurrent.get("contention", 1.0),
        exit_status=completed.returncode,
        seconds=time.perf_counter() - start,
    )


def main_job_experiment(runs: int, root: Path) -> list[MainJob]:
    jobs = []
    for index in range(runs):
        job = main_job_once(root)
        jobs.append(job)
        print(
            f"  main job {index + 1}/{runs}: exit {job.exit_status}, failed {job.failed or '-'}, "
            f"warned {job.warned or '-'}, naive gate fails {job.naive_failed or '-'}; showcase "
            f"slowdown {job.slowdown:.2f}x judged, {job.wall_slowdown:.2f}x wall (factor "
            f"{job.contention:.2f})  {job.seconds:5.1f} s  load {load_average()}",
            file=sys.stderr,
        )
    return jobs


# --- the side-by-side table -------------------------------------------------------------------


@dataclass
class Row:
    """One experiment: fails and figures of perfgate and of the naive gate, side by side."""

    name: str
    wanted: str
    runs: int
    perfgate_fails: int
    naive_fails: int
    figure: str
    perfgate: list[float]
    naive: list[float]
    contention: list[float]
    seconds: list[float]
    notes: str = ""

    def line(self) -> str:
        def spread(values: list[float]) -> str:
            return f"{statistics.median(values):.2f} ({max(values):.2f})" if values else "-"

        return (
            f"| {self.name} | {self.wanted} | {self.perfgate_fails}/{self.runs} | "
            f"{self.naive_fails}/{self.runs} | {self.figure} | {spread(self.perfgate)} | "
            f"{spread(self.naive)} | {spread(self.contention)} | {statistics.median(self.seconds):.1f} s | "
            f"{self.notes} |"
        )


def time_row(name: str, wanted: str, outcomes: list[Outcome]) -> Row:
    marginal = sum(outcome.record.marginal for outcome in outcomes)
    warned = sum(outcome.record.verdict == "warn" for outcome in outcomes)
    mean = sum(outcome.mean_fail for outcome in outcomes)
    overhead = statistics.median(outcome.overhead for outcome in outcomes)
    return Row(
        name,
        wanted,
        len(outcomes),
        sum(outcome.perfgate_fail for outcome in outcomes),
        sum(outcome.median_fail for outcome in outcomes),
        "median / budget",
        [outcome.record.time.ratio or 0.0 for outcome in outcomes if outcome.record.time],
        [
            outcome.record.attempts[0]["raw_value_s"] / (outcome.record.time.budget_s or 1.0)
            for outcome in outcomes
            if outcome.record.time
        ],
        [(outcome.record.contention or {}).get("factor", 1.0) for outcome in outcomes],
        [outcome.seconds for outcome in outcomes],
        f"warn (not judged: too busy) {warned}; naive mean fails {mean}/{len(outcomes)}; "
        f"marginal {marginal}; {overhead:.2f}x pytest-benchmark's time",
    )


def gate_row(name: str, wanted: str, outcomes: list[GateOutcome]) -> Row:
    warned = sum(outcome.record.verdict == "warn" for outcome in outcomes)
    confirmed = sum(len(outcome.record.attempts) > 1 for outcome in outcomes)
    return Row(
        name,
        wanted,
        len(outcomes),
        sum(outcome.perfgate_fail for outcome in outcomes),
        sum(outcome.naive_fail for outcome in outcomes),
        "slowdown",
        [outcome.result.slowdown or 0.0 for outcome in outcomes],
        [outcome.naive for outcome in outcomes],
        [outcome.result.load.factor if outcome.result.load else 1.0 for outcome in outcomes],
        [outcome.seconds for outcome in outcomes],
        f"warn {warned}; measured again {confirmed}",
    )


def main_job_row(jobs: list[MainJob]) -> Row:
    failed = sorted({name for job in jobs for name in job.failed})
    naive = sorted({name for job in jobs for name in job.naive_failed})
    warned = sum(len(job.warned) for job in jobs)
    return Row(
        "main job `pytest -m performance examples`, 2 loaders",
        "0 fails",
        len(jobs),
        sum(bool(job.failed) or job.exit_status != 0 for job in jobs),
        sum(bool(job.naive_failed) for job in jobs),
        "showcase slowdown",
        [job.slowdown for job in jobs],
        [job.wall_slowdown for job in jobs],
        [job.contention for job in jobs],
        [job.seconds for job in jobs],
        f"perfgate failed: {', '.join(failed) or '-'}; naive failed: {', '.join(naive) or '-'}; "
        f"warn verdicts {warned}",
    )


Costs = list[tuple[float, list[float], list[float], list[Outcome]]]


def print_tables(rows: list[Row], costs: Costs) -> None:
    print(
        "\n| experiment | wanted | perfgate fails | naive gate fails | figure | perfgate: median (max) "
        "| naive: median (max) | contention factor: median (max) | time per run | notes |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row.line())
    print(
        "\n| clear-cut case | pytest-benchmark alone (median) | + perfgate's verdict (median) "
        "| whole run / its pytest-benchmark part: median, max | runs that took more rounds "
        "| contention factor (median) | perfgate fails |"
    )
    print("|---|---|---|---|---|---|---|")
    for share, alone, with_verdict, outcomes in costs:
        overheads = [outcome.overhead for outcome in outcomes]
        extra = sum(len(outcome.record.attempts) > 1 for outcome in outcomes)
        factors = [(outcome.record.contention or {}).get("factor", 1.0) for outcome in outcomes]
        print(
            f"| median = {share:.0%} of budget | {statistics.median(alone):.3f} s | "
            f"{statistics.median(with_verdict):.3f} s | {statistics.median(overheads):.3f}x, "
            f"{max(overheads):.3f}x | {extra}/{len(outcomes)} | {statistics.median(factors):.2f} | "
            f"{sum(outcome.perfgate_fail for outcome in outcomes)}/{len(outcomes)} |"
        )


def cost_experiment(pairs: int, quiet: float, policy: Policy) -> Costs:
    """Clear-cut cases timed as pytest-benchmark alone and with perfgate's verdict, alternating."""
    probe = ReferenceProbe()
    probe.factor()  # the session's probe baseline, once
    costs = []
    for share in (0.5, 0.2):
        alone, with_verdict, outcomes = [], [], []
        for _ in range(pairs):
            alone.append(benchmark_alone(workload))
            outcome = run_once(workload, quiet / share, probe, policy)
            with_verdict.append(outcome.seconds)
            outcomes.append(outcome)
        costs.append((share, alone, with_verdict, outcomes))
    return costs


#: The experiments ``--only`` can choose: under the loaders, then on a quiet machine.
EXPERIMENTS = ("time", "concurrent", "main", "quiet", "cost")


def busy_rows(arguments: argparse.Namespace, policy: Policy) -> list[Row]:
    """Experiments 1-3 under the two loaders (those ``--only`` chose)."""
    runs, cores, only = arguments.runs, available_cores(), arguments.only
    rows: list[Row] = []
    if not {"time", "concurrent", "main"} & only:
        return rows
    with loaders() as running:
        print(f"loaders running; load average {load_average()}")
        if "time" in only:
            print("\n1. time gate, budget: quiet median = 85% of it, 2 loaders")
            outcomes, _ = experiment("85%", runs, 0.85, ReferenceProbe(), policy, running)
            rows.append(time_row("time gate, 85% of budget, 2 loaders", "0 fails", outcomes))
        if "concurrent" in only:
            print("2. concurrency gate, <= 1.2x, 2 loaders")
            cases = [
                ("sleeping 5 ms, 4 threads", nap, 4, "thread"),
                (f"np.sort, {cores} threads", workload, cores, "thread"),
                (f"np.sort, {cores} processes", workload, cores, "process"),
            ]
            for name, fn, workers, kind in cases:
                outcomes_b = concurrent_experiment(name, runs, fn, workers, kind)
                rows.append(gate_row(f"concurrent: {name}, 2 loaders", "0 fails", outcomes_b))
        if "main" in only:
            print(f"3. the main job, {arguments.main_job_runs} runs, 2 loaders")
            jobs = main_job_experiment(arguments.main_job_runs, Path(__file__).resolve().parent.parent)
            rows.append(main_job_row(jobs))
    return rows


def experiments(text: str) -> set[str]:
    """``--only``'s value: experiment names separated by commas."""
    chosen = {name.strip() for name in text.split(",") if name.strip()}
    unknown = chosen - set(EXPERIMENTS)
    if unknown or not chosen:
        named, known = ", ".join(sorted(unknown)) or "(none)", ", ".join(EXPERIMENTS)
        raise argparse.ArgumentTypeError(f"unknown experiment(s) {named}; choose from {known}")
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--main-job-runs", type=int, default=5)
    parser.add_argument("--cost-pairs", type=int, default=20)
    parser.add_argument(
        "--only",
        type=experiments,
        default=set(EXPERIMENTS),
        help=f"run only these experiments, e.g. --only time,quiet (of {','.join(EXPERIMENTS)})",
    )
    arguments = parser.parse_args()
    policy = Policy()  # perfgate's defaults: confirm 1, max_time 10 s

    workload()  # warm up
    quiet = quiet_median(workload)
    print(f"machine: {available_cores()} cores, load average {load_average()}; numpy {np.__version__}")
    print(f"workload: np.sort of {SIZE:,} float64; quiet median {quiet * 1e3:.2f} ms")
    rows = busy_rows(arguments, policy)

    if "quiet" in arguments.only:
        print("4. time gate, budget: quiet median = 130% of it, no loaders")
        overrun, _ = experiment("130%", arguments.runs, 1.30, ReferenceProbe(), policy)
        rows.append(time_row("time gate, 130% of budget, no loaders", "all fail", overrun))
        print("5. concurrency gate, GIL-bound loop in 4 threads, <= 1.2x, no loaders")
        gil = concurrent_experiment("GIL", arguments.runs, spin, 4, "thread")
        rows.append(gate_row("concurrent: GIL-bound loop, 4 threads, no loaders", "all fail", gil))
    costs: Costs = []
    if "cost" in arguments.only:
        print("6. cost of the verdict on clear-cut cases (quiet median = 50% and 20% of budget)")
        costs = cost_experiment(arguments.cost_pairs, quiet, policy)
    print_tables(rows, costs)
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
