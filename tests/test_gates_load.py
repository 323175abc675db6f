"""What the gates beyond one call take out of their times, and when the machine cannot judge."""

from __future__ import annotations

import pytest

from pytest_perfgate.config.targets import ResolvedBudget
from pytest_perfgate.gates.compare import Comparison, Pairs
from pytest_perfgate.gates.concurrent import ConcurrentResult, _Rounds
from pytest_perfgate.gates.load import Load, LoadWatch, busy_time
from pytest_perfgate.gates.scaling import ScalingResult
from pytest_perfgate.measure.contention import Span
from pytest_perfgate.record import FAIL, PASS, WARN, Record
from pytest_perfgate.verdict.budget import GateFigures
from pytest_perfgate.verdict.decide import GateOutcome, Inputs, decide


def judge_gate(nodeid: str, budget: ResolvedBudget, kind: str, figures: GateFigures, *, mode: str) -> Record:
    return decide(Inputs(nodeid, budget, mode, gate=GateOutcome(kind, figures)))


GATE = ResolvedBudget(target=None, time=None, memory=None, stat="median", origin="fixture")
QUIET = Load(cores=2, wall_s=1.0, others_cores=0.0, timed_s=1.0, waited_s=0.0)
BUSY = Load(cores=2, wall_s=1.0, others_cores=1.8, timed_s=1.0, waited_s=0.6)


def test_busy_time_takes_the_wait_out_but_never_below_the_cpu_time() -> None:
    assert busy_time(Span(wall_s=1.0, waited_s=0.6, cpu_s=0.4)) == pytest.approx(0.4)
    assert busy_time(Span(wall_s=1.0, waited_s=0.9, cpu_s=0.4)) == pytest.approx(0.4)
    # sleeping or blocked time is the code's: it stays in
    assert busy_time(Span(wall_s=1.0, waited_s=0.1, cpu_s=0.0)) == pytest.approx(0.9)
    # where the wait is unknown, the wall time
    assert busy_time(Span(wall_s=1.0, waited_s=None, cpu_s=0.4)) == 1.0


def test_busy_time_keeps_the_wait_the_workers_cause_each_other_beyond_the_cores() -> None:
    # 4 CPU-bound workers on 2 cores: each runs half the time; the other half is the code's own crowd
    span = Span(wall_s=1.0, waited_s=0.5, cpu_s=0.5)
    assert busy_time(span, crowd=2.0) == pytest.approx(1.0)
    assert busy_time(span, crowd=1.0) == pytest.approx(0.5)


def test_load_factor_text_and_figures() -> None:
    assert QUIET.factor == 1.0 and not QUIET.busy
    assert BUSY.factor == pytest.approx(2.5) and BUSY.busy
    assert BUSY.text("the workers") == (
        "2 cores; other processes used 1.80 cores and kept the workers waiting for a CPU 60% of the time "
        "(taken out)"
    )
    assert BUSY.figures() == {"cores": 2, "contention": 2.5, "others_cores": 1.8, "waited_share": 0.6}
    unknown = Load(cores=1, timed_s=1.0, waited_s=None)
    assert "1 core;" in unknown.text() and "not known here (judged on wall time)" in unknown.text()


def test_load_watch_sees_the_timed_stretches() -> None:
    watch = LoadWatch(cores=3)
    watch.start()
    load = watch.stop([(Span(wall_s=1.0, waited_s=0.5, cpu_s=0.5), 0.5)])
    assert load.cores == 3 and load.timed_s == 1.0 and load.waited_s == pytest.approx(0.5)
    assert load.factor == pytest.approx(2.0)


def concurrent(
    slowdown: float, load: Load, least: float | None = None, machine: float | None = None
) -> ConcurrentResult:
    return ConcurrentResult(
        workers=2,
        kind="process",
        max_slowdown=1.2,
        cores=2,
        alone_s=0.01,
        together_s=0.01 * slowdown,
        slowdown=slowdown,
        calls_per_s_alone=100.0,
        calls_per_s_together=100.0,
        calls=10,
        alone_batches_s=(0.01,),
        together_batches_s=(0.01 * slowdown,),
        wall_slowdown=slowdown,
        cpu_slowdown=1.0,
        least_slowdown=slowdown if least is None else least,
        machine_slowdown=machine,
        load=load,
    )


def verdict(figures_of: ConcurrentResult | ScalingResult) -> str:
    return judge_gate("t.py::t", GATE, "gate", figures_of.gate_figures(), mode="enforce").verdict


def test_concurrent_over_on_a_quiet_machine_fails_and_names_the_machine() -> None:
    result = concurrent(1.5, QUIET, machine=1.0)
    record = judge_gate("t.py::t", GATE, "concurrent", result.gate_figures(), mode="enforce")
    assert record.verdict == FAIL
    assert "machine:  2 cores; other processes used 0.00 cores" in record.message
    assert "independent work (zlib) ran 1.00x slower side by side" in record.message


