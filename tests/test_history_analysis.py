"""Trends and steps: sparklines, change points, and the step-up check on synthetic
histories (noise alone never trips it; a 20% step is caught and located)."""

from __future__ import annotations

import math
import random

import pytest

from pytest_perfgate.history.analysis import find_steps, sparkline, step_up, trend


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


@pytest.mark.parametrize("seed", range(10))
def test_fifty_noisy_runs_never_trip_the_check(seed: int) -> None:
    """5% run-to-run noise, 8% round jitter and outliers: at no point of the history is it a step."""
    values, rounds = synthetic(seed, 50, noise=0.05)
    for end in range(2, 51):
        assert step_up(values[:end], rounds[:end]) is None, f"tripped at run {end}"


@pytest.mark.parametrize("seed", range(10))
def test_a_twenty_percent_step_is_caught_and_located(seed: int) -> None:
    values, rounds = synthetic(100 + seed, 44, noise=0.05, step_at=40)
    caught = [step_up(values[:end], rounds[:end]) for end in range(41, 45)]
    found = next((step for step in caught if step is not None), None)
    assert found is not None, "not caught within four runs of the step"
    assert abs(found.index - 40) <= 1
    assert found.ratio == pytest.approx(1.2, rel=0.1)
    assert found.runs_before >= 39


def test_a_clear_step_is_caught_in_its_first_run() -> None:
    values, rounds = synthetic(5, 31, noise=0.02, step_at=30)
    step = step_up(values, rounds)
    assert step is not None
    assert (step.index, step.runs_after) == (30, 1)
    assert step.p_value < 1e-6  # its raw rounds, against the earlier runs' rounds


def test_one_slow_run_within_a_noisy_history_is_not_a_step() -> None:
    values, rounds = synthetic(6, 31, noise=0.08)
    values[-1] *= 1.3
    rounds[-1] = [value * 1.3 for value in rounds[-1]]
    assert step_up(values, rounds) is None  # 30% is within 4.5 standard errors of 8% noise
    values, rounds = synthetic(6, 31, noise=0.02)
    values[-1] *= 1.3
    rounds[-1] = [value * 1.3 for value in rounds[-1]]
    assert step_up(values, rounds) is not None  # with 2% noise it is far outside


def test_old_steps_are_the_new_normal_and_fixed_regressions_pass() -> None:
    values, rounds = synthetic(8, 60, noise=0.03, step_at=20, step=1.3)
    assert step_up(values, rounds) is None  # 40 runs ago: accepted
    values, rounds = synthetic(9, 45, noise=0.03, step_at=40, step=1.3)
    values[-1] /= 1.3
    rounds[-1] = [value / 1.3 for value in rounds[-1]]
    assert step_up(values, rounds) is None  # back down: fixed


def test_improvements_never_trip() -> None:
    values, rounds = synthetic(12, 45, noise=0.03, step_at=40, step=0.6)
    assert step_up(values, rounds) is None


def test_memory_series_without_rounds() -> None:
    flat = [1_000_000.0] * 20
    assert step_up([*flat, 1_000_000.0]) is None
    step = step_up([*flat, 1_200_000.0])
    assert step is not None and step.index == 20 and step.ratio == pytest.approx(1.2)
    assert step_up([*flat, 1_050_000.0]) is None  # below the minimum effect


def test_too_little_history_decides_nothing() -> None:
    assert step_up([1.0, 1.0, 1.0, 5.0]) is None
