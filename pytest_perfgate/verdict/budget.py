"""Figures against a budget: the time and memory figures of a record, and the phrase of each budget broken."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config.targets import ResolvedBudget
from ..measure.memory import MemoryResult
from ..measure.timing import Timing
from ..quantities import format_memory, format_time
from ..record import MemoryFigures, TimeFigures
from ..stats.summary import sample, statistic, summary

#: Raw rounds kept in a record (evenly spaced quantiles beyond that), enough for rank tests.
ROUNDS_KEPT = 200


def time_figures(timing: Timing, budget: ResolvedBudget, raw_value_s: float | None = None) -> TimeFigures:
    """The figures of the rounds judged. ``raw_value_s``: the statistic of the rounds as measured, over
    whose span the CPU share was read (default: of the rounds judged); CPU time per call is that
    share of it, both taken with other processes' time in (not of a figure they were taken out of)."""
    figures = summary(timing.data)
    value = statistic(timing.data, budget.stat)
    measured = value if raw_value_s is None else raw_value_s
    return TimeFigures(
        stat=budget.stat,
        value_s=value,
        budget_s=budget.time,
        ratio=None if budget.time is None else value / budget.time,
        rounds=len(timing.data),
        data=sample(timing.data, ROUNDS_KEPT),
        method=timing.method,
        traced=timing.traced,
        cpu_s=None if timing.cpu_share is None else measured * timing.cpu_share,
        min=figures["min"],
        median=figures["median"],
        mean=figures["mean"],
        max=figures["max"],
        stddev=figures["stddev"],
    )


def memory_figures(memory: MemoryResult | None, budget: ResolvedBudget, reason: str) -> MemoryFigures:
    if memory is None:
        return MemoryFigures(None, budget.memory, None, None, reason or "not measured")
    ratio = None if budget.memory is None else memory.peak_bytes / budget.memory
    return MemoryFigures(memory.peak_bytes, budget.memory, ratio, memory.backend)


def over_phrase(what: str, value: str, limit: str, ratio: float) -> str:
    """``memory 600 MiB > budget 500 MiB (1.20x)``: a figure over its budget."""
    return f"{what} {value} > budget {limit} ({ratio:.2f}x)"


def time_phrase(figures: TimeFigures, budget: ResolvedBudget) -> str:
    assert figures.budget_s is not None and figures.ratio is not None
    limit = format_time(figures.budget_s)
    if budget.time_scale != 1.0:
        limit += f" ({format_time(figures.budget_s / budget.time_scale)} x{budget.time_scale:g})"
    phrase = over_phrase(f"time {figures.stat}", format_time(figures.value_s), limit, figures.ratio)
    if figures.cpu_s is not None:
        phrase += f"; cpu {format_time(figures.cpu_s)} of {format_time(figures.value_s)} wall"
    return phrase


def memory_phrase(figures: MemoryFigures) -> str:
    assert figures.peak_bytes is not None and figures.budget_bytes is not None and figures.ratio is not None
    return over_phrase(
        "memory", format_memory(figures.peak_bytes), format_memory(figures.budget_bytes), figures.ratio
    )


@dataclass(frozen=True)
class GateFigures:
    """What a gate beyond one call measured (scaling exponent, concurrent slowdown) against its limit."""

    #: The key in ``Record.extra``: "scaling", "concurrent".
    kind: str
    #: The figures stored in ``Record.extra[kind]`` (numbers and strings become junit properties).
    figures: dict[str, Any]
    measured: float
    limit: float
    #: How the measurement compares, for a message: "scaling exponent 2.01 > max 1.2 (1.67x)".
    phrase: str
    #: Lines that explain the figures (a table of sizes and times), appended to the message.
    details: str = ""
    #: The limit lies inside the measurement's confidence interval.
    marginal: bool = False
    notes: tuple[str, ...] = ()
    #: Over the limit, but the machine could not tell (too busy, cores that share hardware): why.
    #: Such a result is a warning, never a failure.
    undecided: str = ""

    @property
    def over(self) -> bool:
        return self.measured > self.limit
