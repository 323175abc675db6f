"""Per-test trends over the runs read from a store: what ``perfgate history`` prints and draws."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..quantities import format_memory, format_time
from .analysis import Step, find_steps, trend
from .store import Result, Run

#: Latest against the median before: this far up is "degrading", this far down "improving".
THRESHOLD = 0.10


@dataclass(frozen=True)
class Trend:
    """A test's figure over the runs: its points, latest against before, budget and steps."""

    nodeid: str
    figure: str  # "time" (a statistic of the rounds) or "memory" (the peak)
    stat: str
    runs: tuple[Run, ...]
    results: tuple[Result, ...]
    #: The figure followed, per run (None where that run has none).
    values: tuple[float | None, ...]
    budget: float | None
    latest: float | None
    before: float | None
    ratio: float | None
    direction: str
    steps: tuple[tuple[Step, Run], ...]

    @property
    def label(self) -> str:
        return f"time {self.stat}" if self.figure == "time" else "memory peak"

    @property
    def show(self) -> Callable[[float], str]:
        """How this figure's values are written (``12.1 ms``, ``512 MiB``)."""
        return format_time if self.figure == "time" else format_memory

    @property
    def points(self) -> Iterator[tuple[int, Run, Result, float]]:
        """(index, run, result, value) of each run that has the figure."""
        for index, value in enumerate(self.values):
            if value is not None:
                yield index, self.runs[index], self.results[index], value


def _figure_of(results: Sequence[Result]) -> tuple[str, str]:
    for result in reversed(results):
        if result.stat is not None and result.value_s is not None:
            return "time", result.stat
    return "memory", "peak"


def _value(result: Result, figure: str, stat: str) -> float | None:
    if figure == "time":
        value = result.value_s if result.stat == stat else result.figure(stat)
    else:
        value = None if result.peak_bytes is None else float(result.peak_bytes)
    return value if value is not None and value > 0 else None


def trend_of(nodeid: str, pairs: Sequence[tuple[Run, Result]], threshold: float = THRESHOLD) -> Trend:
    """The trend of one test from its (run, result) pairs, oldest first."""
    figure, stat = _figure_of([result for _, result in pairs])
    all_values = tuple(_value(result, figure, stat) for _, result in pairs)
    present = [index for index, value in enumerate(all_values) if value is not None]
    values = [value for value in all_values if value is not None]
    latest = before = ratio = None
    direction = "no data"
    if values:
        latest, previous = values[-1], values[:-1]
        ratio, direction = trend(latest, previous, threshold)
        before = statistics.median(previous) if previous else None
    steps = tuple((step, pairs[present[step.index]][0]) for step in find_steps(values, min_effect=threshold))
    last = pairs[-1][1]
    budget_value = last.budget_s if figure == "time" else last.memory_budget_bytes
    return Trend(
        nodeid=nodeid,
        figure=figure,
        stat=stat,
        runs=tuple(run for run, _ in pairs),
        results=tuple(result for _, result in pairs),
        values=all_values,
        budget=None if budget_value is None else float(budget_value),
        latest=latest,
        before=before,
        ratio=ratio,
        direction=direction,
        steps=steps,
    )


def trends_of(runs: Sequence[Run], threshold: float = THRESHOLD) -> list[Trend]:
    """One trend per test found in the runs, by node id."""
    by_test: dict[str, list[tuple[Run, Result]]] = {}
    for run in runs:
        for result in run.results:
            by_test.setdefault(result.nodeid, []).append((run, result))
    return [trend_of(nodeid, by_test[nodeid], threshold) for nodeid in sorted(by_test)]


def step_text(of: Trend, step: Step, run: Run) -> str:
    """``step up 1.21x (12.0 ms -> 14.6 ms) since 2024-05-07 10:22 UTC, commit abc1234 (main)``."""
    kind = "step up" if step.ratio > 1 else "step down"
    show = of.show
    return f"{kind} {step.ratio:.2f}x ({show(step.before)} -> {show(step.after)}) since {run.label()}"