def test_concurrent_over_when_the_hardware_explains_it_is_a_warning() -> None:
    # independent work also runs 1.41x slower side by side: 1.5x is within 1.41 x 1.2
    record = judge_gate(
        "t.py::t", GATE, "concurrent", concurrent(1.5, QUIET, machine=1.41).gate_figures(), mode="enforce"
    )
    assert record.verdict == WARN
    assert "not judged: independent work also ran 1.41x slower side by side on this machine" in record.message
    # beyond what the hardware explains, it fails
    assert verdict(concurrent(2.0, QUIET, machine=1.41)) == FAIL


def test_concurrent_over_on_a_busy_machine_fails_only_beyond_the_passed_on_wait() -> None:
    assert verdict(concurrent(1.5, BUSY, least=1.1)) == WARN
    assert verdict(concurrent(4.0, BUSY, least=1.6)) == FAIL  # a GIL-bound loop
    assert verdict(concurrent(1.1, BUSY, least=1.0)) == PASS


def spans(*figures: tuple[float, float, float]) -> list[Span]:
    return [Span(wall_s=wall, waited_s=wait, cpu_s=cpu) for wall, wait, cpu in figures]


def test_rounds_judge_a_busy_parallel_round_at_its_cpu_time() -> None:
    rounds = _Rounds(inner=1)
    rounds.alone = spans((2.0, 1.0, 1.0))
    rounds.together = [spans((2.5, 1.5, 1.0), (2.4, 1.4, 1.0))]
    assert rounds.slowdown("wall") == pytest.approx(2.45 / 2.0)
    assert rounds.slowdown() == pytest.approx(1.0)
    assert rounds.slowdown("least") == pytest.approx(1.0)


def test_rounds_keep_the_gil_s_serialisation_even_with_passed_on_wait_taken_out() -> None:
    # 4 threads take turns: each runs 1 s of CPU in 4 s, waiting 0.2 s for a CPU
    rounds = _Rounds(inner=1)
    rounds.alone = spans((1.2, 0.2, 1.0))
    rounds.together = [spans(*[(4.0, 0.2, 1.0)] * 4)]
    assert rounds.slowdown() == pytest.approx(3.8)
    # the most the others' waiting can explain: their waiting share (0.8 s of 4.8 s) of the 2.8 s blocked
    assert rounds.slowdown("least") == pytest.approx(3.8 - 2.8 / 6)


def scaling(exponent: float, low: float, high: float, load: Load) -> ScalingResult:
    return ScalingResult(
        sizes=(1, 2, 4),
        max_exponent=1.2,
        times_s=(1.0, 2.0, 4.0),
        exponent=exponent,
        ci_low=low,
        ci_high=high,
        iterations=(1, 1, 1),
        load=load,
    )


def test_scaling_on_a_busy_machine_warns_only_close_to_the_limit() -> None:
    assert verdict(scaling(1.3, 1.25, 1.35, QUIET)) == FAIL
    assert verdict(scaling(1.3, 1.25, 1.35, BUSY)) == WARN
    assert verdict(scaling(1.6, 1.0, 2.2, BUSY)) == WARN  # marginal: the limit is inside the interval
    # a linear fit tilted by the neighbours' memory traffic (1.01 -> 1.42 seen beside loaders)
    assert verdict(scaling(1.6, 1.5, 1.7, BUSY)) == WARN
    assert verdict(scaling(1.6, 1.5, 1.7, QUIET)) == FAIL
    assert verdict(scaling(2.0, 1.9, 2.1, BUSY)) == FAIL  # O(n^2) is clear on any machine
    assert (
        "machine: 2 cores; other processes used 1.80 cores"
        in scaling(1.3, 1.25, 1.35, BUSY).gate_figures().details
    )


def comparison(speedup: float, load: Load) -> Comparison:
    pairs = Pairs(candidate=[1.0] * 20, baseline=[speedup] * 20)
    return Comparison(min_speedup=1.4, max_memory_ratio=None, iterations=1, attempts=[pairs], load=load)


def test_compare_on_a_busy_machine_warns_only_close_to_the_limit() -> None:
    assert comparison(1.3, QUIET).too_slow() and not comparison(1.3, QUIET).undecided()
    assert "too busy to judge" in comparison(1.3, BUSY).undecided()
    assert not comparison(1.0, BUSY).undecided()  # far short of 1.4x: the code's
    assert not comparison(1.5, BUSY).undecided()  # not short at all
    assert "machine: 2 cores; other processes used 1.80 cores" in comparison(1.5, BUSY).summary()
