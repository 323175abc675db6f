"""Deciding a time verdict: more rounds while the interval holds the budget, confirmation, contention.

Every test drives :func:`settle` with a fake sampler handing out fixed numbers and a fake clock that
the sampler advances, so nothing here depends on the machine's timing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest

from pytest_perfgate.config.targets import ResolvedBudget
from pytest_perfgate.measure.contention import Span, Watch, reference_work
from pytest_perfgate.measure.correction import corrected_rounds, level_off
from pytest_perfgate.measure.deadline import Deadline
from pytest_perfgate.measure.sampling import Batch, CallSampler
from pytest_perfgate.record import FAIL, PASS, WARN, Record
from pytest_perfgate.verdict.decide import Inputs, decide
from pytest_perfgate.verdict.noisy_time import CONTENDED, Policy, settle


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeSampler:
    """Rounds from ``values(index)``; each round advances the fake clock by its value."""

    def __init__(
        self,
        values: Callable[[int], float],
        clock: FakeClock,
        span: Callable[[Sequence[float]], Span] | None = None,
        wait: Callable[[int], float] | None = None,
    ) -> None:
        self.values = values
        self.clock = clock
        self.span = span
        self.wait = wait
        self.calls: list[int] = []
        self.index = 0

    def take(self, rounds: int) -> Batch:
        self.calls.append(rounds)
        wall = [self.values(self.index + i) for i in range(rounds)]
        waits = None if self.wait is None else [self.wait(self.index + i) for i in range(rounds)]
        self.index += rounds
        self.clock.now += sum(wall)
        span = self.span(wall) if self.span else Span(wall_s=sum(wall), waited_s=0.0)
        return Batch(wall=wall, span=span, source="fake", wait=waits, elapsed_s=sum(wall))


def quiet(wall: Sequence[float]) -> Batch:
    return Batch(wall=list(wall), span=Span(wall_s=sum(wall), waited_s=0.0), source="pytest-benchmark")


def alternating(low: float, high: float) -> Callable[[int], float]:
    return lambda index: low if index % 2 == 0 else high


def test_clear_cut_under_budget_takes_no_more_rounds() -> None:
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.001, clock)
    decision = settle(quiet([0.001] * 20), "median", 0.010, sampler, Policy(clock=clock))
    assert sampler.calls == []
    assert not decision.marginal
    assert len(decision.attempts) == 1
    assert decision.interval == (0.001, 0.001)
    assert decision.action == "none"


def test_interval_holding_the_budget_takes_more_rounds_until_it_does_not() -> None:
    clock = FakeClock()
    # The first 10 rounds straddle 10 ms; the sampler's rounds are all 8 ms.
    first = quiet([0.008, 0.012] * 5)
    sampler = FakeSampler(lambda i: 0.008, clock)
    decision = settle(first, "median", 0.010, sampler, Policy(confirm=0, clock=clock))
    assert sampler.calls, "more rounds were taken"
    assert len(decision.timing.data) > len(first.wall)
    assert sampler.calls == [10]  # as many again as there were, then the interval cleared
    _, high = decision.interval or (None, None)
    assert high is not None and high < 0.010
    assert not decision.marginal


def test_interval_still_holding_the_budget_at_max_time_is_marginal() -> None:
    clock = FakeClock()
    sampler = FakeSampler(alternating(0.009, 0.011), clock)
    decision = settle(
        quiet([0.009, 0.011] * 5), "median", 0.010, sampler, Policy(confirm=0, max_time=2.0, clock=clock)
    )
    assert decision.marginal
    assert clock.now <= 2.0 + 0.011  # stopped within max_time
    assert len(decision.timing.data) > 10
    assert any("marginal" in note for note in decision.notes)


def test_too_few_rounds_for_an_interval_takes_more_when_they_fit() -> None:
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.001, clock)
    decision = settle(quiet([0.001]), "median", 0.0015, sampler, Policy(clock=clock))
    assert len(decision.timing.data) >= 6
    assert decision.interval is not None and decision.interval[1] is not None


def test_extremes_are_decided_on_the_point_estimate() -> None:
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.001, clock)
    decision = settle(quiet([0.009, 0.011] * 5), "min", 0.010, sampler, Policy(clock=clock))
    assert sampler.calls == []
    assert decision.interval is None and not decision.marginal


def test_over_budget_is_confirmed_and_every_attempt_is_kept() -> None:
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.020, clock)
    decision = settle(quiet([0.020] * 10), "median", 0.010, sampler, Policy(confirm=1, clock=clock))
    assert len(decision.attempts) == 2
    assert [attempt.value for attempt in decision.attempts] == [0.020, 0.020]
    assert sampler.calls == [10]


def test_an_over_budget_attempt_not_confirmed_passes() -> None:
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.005, clock)
    decision = settle(quiet([0.020] * 10), "median", 0.010, sampler, Policy(confirm=1, clock=clock))
    assert len(decision.attempts) == 2
    assert decision.attempts[-1].value == 0.005
    assert decision.timing.data == [0.005] * 10
    assert any("not confirmed" in note for note in decision.notes)


def test_confirm_zero_fails_on_the_first_attempt_and_two_confirmations_need_three() -> None:
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.020, clock)
    assert (
        len(settle(quiet([0.020] * 10), "median", 0.010, sampler, Policy(confirm=0, clock=clock)).attempts)
        == 1
    )
    assert (
        len(settle(quiet([0.020] * 10), "median", 0.010, sampler, Policy(confirm=2, clock=clock)).attempts)
        == 3
    )


def test_without_a_sampler_the_first_rounds_decide() -> None:
    decision = settle(quiet([0.020] * 10), "median", 0.010, None, Policy())
    assert len(decision.attempts) == 1
    assert any("cannot repeat" in note for note in decision.notes)


def probe_span(factor: float) -> Callable[[Sequence[float]], Span]:
    """A span whose probes say the machine was ``factor`` times as loaded (no run-queue figures).

    The fastest probe ran at full speed and the mean ``factor`` times slower.
    """
    return lambda wall: Span(wall_s=sum(wall), waited_s=None, probe_factors=(1.0, 2 * factor - 1))


def test_contended_benchmark_rounds_near_the_budget_are_measured_again() -> None:
    clock = FakeClock()
    # pytest-benchmark's rounds ran on a machine the probe says was 1.3x slower: 12 ms against 10 ms,
    # about 9.2 ms without the wait: too near the budget to trust a correction spread over the batch.
    first = Batch(wall=[0.012] * 10, span=probe_span(1.3)([0.12]), source="pytest-benchmark")
    sampler = FakeSampler(lambda i: 0.008, clock)  # quiet again: 8 ms
    decision = settle(first, "median", 0.010, sampler, Policy(clock=clock))
    assert decision.action == "remeasured"
    assert decision.attempts[0].set_aside.startswith("contended")
    assert decision.attempts[-1].value == 0.008
    assert decision.contention["factor"] == 1.3
    assert decision.contention["probes"] == 2
    assert decision.contention["source"] == "probe"


def test_contended_benchmark_rounds_far_within_the_budget_once_corrected_are_kept() -> None:
    clock = FakeClock()
    # 2x slower: two rounds of 36 ms among eight of 6 ms; the total wait taken out levels them at 6 ms.
    wall = [0.006] * 4 + [0.036] + [0.006] * 4 + [0.036]
    first = Batch(wall=wall, span=probe_span(2.0)([0.12]), source="pytest-benchmark")
    sampler = FakeSampler(lambda i: 0.008, clock)
    decision = settle(first, "median", 0.010, sampler, Policy(clock=clock))
    assert sampler.calls == []
    assert decision.action == "corrected"
    assert decision.timing.data == [pytest.approx(0.006)] * 10
    budget = ResolvedBudget(None, 0.010, None, "median", "marker", source="marker")
    time = decide(Inputs("t.py::test", budget, "enforce", settled=decision)).time
    assert time is not None and time.corrected and time.raw_value_s == 0.006  # pytest-benchmark's figure


def test_cpu_time_per_call_is_the_cpu_share_of_the_rounds_as_measured() -> None:
    """CPU time over wall time was read over the rounds as measured (others' time in): a call's CPU
    time is that share of their figure, not of the figure the wait was taken out of."""
    clock = FakeClock()
    # 20 ms rounds, 10 ms of each waiting for a CPU (a busy machine): 10 ms judged, 10 ms of CPU
    first = Batch(
        wall=[0.020] * 10,
        span=Span(wall_s=0.2, waited_s=0.1),
        source="pytest-benchmark",
        wait=[0.010] * 10,
        cpu=[0.010] * 10,
    )
    decision = settle(first, "median", 0.050, FakeSampler(lambda i: 0.010, clock), Policy(clock=clock))
    assert decision.timing.data == [pytest.approx(0.010)] * 10 and decision.raw_value_s == 0.020
    settled = replace(decision, timing=replace(decision.timing, cpu_share=0.5))  # CPU 0.1 s of 0.2 s
    budget = ResolvedBudget(None, 0.050, None, "median", "marker", source="marker")
    time = decide(Inputs("t.py::test", budget, "enforce", settled=settled)).time
    assert time is not None and time.value_s == pytest.approx(0.010)
    assert time.cpu_s == pytest.approx(0.010)  # was 5 ms: the corrected 10 ms x the share 0.5


def test_contended_rounds_slowed_alike_are_measured_again_not_divided() -> None:
    clock = FakeClock()
    # A sleeping 12 ms workload on a busy machine: no round is faster, so no round is levelled below
    # 12 ms (its run-queue wait says nothing of its latency); it is measured again instead.
    first = Batch(wall=[0.012] * 10, span=probe_span(2.0)([0.12]), source="pytest-benchmark")
    sampler = FakeSampler(lambda i: 0.012, clock)
    decision = settle(first, "median", 0.010, sampler, Policy(clock=clock))
    assert decision.action == "remeasured"
    assert decision.attempts[-1].over(0.010)


def test_contended_rounds_already_within_budget_are_kept() -> None:
    clock = FakeClock()
    first = Batch(wall=[0.001] * 20, span=probe_span(3.0)([0.02]), source="pytest-benchmark")
    sampler = FakeSampler(lambda i: 0.001, clock)
    decision = settle(first, "median", 0.010, sampler, Policy(clock=clock))
    assert sampler.calls == []
    assert decision.action == "none"
    assert decision.contention["factor"] == 3.0


def test_rounds_that_waited_for_a_cpu_are_judged_without_the_wait() -> None:
    clock = FakeClock()
    # Every round took 15 ms of which 6 ms waiting for a CPU: 9 ms of its own, under 10 ms.
    sampler = FakeSampler(
        lambda i: 0.015,
        clock,
        span=lambda wall: Span(wall_s=sum(wall), waited_s=0.4 * sum(wall)),
        wait=lambda i: 0.006,
    )
    first = Batch(wall=[0.015] * 10, span=probe_span(1.7)([0.15]), source="pytest-benchmark")
    decision = settle(first, "median", 0.010, sampler, Policy(clock=clock))
    assert decision.attempts[-1].value == pytest.approx(0.009)
    assert decision.attempts[-1].corrected
    assert not decision.attempts[-1].over(0.010)


def test_a_real_overrun_on_a_busy_machine_still_fails() -> None:
    clock = FakeClock()
    # 13 ms of its own plus 6 ms waiting: corrected to 13 ms, still over a 10 ms budget.
    sampler = FakeSampler(
        lambda i: 0.019,
        clock,
        span=lambda wall: Span(wall_s=sum(wall), waited_s=6 / 19 * sum(wall)),
        wait=lambda i: 0.006,
    )
    first = Batch(wall=[0.019] * 10, span=probe_span(1.5)([0.19]), source="pytest-benchmark")
    decision = settle(first, "median", 0.010, sampler, Policy(clock=clock))
    counted = [attempt for attempt in decision.attempts if not attempt.set_aside]
    assert len(counted) == 2
    assert all(attempt.value == pytest.approx(0.013) for attempt in counted)


def busy_decision(own: float, waiting: float, budget: float = 0.010, speed: float = 1.0) -> Record:
    """The record of rounds of ``own`` seconds of the code's own plus ``waiting`` seconds waiting for
    a CPU (the wait taken out), every attempt alike, the fastest probe ``speed`` times slower."""
    clock = FakeClock()
    wall = own + waiting

    def span(rounds: Sequence[float]) -> Span:
        return Span(wall_s=sum(rounds), waited_s=waiting / wall * sum(rounds), probe_factors=(speed,) * 2)

    sampler = FakeSampler(lambda i: wall, clock, span=span, wait=lambda i: waiting)
    first = Batch(wall=[wall] * 10, span=span([wall] * 10), source="perfgate rounds", wait=[waiting] * 10)
    decision = settle(first, "median", budget, sampler, Policy(max_time=1.0, clock=clock))
    resolved = ResolvedBudget(None, budget, None, "median", "marker", source="marker")
    return decide(Inputs("t.py::test", resolved, "enforce", settled=decision))


def test_a_small_overrun_on_a_machine_too_busy_to_judge_is_a_warning() -> None:
    """Others kept the code waiting for a CPU two thirds of the time: 11 ms of its own against a 10 ms
    budget may be the neighbours' memory traffic (not in the wait taken out): not judged."""
    record = busy_decision(own=0.011, waiting=0.022)
    assert record.verdict == WARN
    assert record.reason.startswith("over budget, not judged: the machine was too busy to judge")
    assert "waiting for a CPU 67% of the time" in record.message
    assert record.message.startswith("perfgate: marker: time median 11 ms > budget 10 ms (1.10x)")


def test_the_same_overrun_on_a_quiet_machine_and_a_large_one_on_a_busy_machine_fail() -> None:
    assert busy_decision(own=0.011, waiting=0.0).verdict == FAIL  # quiet: the code's own
    assert busy_decision(own=0.013, waiting=0.0).verdict == FAIL  # a 30% overrun, quiet
    assert busy_decision(own=0.014, waiting=0.028).verdict == FAIL  # beyond what the machine explains
    assert busy_decision(own=0.011, waiting=0.003).verdict == FAIL  # others barely there (1.27x)


def test_an_overrun_within_a_cpu_that_stayed_slow_is_a_warning() -> None:
    slow = busy_decision(own=0.015, waiting=0.0, speed=2.0)
    assert slow.verdict == WARN and "the CPU ran 2.00x slower than the session's fastest" in slow.reason
    assert busy_decision(own=0.025, waiting=0.0, speed=2.0).verdict == FAIL


def test_without_a_sampler_contention_is_corrected_from_the_total_wait() -> None:
    # A test body that took 30 ms, 20 of which waiting for a CPU.
    first = Batch(wall=[0.030], span=Span(wall_s=0.030, waited_s=0.020), source="one call of the test body")
    decision = settle(first, "median", 0.015, None, Policy())
    assert decision.timing.data == [pytest.approx(0.010)]
    assert decision.action == "corrected"
    assert any("contention" in note for note in decision.notes)


def test_level_off_takes_the_wait_from_the_slowest_rounds() -> None:
    assert level_off([1.0, 1.0, 5.0, 1.0], 4.0) == [1.0, 1.0, 1.0, 1.0]
    assert level_off([1.0, 2.0, 3.0], 1.0) == [1.0, 2.0, 2.0]
    assert level_off([2.0, 2.0], 1.0) == [2.0, 2.0]  # slowed alike: never below the fastest round
    assert level_off([1.0, 1.2, 3.0], 5.0) == [1.0, 1.0, 1.0]  # a wait beyond the spread takes no more
    assert level_off([1.0, 2.0], 0.0) == [1.0, 2.0]


def test_corrected_rounds_leave_a_quiet_batch_alone() -> None:
    batch = Batch(wall=[1.0, 2.0], span=Span(wall_s=3.0, waited_s=0.1), source="x", wait=[0.05, 0.05])
    assert batch.span.factor < CONTENDED
    assert corrected_rounds(batch) == ([1.0, 2.0], False)


def test_corrected_rounds_never_go_below_cpu_time() -> None:
    # The probes say the machine was loaded (mean 5x) but the CPU itself ran at full speed (fastest 1x).
    span = Span(wall_s=10.0, waited_s=None, probe_factors=(1.0, 9.0))
    batch = Batch(wall=[10.0], span=span, source="x", cpu=[4.0])
    assert corrected_rounds(batch) == ([4.0], True)


def test_a_slower_cpu_is_not_divided_out() -> None:
    # No run-queue wait, but even the fastest probe ran 2x slower (a busy host): the rounds stand.
    span = Span(wall_s=0.2, waited_s=0.0, probe_factors=(2.0, 2.1, 2.2))
    assert span.speed == 2.0 and span.factor == 1.0 and span.source == "run-queue"
    batch = Batch(wall=[0.02] * 10, span=span, source="x", wait=[0.0] * 10, cpu=[0.02] * 10)
    assert corrected_rounds(batch) == ([0.02] * 10, False)


def test_the_decision_fills_the_record() -> None:
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.020, clock)
    decision = settle(quiet([0.020] * 10), "median", 0.010, sampler, Policy(confirm=1, clock=clock))
    budget = ResolvedBudget(None, 0.010, None, "median", "marker", source="marker")
    applied = decide(Inputs("t.py::test", budget, "enforce", settled=decision))
    assert applied.verdict == FAIL
    assert applied.message.startswith("perfgate: marker: time median 20 ms > budget 10 ms (2.00x)")
    assert len(applied.attempts) == 2
    assert applied.attempts[0]["value_s"] == 0.020 and applied.attempts[0]["rounds"] == 10
    assert {"value_s", "rounds", "min", "median", "ci_low", "ci_high", "contention"} <= set(
        applied.attempts[0]
    )
    assert applied.contention is not None and applied.contention["action"] == "none"
    assert applied.time is not None and applied.time.ci_low == 0.020
    assert applied.time.raw_value_s == 0.020 and not applied.time.corrected
    assert "over in all 2 measurements (20 ms, 20 ms)" in applied.message
    passing = decide(Inputs("t.py::test", budget, "warn", settled=decision))
    assert passing.verdict == WARN and "over in all" not in passing.message


