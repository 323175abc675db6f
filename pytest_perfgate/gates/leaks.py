"""``perfgate.leaks``: memory still held after many calls, against a ``max_growth`` budget (memory only:
other processes' load can slow the calls down but cannot change what they still hold)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..measure import memory
from ..quantities import format_memory, parse_memory
from ..verdict.budget import GateFigures
from ..verdict.decide import GateOutcome
from . import arguments

KIND = "leaks"
METHOD = "perfgate.leaks"
#: Why a leak check has no memory peak.
MEMORY_WHY = "a leak check measures growth, not a peak"
DEFAULT_CALLS = 50
DEFAULT_MAX_GROWTH = "1MB"
#: Sites named in a failure message (all of them go into the report section and the record).
SITES_IN_MESSAGE = 3


def validate(fn: object, calls: object, max_growth: object) -> tuple[int, int]:
    """``(calls, max_growth in bytes)``; TypeError or ValueError naming the bad argument."""
    __tracebackhide__ = True
    arguments.function(METHOD, "fn", fn)
    calls = arguments.whole(METHOD, "calls", calls, least=2, why="warm-up calls, then measured ones")
    try:
        limit = parse_memory(max_growth)  # type: ignore[arg-type]
    except ValueError as error:
        raise ValueError(f"{METHOD}: max_growth: {error}") from None
    return calls, limit


def check(
    call: Callable[[], Any],
    *,
    calls: int,
    max_growth: int,
    backend: str,
    attribution: memory.Attribution,
    notes: Sequence[str] = (),
) -> GateOutcome:
    """Run the leak check with ``backend``; what the verdict reads of its growth."""
    result = memory.leak_check(
        call, calls=calls, backend=backend, sites_over=max_growth, attribution=attribution
    )
    return outcome(result, max_growth, [*notes, *result.notes])


def outcome(result: memory.LeakResult, max_growth: int, notes: Sequence[str]) -> GateOutcome:
    """The leak check's figures (``extra["leaks"]``) and message, as a gate beyond one call."""
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
    return GateOutcome(
        KIND,
        figures,
        notes=(summary, *notes),
        backend=result.backend,
        sites=tuple(site.to_dict() for site in result.sites),
        memory_why=MEMORY_WHY,
    )
