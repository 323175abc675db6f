"""``perfgate.leaks``: memory still held after many calls, against a ``max_growth`` budget."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from . import memory_gate
from .measure import memory
from .quantities import format_memory, parse_memory
from .record import FAIL, NOT_MEASURED, PASS, WARN, MemoryFigures, Record
from .targets import Gate

DEFAULT_CALLS = 50
DEFAULT_MAX_GROWTH = "1MB"
#: Sites named in a failure message (all of them go into the report section and the record).
SITES_IN_MESSAGE = 3


def validate(fn: object, calls: object, max_growth: object) -> tuple[int, int]:
    """``(calls, max_growth in bytes)``; TypeError or ValueError naming the bad argument."""
    if not callable(fn):
        raise TypeError(f"perfgate.leaks: fn must be callable, not {fn!r}")
    if isinstance(calls, bool) or not isinstance(calls, int):
        raise TypeError(f"perfgate.leaks: calls must be a whole number, not {calls!r}")
    if calls < 2:
        raise ValueError(
            f"perfgate.leaks: calls must be at least 2 (warm-up calls, then measured ones), not {calls}"
        )
    try:
        limit = parse_memory(max_growth)  # type: ignore[arg-type]
    except ValueError as error:
        raise ValueError(f"perfgate.leaks: max_growth: {error}") from None
    return calls, limit


def check(
    item: pytest.Item,
    gate: Gate,
    mode: str,
    call: Callable[[], Any],
    *,
    calls: int,
    max_growth: int,
) -> Record:
    """Run the leak check (once only in mode ``off``) and judge its growth."""
    if mode == "off":
        call()
        return Record(
            nodeid=item.nodeid, target=gate.target, verdict=NOT_MEASURED, reason="perfgate mode is off"
        )
    backend, notes = memory_gate.backend_for(item, timed=False)
    result = memory.leak_check(
        call,
        calls=calls,
        backend=backend,
        sites_over=max_growth,
        attribution=memory_gate.attribution(item.config),
    )
    return judge(item.nodeid, gate, result, max_growth, mode, [*notes, *result.notes])


def judge(
    nodeid: str, gate: Gate, result: memory.LeakResult, max_growth: int, mode: str, notes: list[str]
) -> Record:
    """The leak check's verdict, message and figures (``extra["leaks"]``)."""
    growth = result.growth_bytes
    ratio = growth / max_growth
    measured = result.calls - result.warmup_calls
    over = growth > max_growth
    verdict = (FAIL if mode == "enforce" else WARN) if over else PASS
    figures: Mapping[str, Any] = {
        "growth_bytes": growth,
        "max_growth_bytes": max_growth,
        "ratio": round(ratio, 4),
        "calls": result.calls,
        "warmup_calls": result.warmup_calls,
        "backend": result.backend,
    }
    summary = (
        f"leaks: {format_memory(growth)} still held after {measured} calls "
        f"(max_growth {format_memory(max_growth)}; {result.warmup_calls} warm-up "
        f"call{'s' if result.warmup_calls != 1 else ''} not counted; {result.backend})"
    )
    notes = [summary, *notes]
    if gate.time is not None:
        notes.append("the time budget is not measured by perfgate.leaks")
    message = ""
    if over:
        message = (
            f"perfgate: {gate.label()}: leaks: memory grew {format_memory(growth)} over {measured} calls "
            f"> max_growth {format_memory(max_growth)} ({ratio:.2f}x)"
        )
        if result.sites:
            held = ", ".join(
                f"{site.location} ({format_memory(site.bytes)})" for site in result.sites[:SITES_IN_MESSAGE]
            )
            message += f"; held by {held}"
    return Record(
        nodeid=nodeid,
        target=gate.target,
        verdict=verdict,
        reason="over budget" if over else "within budget",
        message=message,
        memory=MemoryFigures(
            peak_bytes=None,
            budget_bytes=None,
            ratio=None,
            backend=result.backend,
            reason="a leak check measures growth, not a peak",
        ),
        notes=notes,
        allocations=[site.to_dict() for site in result.sites] if over else [],
        extra={"leaks": dict(figures)},
    )
