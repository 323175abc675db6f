"""One deadline per test's time verdict: rounds that fit, one more while time is left, none after."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pytest_perfgate.measure.deadline import Deadline
from pytest_perfgate.measure.timing import bound_rounds


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rounds_that_fit_and_one_more_while_time_is_left() -> None:
    clock = Clock()
    deadline = Deadline(1.0, clock)
    assert deadline.at == 101.0 and deadline.remaining() == 1.0 and not deadline.spent()
    assert deadline.fits(0.3) == 3 and deadline.fits(0.3, reserve=0.5) == 1
    assert deadline.rounds(0.3, 10) == 3 and deadline.rounds(0.3, 2) == 2
    clock.now = 100.9
    assert deadline.fits(0.3) == 0 and deadline.rounds(0.3, 10) == 1  # overrun by at most one round
    clock.now = 101.0
    assert deadline.spent() and deadline.rounds(0.3, 10) == 0 and deadline.fits(0.001) == 0


class FakeBenchmark:
    """pytest-benchmark's fixture as far as its automatic rounds go."""

    def __init__(self, clock: Clock, duration: float) -> None:
        self.clock = clock
        self.duration = duration
        self._min_rounds = 5
        self._max_time = 1.0

    def _calibrate_timer(self, runner: Any) -> tuple[float, int, range]:
        self.clock.now += self.duration
        return self.duration, 1, range(1)

    def rounds(self) -> int:
        """What its ``_raw`` runs after calibrating."""
        duration = self._calibrate_timer(None)[0]
        return max(-(-self._max_time // duration), self._min_rounds)


@pytest.mark.parametrize(
    ("duration", "max_time", "expected"),
    [(0.2, 0.5, 1), (0.2, 1.1, 4), (0.001, 10.0, 1000), (2.0, 1.0, 1), (0.5, 10.0, 5)],
)
def test_pytest_benchmarks_rounds_end_by_the_deadline(
    duration: float, max_time: float, expected: int
) -> None:
    clock = Clock()
    benchmark = FakeBenchmark(clock, duration)
    bound_rounds(benchmark, Deadline(max_time, clock))
    assert benchmark.rounds() == expected


def test_a_fixture_without_those_internals_is_left_alone() -> None:
    class Other:
        pass

    other = Other()
    bound_rounds(other, Deadline(1.0))
    assert vars(other) == {}


def test_rounds_leave_time_for_the_calls_after_them() -> None:
    """A memory call follows the rounds: they end one call before the deadline; when none fits, one
    more round is taken only while the memory call can still start before the deadline after it."""
    clock = Clock()
    deadline = Deadline(1.0, clock, calls_after=1)
    assert deadline.fits(0.3) == 3  # a call's time is not known yet: nothing kept
    deadline.learn(0.3)
    deadline.learn(0.5)  # the first figure stays
    assert deadline.reserved_s == 0.3 and deadline.for_rounds() == pytest.approx(0.7)
    assert deadline.fits(0.3) == 2 and deadline.rounds(0.3, 10) == 2
    clock.now = 100.5  # 0.2 s for rounds, 0.5 s in all
    assert deadline.fits(0.3) == 0 and deadline.rounds(0.3, 10) == 1
    clock.now = 100.75  # time for rounds left, but a round would leave the memory call none
    assert deadline.rounds(0.3, 10) == 0 and deadline.allows_call()
    clock.now = 101.0
    assert not deadline.allows_call()


class RunnerBenchmark(FakeBenchmark):
    """Also its runner, its stats and its ``_raw`` (calibrate, rounds, one more call for the result)."""

    def __init__(self, clock: Clock, duration: float) -> None:
        super().__init__(clock, duration)
        self.recorded: list[float] = []
        self.cprofile = None

    def _make_runner(self, fn: Any, args: Any, kwargs: Any) -> Any:
        def runner(loops_range: Any) -> Any:
            self.clock.now += self.duration
            if loops_range:
                for _ in loops_range:
                    fn(*args, **kwargs)
                return self.duration
            return self.duration, fn(*args, **kwargs)

        return runner

    def _make_stats(self, iterations: int) -> Any:
        recorded = self.recorded

        class Stats:
            def update(self, duration: float) -> None:
                recorded.append(duration)

        return Stats()

    def _calibrate_timer(self, runner: Any) -> tuple[float, int, range]:
        return runner(range(1)), 1, range(1)

    def _raw(self, fn: Any, *args: Any) -> Any:
        runner = self._make_runner(fn, args, {})
        duration, _, loops_range = self._calibrate_timer(runner)
        stats = self._make_stats(1)
        for _ in range(max(math.ceil(self._max_time / duration), self._min_rounds)):
            stats.update(runner(loops_range))
        return fn(*args)


@pytest.mark.parametrize(
    ("duration", "max_time", "calls", "rounds"),
    [
        (0.3, 1.0, 2, 1),  # calibration, 1 round (a memory call's time kept); no call for the result
        (0.6, 1.0, 1, 1),  # calibration only: it is the round
        (2.0, 1.0, 1, 1),
        (0.01, 10.0, 101, 100),  # pytest-benchmark's own 1 s of rounds; the last one's result returned
    ],
)
def test_the_calibration_is_the_round_and_the_result_comes_from_a_timed_call(
    duration: float, max_time: float, calls: int, rounds: int
) -> None:
    clock = Clock()
    benchmark = RunnerBenchmark(clock, duration)
    made: list[int] = []

    def fn(value: int) -> int:
        made.append(value)
        return len(made)

    bound_rounds(benchmark, Deadline(max_time, clock, calls_after=1))
    assert benchmark._raw(fn, 7) == calls  # the last call's result, not one more call's
    assert len(made) == calls and len(benchmark.recorded) == rounds
    assert clock.now - 100.0 == pytest.approx(calls * duration)


def test_under_cprofile_the_call_for_the_result_is_left_alone() -> None:
    clock = Clock()
    benchmark = RunnerBenchmark(clock, 0.3)
    benchmark.cprofile = "cumtime"
    made: list[int] = []
    bound_rounds(benchmark, Deadline(1.0, clock, calls_after=1))
    benchmark._raw(lambda: made.append(1))
    assert len(made) == 3  # calibration, 1 round, and pytest-benchmark's profiled call
