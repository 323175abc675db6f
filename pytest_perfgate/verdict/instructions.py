"""Instruction counts against their budget (``--perfgate-measure=instructions``): the figures, the phrase
of a count over budget, and the note on a time budget, which is not judged in this mode."""

from __future__ import annotations

from typing import Any

from ..config.targets import ResolvedBudget
from ..measure.instructions import Measurement
from ..quantities import format_instructions, format_time
from ..record import InstructionFigures
from .budget import over_phrase

#: The clock at which estimated cycles are shown as an estimated time (never judged against a budget).
ESTIMATE_CLOCK_HZ = 3e9


def instruction_figures(
    measurement: Measurement[Any], budget: ResolvedBudget, method: str
) -> InstructionFigures:
    """The counts of a measurement against the budget's instruction count."""
    count = measurement.instructions
    return InstructionFigures(
        count=count,
        cycles_est=measurement.cycles_est,
        budget=budget.instructions,
        ratio=None if budget.instructions is None else count / budget.instructions,
        rounds=len(measurement.counts),
        method=method,
    )


def time_note(figures: InstructionFigures, budget: ResolvedBudget) -> str | None:
    """Why the time budget is not judged, with the estimate the cycles give (when simulated)."""
    if budget.time is None:
        return None
    note = f"time budget {format_time(budget.time)} not judged in instructions mode"
    if figures.cycles_est is not None:
        estimate = format_time(figures.cycles_est / ESTIMATE_CLOCK_HZ)
        note += f" (estimate {estimate}: {format_instructions(figures.cycles_est)} cycles at 3 GHz)"
    return note


def count_phrase(figures: InstructionFigures) -> str:
    """``instructions 30M > budget 25M (1.20x)``."""
    assert figures.budget is not None and figures.ratio is not None
    return over_phrase(
        "instructions", format_instructions(figures.count), format_instructions(figures.budget), figures.ratio
    )
