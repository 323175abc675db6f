"""The scaling gate in instructions mode: one counted call per size, instructions ∝ n^k fitted
(counts are deterministic: no rounds, no load correction, no confirmation needed)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..measure.instructions import Counter
from ..quantities import format_instructions
from ..stats.fit import fit_power_law
from ..verdict.budget import GateFigures
from .scaling import CONFIDENCE, ScalingResult, exponent_table, make_inputs


def show(count: float) -> str:
    return format_instructions(int(count))


@dataclass(frozen=True)
class CountedScaling(ScalingResult):
    """A :class:`ScalingResult` fitted on instruction counts (``counts``) instead of times."""

    counts: tuple[int, ...] = ()

    def table(self) -> str:
        """Sizes, instructions per call and the local exponent since the previous size."""
        return exponent_table(self.sizes, [float(count) for count in self.counts], "instructions", show)

    def gate_figures(self) -> GateFigures:
        figures = super().gate_figures()
        values = {
            key: value for key, value in figures.figures.items() if key not in ("times_s", "iterations")
        }
        return replace(
            figures,
            figures={**values, "stat": "instructions", "instructions": list(self.counts)},
            phrase=figures.phrase.replace("time ∝ n^k", "instructions ∝ n^k"),
        )


def measure(
    counter: Counter,
    fn: Callable[..., Any],
    sizes: Sequence[float],
    make_input: Callable[[Any], Any],
    max_exponent: float,
) -> CountedScaling:
    """Count one call of ``fn`` at every size (after one warm-up call), fit the exponent."""
    calls = [functools.partial(fn, value) for value in make_inputs(make_input, sizes)]
    counts = tuple(counter.measure(call, warmup=1, rounds=1).instructions for call in calls)
    fit = fit_power_law(sizes, [float(count) for count in counts], CONFIDENCE)
    return CountedScaling(
        sizes=tuple(sizes),
        max_exponent=max_exponent,
        times_s=tuple(float(count) for count in counts),  # the fitted figures, as the base class holds them
        exponent=fit.exponent,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        confidence=fit.confidence,
        counts=counts,
    )
