"""Measure a gate beyond one call, confirm a breach with a fresh measurement, and judge it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import pytest

from ..config.options import benchmark_disabled
from ..config.settings import Settings
from ..config.targets import Gate
from ..measure.timing import DISABLED_REASON
from ..record import Record
from ..verdict.budget import GateFigures, judge_gate


class Measured(Protocol):
    @property
    def measured(self) -> bool: ...

    def gate_figures(self) -> GateFigures: ...


R = TypeVar("R", bound=Measured)


def disabled_reason(config: pytest.Config) -> str | None:
    """Why timing is off for this run (``--benchmark-disable``), or None."""
    return DISABLED_REASON if benchmark_disabled(config) else None


def run_gate(
    nodeid: str,
    gate: Gate,
    settings: Settings,
    kind: str,
    *,
    measure: Callable[[], R],
    once: Callable[[], R],
    skip_reason: str | None,
) -> tuple[R, Record]:
    """The result and the record of one gate.

    When measuring is off (mode off, ``skip_reason``), ``once`` runs the code without timing it.
    A measurement over its limit is measured afresh up to ``settings.confirm`` times and only fails
    when every attempt is over; the record keeps every attempt then.
    """
    if settings.mode == "off" or skip_reason:
        result = once()
        return result, judge_gate(nodeid, gate, kind, None, mode=settings.mode, reason=skip_reason or "")
    result = measure()
    figures = result.gate_figures()
    attempts = [figures]
    while figures.over and len(attempts) <= settings.confirm:
        result = measure()
        figures = result.gate_figures()
        attempts.append(figures)
    notes = []
    if len(attempts) > 1:
        kept = "confirmed" if figures.over else "not confirmed"
        notes.append(
            f"{kind}: over the limit at first ({attempts[0].measured:.3g} > {attempts[0].limit:g}); "
            f"{kept} by {len(attempts) - 1} fresh measurement(s), last {figures.measured:.3g}"
        )
    record = judge_gate(
        nodeid,
        gate,
        kind,
        figures,
        mode=settings.mode,
        notes=notes,
        attempts=[{"kind": kind, **attempt.figures} for attempt in attempts] if len(attempts) > 1 else [],
    )
    return result, record
