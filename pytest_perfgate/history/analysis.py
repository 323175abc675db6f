"""Trends and steps in a test's history, with the standard library only.

Steps by binary segmentation, confirmed by a Mann-Whitney U test (see the internals page)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..stats.ranks import p_greater
from ..stats.student import t_quantile

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


# -- the history check: is the latest run at an unaccepted step up? ----------------------------------

#: Runs a reference level needs before the check judges anything against it, and the fewer an
#: accepted step's level needs (it borrows the run-to-run spread of the level before it).
MIN_HISTORY = 8
MIN_ACCEPTED = 3
#: The latest runs that may make a step together: a small step in noisy runs takes several.
MAX_WINDOW = 20
#: The reference level is taken from the most recent of its runs, so a slow drift moves it along.
REFERENCE_RUNS = 40
#: The chance, per check and window, that Gaussian run-to-run noise alone opens a step.
ALPHA = 3e-5
#: The run-to-run spread (log scale) is never taken below this: no timing repeats better than 0.5%.
MIN_SPREAD = 0.005


def spread(logs: Sequence[float]) -> float:
    """Run-to-run spread of log figures: their standard deviation, never below :data:`MIN_SPREAD`
    (not a robust estimate: runs at a step never join a reference, an odd run left in one only makes
    the check more cautious, and a short history needs the most efficient estimate)."""
    if len(logs) < 2:
        return MIN_SPREAD
    mean = math.fsum(logs) / len(logs)
    deviation = math.sqrt(math.fsum((value - mean) ** 2 for value in logs) / (len(logs) - 1))
    return max(deviation, MIN_SPREAD)


@dataclass(frozen=True)
class Regression:
    """A step up the latest run is at: ``index`` is the step's first run, ``after`` its level."""

    index: int
    before: float
    after: float
    z: float
    runs_before: int
    runs_after: int

    @property
    def ratio(self) -> float:
        return self.after / self.before


@dataclass(frozen=True)
class Judgement:
    """The history check on the latest run: the step it is at (if any), the reference runs, how many
    more it needed to judge (0: it judged), and whether the reference is an accepted step's level."""

    regression: Regression | None = None
    reference: int = 0
    needed: int = 0
    accepted: bool = False


