"""Measure a gate beyond one call, confirming a breach with fresh measurements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from ..verdict.budget import GateFigures
from ..verdict.confirm import confirmed
from ..verdict.decide import GateOutcome


class Measured(Protocol):
    @property
    def measured(self) -> bool: ...

    def gate_figures(self) -> GateFigures: ...


R = TypeVar("R", bound=Measured)


def run_gate(
    kind: str,
    *,
    measure: Callable[[], R],
    once: Callable[[], R],
    confirm: int,
    skip_reason: str | None,
) -> tuple[R, GateOutcome]:
    """The result of one gate and what the verdict reads of it.

    When measuring is off (``skip_reason``: mode off, benchmarks disabled), ``once`` runs the code
    without timing it. A measurement over its limit is measured afresh up to ``confirm`` times and
    only fails when every attempt is over; the outcome keeps every attempt then.
    """
    if skip_reason is not None:
        return once(), GateOutcome(kind, None, reason=skip_reason)
    attempts = confirmed(
        (measure(),),
        over=lambda attempt: attempt[0].gate_figures().over,
        fresh=lambda _: (measure(),),
        times=confirm,
    )
    results = [attempt[0] for attempt in attempts]
    figures = [result.gate_figures() for result in results]
    first, last = figures[0], figures[-1]
    notes: tuple[str, ...] = ()
    if len(figures) > 1:
        kept = "confirmed" if last.over else "not confirmed"
        notes = (
            f"{kind}: over the limit at first ({first.measured:.3g} > {first.limit:g}); "
            f"{kept} by {len(figures) - 1} fresh measurement(s), last {last.measured:.3g}",
        )
    attempted = tuple({"kind": kind, **each.figures} for each in figures) if len(figures) > 1 else ()
    return results[-1], GateOutcome(kind, last, notes=notes, attempts=attempted)
