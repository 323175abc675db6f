"""``perfgate.scaling``: time ``fn(make_input(n))`` per size (inputs made first, loops interleaved across
sizes, other processes' wait taken out), fit time ∝ n^k by least squares on logarithms, judge k."""

from __future__ import annotations

import functools
import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..measure.contention import Span
from ..measure.correction import corrected_rounds
from ..measure.loops import autorange
from ..measure.sampling import CallSampler
from ..quantities import format_time
from ..stats.fit import fit_power_law, local_exponents
from ..verdict.budget import GateFigures
from . import arguments
from .load import Load, LoadWatch

METHOD = "perfgate.scaling"
KIND = "scaling"
#: Each timed loop of calls lasts at least this long (the timer resolves well under a microsecond),
#: and short enough that some loops of every size run between other processes' time slices.
LOOP_S = 0.002
#: Timed loops per size after calibration: MAX_ROUNDS, fewer for slow sizes so that one size's
#: rounds take about SIZE_S, never fewer than MIN_ROUNDS.
MAX_ROUNDS = 10
MIN_ROUNDS = 3
SIZE_S = 0.5
CONFIDENCE = 0.95
MIN_SIZES = 3
#: On a busy machine, what the wait does not account for (caches refilled after each preemption,
#: memory bandwidth taken by neighbours) grows with the working set and tilts the fit: on 2 vCPUs
#: beside numpy-sort loaders, k rose from 1.07 to 1.25 on the examples' indicators and from 1.01 to
#: 1.42 on the cross detector (inputs of 0.4-6.4 MB: the largest out of the caches, and a copy out of
#: them ran 2-2.3x slower beside a loader). An exponent this close over the limit on a busy machine
#: is not judged; an O(n^2) fit (k = 2 against 1.2) still fails.
BUSY_TILT = 0.5


def exponent_table(
    sizes: Sequence[float], values: Sequence[float], heading: str, show: Callable[[float], str]
) -> str:
    """Sizes, a figure per call (``heading``, shown by ``show``) and the local exponent since the
    previous size, as aligned text."""
    local = ["", *(f"{k:.2f}" for k in local_exponents(sizes, values))]
    rows = [("n", heading, "k since previous")]
    rows += [(f"{size:g}", show(value), k) for size, value, k in zip(sizes, values, local, strict=True)]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(
        f"  {row[0].rjust(widths[0])}  {row[1].rjust(widths[1])}  {row[2]}".rstrip() for row in rows
    )


@dataclass(frozen=True)
class ScalingResult:
    """Seconds per call at each size and the fitted exponent k of time ∝ n^k.

    ``times_s`` is empty and ``exponent`` None when nothing was measured (mode off, benchmarks
    disabled).
    """

    sizes: tuple[float, ...]
    max_exponent: float
    times_s: tuple[float, ...] = ()
    exponent: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    confidence: float = CONFIDENCE
    iterations: tuple[int, ...] = ()
    load: Load | None = None

    @property
    def measured(self) -> bool:
        return self.exponent is not None

    @property
    def marginal(self) -> bool:
        assert self.ci_low is not None and self.ci_high is not None
        return self.ci_low <= self.max_exponent <= self.ci_high

    def undecided(self) -> str:
        """Why an exponent over the limit is not blamed on the code ("" when it is, or is within)."""
        assert self.exponent is not None
        if self.exponent <= self.max_exponent or self.load is None or not self.load.busy:
            return ""
        if not self.marginal and self.exponent > self.max_exponent + BUSY_TILT:
            return ""
        return (
            f"the machine was too busy to judge (other processes' load made the loops "
            f"{self.load.factor:.2f}x longer; beyond the wait taken out, it costs large inputs more "
            f"than small ones and can tilt k by up to {BUSY_TILT:g})"
        )

    def table(self) -> str:
        """Sizes, seconds per call and the local exponent since the previous size, as aligned text."""
        return exponent_table(self.sizes, self.times_s, "time/call", format_time)

    def gate_figures(self) -> GateFigures:
        assert self.exponent is not None and self.ci_low is not None and self.ci_high is not None
        ratio = self.exponent / self.max_exponent
        relation = ">" if self.exponent > self.max_exponent else "<="
        interval = f"{self.confidence:.0%} interval {self.ci_low:.2f} to {self.ci_high:.2f}"
        notes: list[str] = []
        if self.marginal:
            notes.append(f"max exponent {self.max_exponent:g} lies inside the fit's {interval}")
        details = self.table()
        if self.load is not None:
            details += f"\n  machine: {self.load.text('the loops')}"
            if self.load.busy:
                notes.append(f"scaling: machine: {self.load.text('the loops')}")
        return GateFigures(
            kind=KIND,
            figures={
                "exponent": round(self.exponent, 4),
                "max_exponent": self.max_exponent,
                "ratio": round(ratio, 4),
                "ci_low": round(self.ci_low, 4),
                "ci_high": round(self.ci_high, 4),
                "confidence": self.confidence,
                "stat": "min",
                "sizes": list(self.sizes),
                "times_s": [float(f"{time:.6g}") for time in self.times_s],
                "iterations": list(self.iterations),
                **(self.load.figures() if self.load is not None else {}),
            },
            measured=self.exponent,
            limit=self.max_exponent,
            phrase=(
                f"scaling exponent {self.exponent:.2f} {relation} max {self.max_exponent:g} "
                f"({ratio:.2f}x), time ∝ n^k fitted over {len(self.sizes)} sizes, {interval}"
            ),
            details=details,
            marginal=self.marginal,
            notes=tuple(notes),
            undecided=self.undecided(),
        )