class _Replay:
    """The check replayed run by run, each judged as when it was the latest: ``base`` holds the runs
    at the reference level (since the last acceptance), ``step`` those at an open step's level, which
    never join the reference: so the step fails until accepted."""

    def __init__(self, logs: Sequence[float], min_effect: float, alpha: float) -> None:
        self.logs = logs
        self.effect = math.log1p(min_effect)
        self.alpha = alpha
        self.base: list[int] = []
        self.step: list[int] = []
        #: Spread and critical z of the level before an accepted step, for a young accepted level.
        self.borrowed: tuple[float, float] | None = None
        #: (runs, median, spread, critical z) of the reference ending at a position of ``base``.
        self._levels: dict[int, tuple[int, float, float, float]] = {}

    def _level(self, recent: int = 0) -> tuple[int, float, float, float]:
        """Runs, median, spread and critical z (Student's t at 1 - alpha) of the base runs but the
        ``recent`` latest; a young accepted level borrows spread and critical z from the level before.
        Entries stay valid while ``base`` only grows."""
        stop = len(self.base) - recent
        level = self._levels.get(stop)
        if level is None:
            logs = [self.logs[index] for index in self.base[max(0, stop - REFERENCE_RUNS) : stop]]
            if not logs:
                level = (0, 0.0, 0.0, math.inf)
            elif len(logs) < MIN_HISTORY and self.borrowed is not None:
                level = (len(logs), statistics.median(logs), *self.borrowed)
            else:
                critical = t_quantile(1 - self.alpha, max(len(logs) - 1, 1))
                level = (len(logs), statistics.median(logs), spread(logs), critical)
            self._levels[stop] = level
        return level

    def _missing(self, runs: int) -> int:
        return max(0, (MIN_ACCEPTED if self.borrowed is not None else MIN_HISTORY) - runs)

    def accept(self) -> None:
        """The open step's level becomes the reference level (with the spread of the one before)."""
        if not self.step:
            return
        runs, _, noise, critical = self._level()
        if runs >= MIN_HISTORY:
            self.borrowed = noise, critical
        self.base, self.step = self.step, []
        self._levels.clear()

    def judge(self, index: int) -> Judgement:
        """Judge run ``index`` against the reference level, then file it under base or step."""
        runs, centre, _, _ = self._level()
        missing = self._missing(runs)
        accepted = self.borrowed is not None
        if missing:
            self.base.append(index)
            return Judgement(None, runs, missing, accepted)
        shift = statistics.median([self.logs[i] for i in self.step]) - centre if self.step else 0.0
        if shift < self.effect / 2:
            self.step = []  # the reference caught up with it (a slow drift): no longer a step
        elif self.logs[index] - centre >= shift / 2:
            self.step.append(index)
            return Judgement(self._regression(self.step, 0), runs, 0, accepted)
        found = self._window(index)
        if found is None:
            self.base.append(index)
        return Judgement(found, runs, 0, accepted)

    def _regression(self, runs: Sequence[int], recent: int) -> Regression:
        """The step made of ``runs`` against the reference leaving out ``recent`` base runs."""
        count, centre, noise, _ = self._level(recent)
        after = [self.logs[index] for index in runs]
        error = noise * math.sqrt(1 / len(after) + math.pi / (2 * count))
        z = (statistics.fmean(after) - centre) / error
        level = statistics.median(after)
        return Regression(runs[0], math.exp(centre), math.exp(level), z, count, len(runs))

    def _window(self, index: int) -> Regression | None:
        """The strongest step the latest runs make together, ending with run ``index``, if any."""
        best: tuple[float, int] | None = None
        total = 0.0
        for size in range(1, min(MAX_WINDOW, len(self.base) + 1) + 1):
            total += self.logs[self.base[1 - size] if size > 1 else index]
            count, centre, noise, critical = self._level(size - 1)
            if self._missing(count) or 2 * size > count:
                break  # a level is judged against a reference at least twice as long
            shift = total / size - centre
            if shift < self.effect or self.logs[index] - centre < shift / 2:
                continue  # too small, or the latest run is nearer the reference level
            z = shift / (noise * math.sqrt(1 / size + math.pi / (2 * count)))
            if z >= critical and (best is None or z > best[0]):
                best = (z, size)
        if best is None:
            return None
        size = best[1]
        window = [*self.base[len(self.base) - size + 1 :], index] if size > 1 else [index]
        middle = (statistics.fmean(self.logs[i] for i in window) + self._level(size - 1)[1]) / 2
        while self.logs[window[0]] < middle:
            window.pop(0)  # the step starts at its first run nearer the new level than the old
        regression = self._regression(window, size - 1)
        del self.base[len(self.base) - len(window) + 1 :]
        self._levels.clear()
        self.step = window
        return regression


def judge_latest(
    values: Sequence[float],
    *,
    accepted: Collection[int] = (),
    min_effect: float = 0.10,
    alpha: float = ALPHA,
) -> Judgement:
    """Whether the latest figure (``values[-1]``) is at a step up from its reference level; an index
    in ``accepted`` is the first run after an acceptance, from which the open step's level is the
    reference. ``alpha``: the chance that noise alone opens a step, per window of runs."""
    # Each run, oldest first, is set against the median of the reference runs before it, in standard
    # errors of their spread (log figures): one run, or the latest few together (their mean), at
    # least ``min_effect`` up and beyond Student's t with the reference's degrees of freedom open a
    # step. Later runs nearer the step's level than the reference's are at it and fail; a run nearer
    # the reference passes. Step runs never join the reference, so the step holds until accepted.
    replay = _Replay(_logs(values), min_effect, alpha)
    judgement = Judgement(needed=MIN_HISTORY)
    for index in range(len(values)):
        if index in accepted:
            replay.accept()
        judgement = replay.judge(index)
    return judgement