def test_marginal_reaches_junit_properties() -> None:
    record = Record("t.py::test", None, PASS, marginal=True)
    assert ("perfgate.marginal", "true") in record.to_properties()
    assert ("perfgate.marginal", "true") not in Record("t.py::test", None, PASS).to_properties()


class ConstantProbe:
    """A probe that always says the machine runs ``value`` times slower than at the session's start."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.calls = 0

    def factor(self) -> float:
        self.calls += 1
        return self.value


def test_an_injected_probe_drives_the_correction() -> None:
    # Off Linux the kernel tells nothing (waited -> None): the probes' load is all there is. Half the
    # probe runs at full speed, half twice as slow: the machine is 1.5x loaded, so a round with
    # 10 ms of CPU waited about 5 ms for it.
    probe = FakeProbe([1.0, 2.0] * 3)
    watch = Watch(probe, waited=lambda: None)
    watch.start()
    span = watch.stop()
    assert span.factor == pytest.approx(1.5) and span.source == "probe"
    first = Batch(wall=[0.015] * 10, span=span, source="one call", cpu=[0.010] * 10)
    decision = settle(first, "median", 0.012, None, Policy())
    assert decision.timing.data == [pytest.approx(0.010)] * 10
    assert decision.action == "corrected"
    assert decision.contention["factor"] == pytest.approx(1.5)
    assert decision.contention["probes"] == 6


def test_the_sampler_probes_around_its_rounds() -> None:
    probe = FakeProbe([1.0] * 6)
    batch = CallSampler(reference_work, args=(100,), probe=probe, waited=lambda: None).take(3)
    assert batch.span.probe_factors == (1.0,) * 6
    assert batch.wait is None and batch.cpu is not None


def test_a_slow_cpu_is_waited_for_before_the_confirmation() -> None:
    clock = FakeClock()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.now += seconds

    slow = Span(wall_s=0.2, waited_s=0.0, probe_factors=(2.0, 2.0))
    first = Batch(wall=[0.020] * 10, span=slow, source="pytest-benchmark", elapsed_s=0.2)
    sampler = FakeSampler(lambda i: 0.008, clock)  # at full speed again: within the budget
    probe = FakeProbe([2.0] * 9 + [1.0] * 3)  # slow for three polls, then back
    policy = Policy(confirm=1, clock=clock, sleep=sleep)
    decision = settle(first, "median", 0.010, sampler, policy, probe)
    assert len(sleeps) == 3
    assert decision.waited_s == pytest.approx(0.75)
    assert decision.action == "waited"
    assert decision.contention["speed"] == 2.0 and decision.contention["waited_s"] == 0.75
    assert decision.attempts[-1].value == 0.008
    assert decision.attempts[0].set_aside.startswith("slow CPU (2.00x")
    assert len(decision.counted) == 1  # the attempt on the slow CPU does not count
    assert any("waited 0.8 s" in note for note in decision.notes)


def test_a_cpu_slow_for_all_of_max_time_still_fails_an_overrun_within_it() -> None:
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.now += seconds

    slow = Span(wall_s=0.2, waited_s=0.0, probe_factors=(2.0, 2.0))
    first = Batch(wall=[0.020] * 10, span=slow, source="pytest-benchmark", elapsed_s=0.2)
    sampler = FakeSampler(lambda i: 0.020, clock, span=lambda wall: slow)
    probe = FakeProbe([2.0] * 1000)
    decision = settle(first, "median", 0.010, sampler, Policy(max_time=3.0, clock=clock, sleep=sleep), probe)
    assert 2.8 <= clock.now <= 3.0  # waited while a fresh measurement still fitted, then measured
    assert sampler.calls == [10]
    assert decision.attempts[0].set_aside
    assert len(decision.counted) == 1 and decision.counted[0].over(0.010)  # no time to confirm it
    assert "not confirmed: --perfgate-max-time (3 s) was spent before a fresh measurement" in decision.notes


def test_no_waiting_and_no_confirmation_once_max_time_is_spent() -> None:
    clock = FakeClock()
    slow = Span(wall_s=0.2, waited_s=0.0, probe_factors=(2.0, 2.0))
    first = Batch(wall=[0.020] * 10, span=slow, source="pytest-benchmark", elapsed_s=0.2)
    sampler = FakeSampler(lambda i: 0.020, clock)
    probe = FakeProbe([2.0] * 100)
    policy = Policy(max_time=0.0, clock=clock, sleep=lambda seconds: pytest.fail("slept"))
    decision = settle(first, "median", 0.010, sampler, policy, probe)
    assert decision.waited_s == 0.0 and sampler.calls == []
    assert len(decision.attempts) == 1 and decision.attempts[0].over(0.010)


def test_one_deadline_bounds_the_benchmark_rounds_and_every_stage_after_them() -> None:
    """The deadline starts before pytest-benchmark's rounds: what they spent is not spent again."""
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.2, clock)
    deadline = Deadline(1.0, clock)
    clock.now = 0.8  # pytest-benchmark's four rounds of 0.2 s
    first = quiet([0.2] * 4)
    decision = settle(first, "median", 0.1, sampler, Policy(confirm=3, clock=clock), deadline=deadline)
    assert sampler.calls == [1]  # one round still fitted: the confirmation, overrunning by none
    assert len(decision.counted) == 2 and clock.now == pytest.approx(1.0)
    clock.now = 0.0
    late = Deadline(1.0, clock)
    clock.now = 1.1
    decision = settle(first, "median", 0.1, sampler, Policy(clock=clock), deadline=late)
    assert sampler.calls == [1] and len(decision.attempts) == 1  # spent: nothing more
    clock.now = 0.0
    tight = Deadline(0.3, clock)
    settle(quiet([0.2] * 4), "median", 0.1, sampler, Policy(confirm=1, clock=clock), deadline=tight)
    assert sampler.calls == [1, 1] and clock.now == pytest.approx(0.2)  # at most one round over


