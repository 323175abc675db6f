"""``perfgate.leaks``: memory still held after many calls, against a ``max_growth`` budget.

Memory only: nothing in the verdict is timed, so other processes' load can slow the calls down but
cannot change what they still hold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from ..config.targets import Gate
from ..measure import memory
from ..quantities import format_memory, parse_memory
from ..record import MemoryFigures, Record
from ..runtest import memory as memory_gate
from ..verdict.budget import GateFigures, judge_gate

KIND = "leaks"
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
        return judge_gate(item.nodeid, gate, KIND, None, mode=mode)
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
    """The leak check's verdict, message and figures (``extra["leaks"]``), as a gate beyond one call."""
    growth = result.growth_bytes
    ratio = growth / max_growth
    measured = result.calls - result.warmup_calls
    phrase = (
        f"leaks: memory grew {format_memory(growth)} over {measured} calls "
        f"> max_growth {format_memory(max_growth)} ({ratio:.2f}x)"
    )
    if result.sites:
        held = ", ".join(
            f"{site.location} ({format_memory(site.bytes)})" for site in result.sites[:SITES_IN_MESSAGE]
        )
        phrase += f"; held by {held}"
    summary = (
        f"leaks: {format_memory(growth)} still held after {measured} calls "
        f"(max_growth {format_memory(max_growth)}; {result.warmup_calls} warm-up "
        f"call{'s' if result.warmup_calls != 1 else ''} not counted; {result.backend})"
    )
    figures = GateFigures(
        kind=KIND,
        figures={
            "growth_bytes": growth,
            "max_growth_bytes": max_growth,
            "ratio": round(ratio, 4),
            "calls": result.calls,
            "warmup_calls": result.warmup_calls,
            "backend": result.backend,
        },
        measured=growth,
        limit=max_growth,
        phrase=phrase,
    )
    record = judge_gate(nodeid, gate, KIND, figures, mode=mode, notes=[summary, *notes])
    return replace(
        record,
        memory=MemoryFigures(
            peak_bytes=None,
            budget_bytes=None,
            ratio=None,
            backend=result.backend,
            reason="a leak check measures growth, not a peak",
        ),
        allocations=[site.to_dict() for site in result.sites] if figures.over else [],
    )