def _size(value: object) -> float:
    __tracebackhide__ = True
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{METHOD}: sizes must be numbers, not {value!r}")
    if not math.isfinite(float(value)) or not float(value) > 0:
        raise ValueError(f"{METHOD}: sizes must be finite numbers greater than 0, not {value!r}")
    number = float(value)
    return int(number) if number.is_integer() else number


def check_arguments(
    fn: object, sizes: object, make_input: object, max_exponent: object
) -> tuple[Callable[..., Any], tuple[float, ...], Callable[[Any], Any], float]:
    """The arguments, validated: a TypeError or ValueError names the bad one."""
    __tracebackhide__ = True
    fn = arguments.function(METHOD, "fn", fn)
    make_input = arguments.function(METHOD, "make_input", make_input)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Iterable):
        raise TypeError(f"{METHOD}: sizes must be a sequence of numbers, not {sizes!r}")
    checked = tuple(_size(value) for value in sizes)
    if len(checked) < MIN_SIZES:
        raise ValueError(
            f"{METHOD}: sizes needs at least {MIN_SIZES} sizes to fit an exponent, got {checked}"
        )
    if any(later <= earlier for earlier, later in itertools.pairwise(checked)):
        raise ValueError(f"{METHOD}: sizes must be strictly increasing, got {checked}")
    limit = arguments.number(METHOD, "max_exponent", max_exponent, above=0)
    return fn, checked, make_input, limit


def make_inputs(make_input: Callable[[Any], Any], sizes: Sequence[float]) -> list[Any]:
    """``make_input(n)`` for every size; an error names the size it failed for."""
    __tracebackhide__ = True
    inputs = []
    for size in sizes:
        try:
            inputs.append(make_input(size))
        except Exception as error:
            raise ValueError(
                f"{METHOD}: make_input({size!r}) raised {type(error).__name__}: {error}"
            ) from error
    return inputs


def run_once(fn: Callable[..., Any], sizes: Sequence[float], make_input: Callable[[Any], Any]) -> None:
    """One untimed call per size (what the test does when nothing is measured)."""
    for value in make_inputs(make_input, sizes):
        fn(value)


def rounds_for(loop_s: float) -> int:
    """Timed loops for a size whose loop lasts ``loop_s``."""
    return max(MIN_ROUNDS, min(MAX_ROUNDS, math.floor(SIZE_S / max(loop_s, 1e-9))))


def measure(
    fn: Callable[..., Any], sizes: Sequence[float], make_input: Callable[[Any], Any], max_exponent: float
) -> ScalingResult:
    """Time every size (other processes' wait taken out of each loop), fit the exponent."""
    calls = [functools.partial(fn, value) for value in make_inputs(make_input, sizes)]
    samplers: list[CallSampler] = []
    best: list[float] = []
    rounds: list[int] = []
    for call in calls:
        count, elapsed = autorange(call, LOOP_S)
        samplers.append(CallSampler(call, iterations=count))
        best.append(elapsed / count)
        rounds.append(rounds_for(elapsed))
    watch = LoadWatch()
    watch.start()
    timed: list[tuple[Span, float]] = []
    for round_index in range(max(rounds)):
        order = range(len(calls)) if round_index % 2 else range(len(calls) - 1, -1, -1)
        for i in order:
            if round_index < rounds[i]:
                batch = samplers[i].take(1)
                judged = corrected_rounds(batch)[0][0]
                timed.append((batch.span, judged * batch.iterations))
                best[i] = min(best[i], judged)
    fit = fit_power_law(sizes, best, CONFIDENCE)
    return ScalingResult(
        sizes=tuple(sizes),
        max_exponent=max_exponent,
        times_s=tuple(best),
        exponent=fit.exponent,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        confidence=fit.confidence,
        iterations=tuple(sampler.iterations for sampler in samplers),
        load=watch.stop(timed),
    )
