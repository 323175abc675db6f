"""A test's figures over its runs, as the history check judges them (no pytest: the command uses it too).

One figure per test (time, else memory peak), compared on machines of the same kind only."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..measure.machine import Machine
from .analysis import Judgement, Regression, judge_latest
from .model import Result
from .store import Run

#: Runs of a test read from the store for the check. A step older than these is the test's level.
LOOKBACK = 200


@dataclass(frozen=True)
class Series:
    """One figure of one test over its runs, oldest first (``label``: "time median", "memory peak")."""

    figure: str
    label: str
    runs: tuple[Run, ...]
    values: tuple[float, ...]


def _series(
    figure: str, label: str, nodeid: str, history: Sequence[Run], value_of: Callable[[Result], float | None]
) -> Series:
    """The test's figure in each run where ``value_of`` finds one, oldest first."""
    kept = [
        (run, value)
        for run in history
        for result in run.results
        if result.nodeid == nodeid and (value := value_of(result)) is not None
    ]
    return Series(figure, label, tuple(run for run, _ in kept), tuple(v for _, v in kept))


def time_series(nodeid: str, history: Sequence[Run], stat: str) -> Series:
    """The test's time statistic ``stat`` in each run that has it (stored, or from the raw rounds)."""

    def value_of(result: Result) -> float | None:
        value = result.figure(stat)
        return value if value is not None and value > 0 else None

    return _series("time", f"time {stat}", nodeid, history, value_of)


def memory_series(nodeid: str, history: Sequence[Run]) -> Series:
    """The test's memory peak in each run that measured it."""
    return _series("memory", "memory peak", nodeid, history, _peak)


def count_series(nodeid: str, history: Sequence[Run]) -> Series:
    """The test's instruction count in each run that counted it (read from the stored records)."""
    return _series("instructions", "instructions", nodeid, history, _count)


def _peak(result: Result) -> float | None:
    return float(result.peak_bytes) if result.peak_bytes else None


def _count(result: Result) -> float | None:
    counts = result.record.instructions if result.record else None
    return None if counts is None else float(counts.count)


def count_step(
    series: Series, accepted: Sequence[int], max_growth: float, latest: float
) -> Regression | None:
    """Counts are deterministic, so no statistics: the reference is the lowest count since the last
    acceptance, and ``latest`` more than ``max_growth`` above it is at a step (until accepted)."""
    start = max(
        [0, *(index for index in accepted_indices(series.runs, accepted) if index <= len(series.runs))]
    )
    reference = series.values[start:]
    if not reference:
        return None
    before = min(reference)
    limit = before * (1 + max_growth)
    if latest <= limit:
        return None
    index = len(series.values)
    while index > start and series.values[index - 1] > limit:
        index -= 1  # the step began at the first of the latest runs above the limit
    runs_before = index - start
    return Regression(index, before, latest, 0.0, runs_before, len(series.values) - index + 1)


def same_kind(history: Sequence[Run], machine: Machine) -> list[Run]:
    """The runs measured on machines of the same kind as ``machine``."""
    return [run for run in history if run.machine.same_kind(machine)]


def accepted_indices(runs: Sequence[Run], accepted: Sequence[int]) -> set[int]:
    """For each run id an acceptance was made at, the index of the first of ``runs`` after it.

    ``len(runs)`` is the run being judged now, when the acceptance came after every stored run.
    """
    ids = [run.id if run.id is not None else 0 for run in runs]
    return {bisect_right(ids, run_id) for run_id in accepted}


def judge_series(
    series: Series, accepted: Sequence[int], min_effect: float, latest: float | None = None
) -> Judgement:
    """The history check on the series' last value, or on ``latest`` (this run's) after them all."""
    values = [*series.values, *([] if latest is None else [latest])]
    return judge_latest(values, accepted=accepted_indices(series.runs, accepted), min_effect=min_effect)
