"""One deadline per test's time verdict: rounds that fit, one more while time is left, none after."""

from __future__ import annotations

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
