"""Does perfgate's time verdict flake under contention, and does it still catch a real overrun?

Three experiments, each through pytest-benchmark's own fixture (its calibration and default
options, max_time 1 s) followed by the code path perfgate's fixture runs after it (a watch on the
machine around the rounds, ``noise.settle`` asking a ``CallSampler`` for more rounds, ``judge``):

1. contention: a numpy workload whose quiet median is 85% of its budget, with busy processes
   saturating every core, 50 runs; perfgate's verdict and the naive gates
   (``benchmark.stats.stats.median < budget``, and the mean) on the same pytest-benchmark rounds.
2. overrun: the same workload on the machine without the busy processes, its budget set so that its
   quiet median is 130% of it, 50 runs: every one should fail.
3. cost: clear-cut cases (median at 50% and 20% of budget) timed as pytest-benchmark alone and as
   pytest-benchmark + perfgate's verdict, alternating, 20 pairs.

Run: ``python benchmarks/contention.py [--runs 50] [--cost-pairs 20]`` (needs numpy; ~6-8 minutes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from pytest_benchmark.fixture import BenchmarkFixture
from pytest_benchmark.utils import NameWrapper

from pytest_perfgate.config.targets import Gate
from pytest_perfgate.measure.contention import ReferenceProbe, Watch, run_queue_wait
from pytest_perfgate.measure.sampling import benchmark_iterations, benchmark_sampler
from pytest_perfgate.measure.timing import Timing
from pytest_perfgate.record import FAIL, Record
from pytest_perfgate.verdict.budget import judge
from pytest_perfgate.verdict.noisy_time import Policy, first_batch, settle

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
    gate = Gate(target=None, time=budget, memory=None, stat="median", origin="fixture")
    first = first_batch(timing, span, benchmark_iterations(benchmark))
    decision = settle(first, "median", budget, sampler, policy, probe)
    record = judge(
        "bench.py::test_workload",
        gate,
        timing=decision.timing,
        memory=None,
        mode="enforce",
        memory_required=False,
    )
    record = decision.apply(record)
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


def quiet_median(fn: Callable[[], Any]) -> float:
    """The workload's median on this machine with other processes' time taken out (the lowest of 5)."""
    medians = []
    for _ in range(5):
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


@contextmanager
def busy(processes: int) -> Iterator[None]:
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    time.sleep(0.5)
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def load_average() -> str:
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def experiment(
    name: str, runs: int, budget: float, probe: ReferenceProbe, policy: Policy
) -> tuple[list[Outcome], float]:
    outcomes = []
    start = time.perf_counter()
    for index in range(runs):
        outcome = run_once(workload, budget, probe, policy)
        outcomes.append(outcome)
        contention = outcome.record.contention or {}
        raw = outcome.record.attempts[0]["raw_value_s"]
        print(
            f"  {name} {index + 1:2d}/{runs}: raw median {raw * 1e3:6.2f} ms, "
            f"judged {outcome.record.time.value_s * 1e3 if outcome.record.time else float('nan'):6.2f} ms, "
            f"factor {contention.get('factor', 1):5.2f} {contention.get('action', '-'):10s} "
            f"speed {contention.get('speed', 1):4.2f} waited {contention.get('waited_s', 0):3.1f} s "
            f"attempts {len(outcome.record.attempts)}  {outcome.record.verdict}"
            f"{' (marginal)' if outcome.record.marginal else ''}  {outcome.seconds:5.1f} s",
            file=sys.stderr,
        )
    return outcomes, time.perf_counter() - start


def summary_row(name: str, outcomes: list[Outcome], wanted: str, elapsed: float) -> str:
    runs = len(outcomes)
    perfgate = sum(outcome.perfgate_fail for outcome in outcomes)
    median = sum(outcome.median_fail for outcome in outcomes)
    mean = sum(outcome.mean_fail for outcome in outcomes)
    marginal = sum(outcome.record.marginal for outcome in outcomes)
    factors = [(outcome.record.contention or {}).get("factor", 1.0) for outcome in outcomes]
    per_run = statistics.median(outcome.seconds for outcome in outcomes)
    return (
        f"| {name} | {wanted} | {perfgate}/{runs} | {median}/{runs} | {mean}/{runs} | {marginal} | "
        f"{statistics.median(factors):.2f} (max {max(factors):.2f}) | {per_run:.1f} s "
        f"({statistics.median(outcome.overhead for outcome in outcomes):.2f}x its pytest-benchmark part) "
        f"| {elapsed:.0f} s |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cost-pairs", type=int, default=20)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="busy processes")
    arguments = parser.parse_args()
    policy = Policy()  # perfgate's defaults: confirm 1, max_time 10 s

    workload()  # warm up
    quiet = quiet_median(workload)
    print(f"machine: {os.cpu_count()} cores, load average {load_average()}; numpy {np.__version__}")
    print(f"workload: np.sort of {SIZE:,} float64; quiet median {quiet * 1e3:.2f} ms")

    probe = ReferenceProbe()
    contention_budget = quiet / 0.85
    print(
        f"\n1. contention: budget {contention_budget * 1e3:.2f} ms (quiet median = 85%), "
        f"{arguments.busy} busy processes"
    )
    with busy(arguments.busy):
        contended, contended_s = experiment("contended", arguments.runs, contention_budget, probe, policy)

    probe = ReferenceProbe()
    overrun_budget = quiet / 1.30
    print(f"2. overrun: budget {overrun_budget * 1e3:.2f} ms (quiet median = 130%), no busy processes")
    overrun, overrun_s = experiment("overrun", arguments.runs, overrun_budget, probe, policy)

    print("3. cost of the verdict on clear-cut cases (quiet median = 50% and 20% of budget)")
    probe = ReferenceProbe()
    probe.factor()  # the session's probe baseline, once
    costs = []
    for share in (0.5, 0.2):
        alone, with_verdict, outcomes = [], [], []
        for _ in range(arguments.cost_pairs):
            alone.append(benchmark_alone(workload))
            outcome = run_once(workload, quiet / share, probe, policy)
            with_verdict.append(outcome.seconds)
            outcomes.append(outcome)
        costs.append((share, alone, with_verdict, outcomes))

    print(
        "\n| experiment | wanted | perfgate fails | naive median fails | naive mean fails | marginal "
        "| contention factor (median) | time per run | total |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(summary_row("85% of budget, cores saturated", contended, "0 fails", contended_s))
    print(summary_row("130% of budget, no busy processes", overrun, "all fail", overrun_s))
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
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
