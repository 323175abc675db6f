"""Trends and steps: sparklines, change points, and the step-up check on synthetic
histories (noise alone never trips it; a 20% step is caught and located)."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from pytest_perfgate.history.analysis import (
    Regression,
    find_steps,
    judge_latest,
    sparkline,
    trend,
)


def synthetic(
    seed: int, runs: int, *, noise: float, step_at: int | None = None, step: float = 1.2
) -> tuple[list[float], list[list[float]]]:
    """Per-run medians and raw rounds of a 12 ms test: run-to-run noise ``noise`` (log-normal),
    rounds with 8% jitter and 3% outliers (x1.5), optionally multiplied by ``step`` from ``step_at``."""
    rng = random.Random(seed)
    values, rounds = [], []
    for run in range(runs):
        level = 0.012 * math.exp(rng.gauss(0, noise))
        if step_at is not None and run >= step_at:
            level *= step
        data = [level * math.exp(rng.gauss(0, 0.08)) * (1.5 if rng.random() < 0.03 else 1) for _ in range(50)]
        rounds.append(data)
        values.append(sorted(data)[len(data) // 2])
    return values, rounds


def test_sparkline() -> None:
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, None, 5]) == "▄·▄"
    assert sparkline([None, None]) == "··"
    assert sparkline([]) == ""
    line = sparkline([0.01, 0.0102, 0.0099, 0.02])
    assert line[-1] == "█" and set(line[:-1]) == {"▁"}
    assert set(sparkline([1000.0, 1001.0, 1002.0])) <= {"▄", "▅"}  # wobbles far below 10% stay flat
    assert sparkline([0.0, 0.0]) == "▄▄"


def test_trend_words() -> None:
    assert trend(12.0, [10.0, 10.2, 9.9], 0.10) == (pytest.approx(12.0 / 10.0), "degrading")
    assert trend(8.0, [10.0, 10.2, 9.9], 0.10)[1] == "improving"
    assert trend(10.5, [10.0, 10.2, 9.9], 0.10)[1] == "stable"
    assert trend(10.5, [], 0.10) == (None, "new")


def test_no_steps_in_noise() -> None:
    for seed in range(5):
        values, _ = synthetic(seed, 60, noise=0.05)
        assert find_steps(values) == []


def test_steps_up_and_down_are_found_and_located() -> None:
    values, _ = synthetic(11, 60, noise=0.02, step_at=20, step=1.3)
    values[40:] = [value / 1.5 for value in values[40:]]
    steps = find_steps(values)
    assert [step.index for step in steps] == [20, 40]
    assert steps[0].ratio == pytest.approx(1.3, rel=0.05)
    assert steps[1].ratio == pytest.approx(1 / 1.5, rel=0.05)
    assert all(step.p_value < 0.01 for step in steps)


def latest(values: list[float], **options: Any) -> Regression | None:
    return judge_latest(values, **options).regression


def flagged(values: list[float], start: int, **options: Any) -> list[bool]:
    """The check's decision on each run from ``start`` on, as each was the latest."""
    return [latest(values[: end + 1], **options) is not None for end in range(start, len(values))]


@pytest.mark.parametrize("seed", range(10))
def test_fifty_noisy_runs_never_trip_the_check(seed: int) -> None:
    """5% run-to-run noise, 8% round jitter and outliers: at no point of the history is it a step."""
    values, _ = synthetic(seed, 50, noise=0.05)
    assert flagged(values, 0) == [False] * 50


def test_a_reported_regression_fails_on_every_run_at_its_new_level() -> None:
    """10 runs at 1.07 ms, then runs at 3.08 ms: every one of them fails, from the first."""
    rng = random.Random(2)
    values = [0.00107 * (1 + rng.uniform(-0.03, 0.03)) for _ in range(10)]
    values += [0.00308 * (1 + rng.uniform(-0.03, 0.03)) for _ in range(5)]
    assert flagged(values, 10) == [True] * 5
    step = latest(values)
    assert step is not None and step.index == 10 and step.runs_after == 5
    assert step.ratio == pytest.approx(3.08 / 1.07, rel=0.05)
    assert latest([*values, 0.00107]) is None  # back at the old level: passes
    assert latest([*values, 0.00107, 0.00308]) is not None  # and the step is still there


@pytest.mark.parametrize("seed", range(5))
def test_a_doubling_fails_on_every_later_run_and_a_fix_passes(seed: int) -> None:
    values, _ = synthetic(200 + seed, 40, noise=0.08, step_at=20, step=2.0)
    assert flagged(values, 20) == [True] * 20
    fixed, _ = synthetic(300 + seed, 10, noise=0.08)
    assert flagged([*values, *fixed], 40) == [False] * 10


