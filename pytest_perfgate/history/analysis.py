"""Trends and steps in a test's history, with the standard library only.

A *step* is a lasting change of level in the per-run figures of one test. Steps are found by
binary segmentation: the split that best separates two levels (least squares on log figures) is
kept when the levels differ by at least ``min_effect`` and a Mann-Whitney U test on the per-run
figures says the difference is not chance (``alpha``); each side is then searched again. A single
noisy run therefore never makes a step: it takes two runs at the new level, or one run far outside
the run-to-run noise whose raw rounds also differ significantly (see :func:`step_up`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ..stats.ranks import p_greater

SPARKS = "▁▂▃▄▅▆▇█"
GAP = "·"


def sparkline(values: Sequence[float | None], min_span: float = 0.10) -> str:
    """One block character per value, from ▁ (lowest shown) to █ (highest); ``·`` where missing.

    The scale spans at least ``min_span`` of the largest value, so a flat series with tiny
    wobbles stays flat instead of filling the whole range.
    """
    present = [value for value in values if value is not None]
    if not present:
        return GAP * len(values)
    low, high = min(present), max(present)
    span = min_span * max(abs(low), abs(high))
    if high - low < span:
        middle = (high + low) / 2
        low, high = middle - span / 2, middle + span / 2
    chars = []
    for value in values:
        if value is None:
            chars.append(GAP)
        elif high == low:
            chars.append(SPARKS[3])
        else:
            position = (value - low) / (high - low) * (len(SPARKS) - 1)
            chars.append(SPARKS[math.ceil(position - 0.5)])  # halves round down: flat is ▄
    return "".join(chars)


def trend(latest: float, previous: Sequence[float], threshold: float) -> tuple[float | None, str]:
    """Latest against the median of the previous values: (ratio, improving / degrading / stable)."""
    if not previous:
        return None, "new"
    level = statistics.median(previous)
    if level <= 0:
        return None, "stable"
    ratio = latest / level
    if ratio >= 1 + threshold:
        return ratio, "degrading"
    if ratio <= 1 / (1 + threshold):
        return ratio, "improving"
    return ratio, "stable"


# -- steps ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A change of level: ``index`` is the first run at the new level ``after``."""

    index: int
    before: float
    after: float
    p_value: float
    runs_before: int
    runs_after: int

    @property
    def ratio(self) -> float:
        return self.after / self.before


def _logs(values: Sequence[float]) -> list[float]:
    return [math.log(max(value, 1e-300)) for value in values]


def _best_split(logs: Sequence[float], lo: int, hi: int, min_size: int) -> int | None:
    """The split of [lo, hi) with the least summed squared deviation from the two segment means.

    That is the split maximising ``k (n - k) (mean_left - mean_right)^2 / n``; prefix sums make the
    search one pass.
    """
    segment = logs[lo:hi]
    size = len(segment)
    if size < 2 * min_size:
        return None
    total = math.fsum(segment)
    running = math.fsum(segment[: min_size - 1]) if min_size > 1 else 0.0
    best, best_gain = None, -1.0
    for k in range(min_size, size - min_size + 1):
        running += segment[k - 1]
        difference = running / k - (total - running) / (size - k)
        gain = k * (size - k) * difference * difference
        if gain > best_gain:
            best, best_gain = lo + k, gain
    return best


def judge_split(
    values: Sequence[float], lo: int, k: int, hi: int, *, min_effect: float, alpha: float
) -> Step | None:
    """The step between [lo, k) and [k, hi), if its size and significance are enough."""
    before, after = values[lo:k], values[k:hi]
    level, new_level = statistics.median(before), statistics.median(after)
    if level <= 0 or new_level <= 0:
        return None
    ratio = new_level / level
    if ratio >= 1 + min_effect:
        p = p_greater(after, before)
    elif ratio <= 1 / (1 + min_effect):
        p = p_greater(before, after)
    else:
        return None
    p = min(1.0, 2 * p)
    if p >= alpha:
        return None
    return Step(k, level, new_level, p, k - lo, hi - k)


def find_steps(
    values: Sequence[float], *, min_effect: float = 0.10, alpha: float = 0.01, min_size: int = 2
) -> list[Step]:
    """Every significant change of level in the series (up or down), oldest first."""
    logs = _logs(values)
    splits: list[int] = []

    def segment(lo: int, hi: int) -> None:
        if hi - lo < 2 * min_size:
            return
        k = _best_split(logs, lo, hi, min_size)
        if k is None or judge_split(values, lo, k, hi, min_effect=min_effect, alpha=alpha) is None:
            return
        splits.append(k)
        segment(lo, k)
        segment(k, hi)

    segment(0, len(values))
    bounds = [0, *sorted(splits), len(values)]
    steps = []
    for before, here, after in zip(bounds, bounds[1:], bounds[2:], strict=False):
        step = judge_split(values, before, here, after, min_effect=min_effect, alpha=alpha)
        if step is not None:
            steps.append(step)
    return steps


def noise(values: Sequence[float]) -> float:
    """Run-to-run noise of a level, on a log scale: the larger of the standard deviation and its
    robust estimate (1.4826 median absolute deviations), so a few calm runs never make it small."""
    logs = _logs(values)
    if len(logs) < 2:
        return 0.0
    centre = statistics.median(logs)
    robust = 1.4826 * statistics.median(abs(log - centre) for log in logs)
    return max(robust, statistics.stdev(logs))


def shift_z(step: Step, before: Sequence[float]) -> float:
    """The step's change of log level in standard errors of the mean of ``runs_after`` noisy runs."""
    spread = noise(before)
    distance = math.log(step.after / step.before)
    if spread == 0:
        return math.inf if distance > 0 else 0.0
    return distance * math.sqrt(step.runs_after) / spread


def step_up(
    values: Sequence[float],
    rounds: Sequence[Sequence[float]] | None = None,
    *,
    min_effect: float = 0.10,
    alpha: float = 0.01,
    recent: int = 10,
    min_history: int = 8,
    z_min: float = 5.0,
) -> Step | None:
    """The step up that the latest figure (``values[-1]``) belongs to, if it is one.

    Either a step found by :func:`find_steps` among the last ``recent`` runs, with at least
    ``min_history`` runs before it and every run since still up (by half the effect at least); or
    the latest run alone, at least ``min_effect`` above the level since the last step and (where
    raw rounds are given, one list per run) with rounds significantly above the earlier runs'.
    Either way the new level must stand ``z_min`` standard errors above the run-to-run noise
    (:func:`shift_z`). Older steps are taken as the new normal.
    """
    count = len(values)
    if count < min_history + 1:
        return None
    latest = values[-1]
    steps = find_steps(values, min_effect=min_effect, alpha=alpha)
    start = 0
    if steps:
        last = steps[-1]
        if (
            last.ratio > 1
            and last.index >= count - recent
            and last.runs_before >= min_history
            and min(values[last.index :]) >= last.before * (1 + min_effect / 2)
            and shift_z(last, values[last.index - last.runs_before : last.index]) >= z_min
        ):
            return last
        start = last.index
    base = values[start:-1]
    if len(base) < min_history:
        return None
    level = statistics.median(base)
    if level <= 0 or latest < level * (1 + min_effect):
        return None
    if rounds is not None and rounds[-1] and any(rounds[start:-1]):
        earlier = [value for run in rounds[start:-1] for value in run]
        p = p_greater(rounds[-1], earlier)
        if p >= alpha:
            return None
    else:
        p = p_greater([latest], base)
    step = Step(count - 1, level, latest, p, len(base), 1)
    return step if shift_z(step, base) >= z_min else None