def test_an_open_interval_far_from_the_limit_is_not_marginal() -> None:
    """A p99 of 1 ms rounds against 23.2 ms: too few rounds to bound it, but not in doubt."""
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.001 * (1 + (i % 7) / 10), clock)
    first = quiet([0.00088 + i * 1e-5 for i in range(50)])
    decision = settle(first, "p99", 0.0232, sampler, Policy(max_time=0.1, clock=clock))
    assert decision.interval is not None and decision.interval[1] is None  # still open
    assert not decision.marginal and not any("marginal" in note for note in decision.notes)
    assert clock.now <= 0.1 + 0.002  # more rounds were tried within max_time
    assert len(decision.timing.data) > 50


def test_an_open_interval_near_the_limit_is_marginal_and_says_what_a_bound_needs() -> None:
    clock = FakeClock()
    sampler = FakeSampler(lambda i: 0.010, clock)
    decision = settle(quiet([0.010] * 50), "p99", 0.0125, sampler, Policy(max_time=0.1, clock=clock))
    assert decision.marginal
    note = next(note for note in decision.notes if note.startswith("marginal"))
    assert "is still open (a p99 needs 368 rounds to be bounded); decided on the p99, 0.80x the limit" in note


class FakeProbe:
    def __init__(self, factors: list[float]) -> None:
        self.factors = iter(factors)

    def factor(self) -> float:
        return next(self.factors)