@pytest.mark.parametrize("seed", range(10))
def test_a_twenty_percent_step_is_caught_and_located(seed: int) -> None:
    values, _ = synthetic(100 + seed, 45, noise=0.05, step_at=40)
    caught = [latest(values[:end]) for end in range(41, 46)]
    found = next((step for step in caught if step is not None), None)
    assert found is not None, "not caught within five runs of the step"
    assert abs(found.index - 40) <= 1
    assert found.ratio == pytest.approx(1.2, rel=0.1)
    assert found.runs_before >= 38


def test_a_clear_step_is_caught_in_its_first_run() -> None:
    values, _ = synthetic(5, 31, noise=0.02, step_at=30)
    step = latest(values)
    assert step is not None
    assert (step.index, step.runs_after, step.runs_before) == (30, 1, 30)
    assert step.z > 4.5


def test_one_slow_run_within_a_noisy_history_is_not_a_step() -> None:
    values, _ = synthetic(6, 31, noise=0.08)
    values[-1] *= 1.3
    assert latest(values) is None  # 30% is within 4.5 standard errors of 8% noise
    values, _ = synthetic(6, 31, noise=0.02)
    values[-1] *= 1.3
    assert latest(values) is not None  # with 2% noise it is far outside


def test_a_step_holds_until_accepted() -> None:
    values, _ = synthetic(8, 60, noise=0.03, step_at=20, step=1.3)
    step = latest(values)
    assert step is not None and step.index == 20 and step.runs_after == 40  # 40 runs on: still there
    accepted = judge_latest(values, accepted={45})
    assert accepted.regression is None and accepted.accepted
    assert flagged(values, 45, accepted={45}) == [False] * 15
    back, _ = synthetic(9, 3, noise=0.03)
    assert latest([*values, *back], accepted={45}) is None  # a step down from the accepted level


def test_an_accepted_level_judges_with_few_runs() -> None:
    """An accepted step borrows the spread of the level before it: three runs at it are enough."""
    values = [1.0 + 0.01 * (i % 3) for i in range(12)] + [2.0]
    assert latest(values) is not None
    young = judge_latest([*values, 2.01], accepted={13})
    assert (young.regression, young.reference, young.needed, young.accepted) == (None, 1, 2, True)
    judged = judge_latest([*values, 2.01, 1.99, 2.0], accepted={13})
    assert judged.needed == 0 and judged.reference == 3
    assert latest([*values, 2.01, 1.99, 2.0, 4.0], accepted={13}) is not None
    assert judge_latest(values, accepted={5}).regression is not None  # accepted before the step


def test_a_fixed_regression_passes_and_improvements_never_trip() -> None:
    values, _ = synthetic(9, 45, noise=0.03, step_at=40, step=1.3)
    values[-1] /= 1.3
    assert latest(values) is None  # back down: fixed
    values, _ = synthetic(12, 45, noise=0.03, step_at=40, step=0.6)
    assert flagged(values, 0) == [False] * 45


def test_a_slow_drift_moves_the_reference_along() -> None:
    """0.1% a run (16% over 150 runs) is never a step; 1% a run is, within a few dozen runs."""
    rng = random.Random(3)
    noise = [rng.gauss(0, 0.02) for _ in range(150)]
    slow = [0.01 * 1.001**run * (1 + wobble) for run, wobble in enumerate(noise)]
    assert slow[-1] > 1.1 * slow[0]
    assert not any(flagged(slow, 0))
    fast = [0.01 * 1.01**run * (1 + wobble) for run, wobble in enumerate(noise[:60])]
    assert any(flagged(fast, 0))


def test_memory_series_are_exact() -> None:
    flat = [1_000_000.0] * 20
    assert latest([*flat, 1_000_000.0]) is None
    step = latest([*flat, 1_200_000.0])
    assert step is not None and step.index == 20 and step.ratio == pytest.approx(1.2)
    assert latest([*flat, 1_050_000.0]) is None  # below the minimum effect
    assert latest([*flat, 1_050_000.0], min_effect=0.04) is not None


def test_too_little_history_says_how_much_it_has_and_needs() -> None:
    short = judge_latest([1.0, 1.0, 1.0, 5.0])
    assert (short.regression, short.reference, short.needed) == (None, 3, 5)
    assert judge_latest([]).needed == 8
    assert judge_latest([1.0] * 8 + [5.0]).regression is not None
