"""Figures + budget -> verdict (pass / fail / warn / not-measured) and the message that explains it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config.targets import Gate
from ..measure.memory import MemoryResult
from ..measure.timing import Timing
from ..quantities import format_memory, format_time
from ..record import FAIL, NOT_MEASURED, PASS, WARN, MemoryFigures, Record, TimeFigures
from ..stats.summary import sample, statistic, summary

#: Raw rounds kept in a record (evenly spaced quantiles beyond that), enough for rank tests.
ROUNDS_KEPT = 200


def time_figures(timing: Timing, gate: Gate) -> TimeFigures:
    figures = summary(timing.data)
    value = statistic(timing.data, gate.stat)
    return TimeFigures(
        stat=gate.stat,
        value_s=value,
        budget_s=gate.time,
        ratio=None if gate.time is None else value / gate.time,
        rounds=len(timing.data),
        data=sample(timing.data, ROUNDS_KEPT),
        method=timing.method,
        traced=timing.traced,
        cpu_s=None if timing.cpu_share is None else value * timing.cpu_share,
        min=figures["min"],
        median=figures["median"],
        mean=figures["mean"],
        max=figures["max"],
        stddev=figures["stddev"],
    )


def memory_figures(memory: MemoryResult | None, gate: Gate, reason: str) -> MemoryFigures:
    if memory is None:
        return MemoryFigures(None, gate.memory, None, None, reason or "not measured")
    ratio = None if gate.memory is None else memory.peak_bytes / gate.memory
    return MemoryFigures(memory.peak_bytes, gate.memory, ratio, memory.backend)


def _time_phrase(figures: TimeFigures, gate: Gate) -> str:
    assert figures.budget_s is not None and figures.ratio is not None
    budget = format_time(figures.budget_s)
    if gate.time_scale != 1.0:
        budget += f" ({format_time(figures.budget_s / gate.time_scale)} x{gate.time_scale:g})"
    phrase = f"time {figures.stat} {format_time(figures.value_s)} > budget {budget} ({figures.ratio:.2f}x)"
    if figures.cpu_s is not None:
        phrase += f"; cpu {format_time(figures.cpu_s)} of {format_time(figures.value_s)} wall"
    return phrase


def _memory_phrase(figures: MemoryFigures) -> str:
    assert figures.peak_bytes is not None and figures.budget_bytes is not None
    return (
        f"memory {format_memory(figures.peak_bytes)} > budget {format_memory(figures.budget_bytes)} "
        f"({figures.ratio:.2f}x)"
    )


def judge(
    nodeid: str,
    gate: Gate,
    *,
    timing: Timing | None,
    time_reason: str = "",
    memory: MemoryResult | None,
    memory_reason: str = "",
    mode: str = "enforce",
    notes: list[str] | None = None,
    memory_required: bool = True,
) -> Record:
    """Compare the figures with the gate's budgets and decide.

    ``memory_required=False`` judges on time alone (memory is then only reported, e.g. "not measured").
    """
    time = None if timing is None else time_figures(timing, gate)
    mem = memory_figures(memory, gate, memory_reason)
    notes = list(notes or [])
    if time is not None and time.traced:
        notes.append("time taken under memory tracing")
    over: list[str] = []
    if time is not None and time.ratio is not None and time.ratio > 1:
        over.append(_time_phrase(time, gate))
    if mem.ratio is not None and mem.ratio > 1:
        over.append(_memory_phrase(mem))
    missing = []
    if gate.time is not None and time is None:
        missing.append(f"time: {time_reason or 'not measured'}")
    if memory_required and gate.memory is not None and mem.peak_bytes is None:
        missing.append(f"memory: {mem.reason}")
    if mode == "off":
        verdict, reason = NOT_MEASURED, "perfgate mode is off"
    elif over:
        verdict, reason = (FAIL if mode == "enforce" else WARN), "over budget"
    elif missing or (time is None and mem.peak_bytes is None):
        verdict, reason = NOT_MEASURED, "; ".join(missing) or "nothing was measured"
    else:
        verdict, reason = PASS, "within budget"
    message = f"perfgate: {gate.label()}: " + "; ".join(over) if over else ""
    return Record(
        nodeid=nodeid,
        target=gate.target,
        verdict=verdict,
        reason=reason,
        message=message,
        time=time,
        memory=mem,
        notes=notes,
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


def judge_gate(
    nodeid: str,
    gate: Gate,
    kind: str,
    figures: GateFigures | None,
    *,
    mode: str,
    reason: str = "",
    notes: list[str] | None = None,
    attempts: list[dict[str, Any]] | None = None,
) -> Record:
    """The verdict of a gate beyond one call: over its limit fails (warns in warn mode, or when the
    figures say the machine could not tell).

    ``figures`` is None when nothing was measured (mode off, benchmarks disabled); ``reason`` says why.
    Memory is not measured by these gates and is not required.
    """
    memory = memory_figures(None, gate, f"not measured (the {kind} gate measures time only)")
    notes = [*(notes or []), *(figures.notes if figures else ())]
    if gate.time is not None and figures is not None:
        notes.append(
            f"time budget {format_time(gate.time)} not applied: the {kind} gate judges its own limit"
        )
    if mode == "off":
        verdict, reason = NOT_MEASURED, "perfgate mode is off"
    elif figures is None:
        verdict, reason = NOT_MEASURED, reason or "nothing was measured"
    elif figures.over and figures.undecided:
        verdict, reason = WARN, f"over the {kind} limit, not judged: {figures.undecided}"
    elif figures.over:
        verdict, reason = (FAIL if mode == "enforce" else WARN), f"over the {kind} limit"
    else:
        verdict, reason = PASS, f"within the {kind} limit"
    message = ""
    if verdict in (FAIL, WARN) and figures is not None:
        message = f"perfgate: {gate.label()}: {figures.phrase}"
        if figures.over and figures.undecided:
            message += f"; not judged: {figures.undecided}"
        if figures.details:
            message += "\n" + figures.details
    return Record(
        nodeid=nodeid,
        target=gate.target,
        verdict=verdict,
        reason=reason,
        message=message,
        marginal=figures.marginal if figures else False,
        memory=memory,
        notes=notes,
        attempts=list(attempts or []),
        extra={} if figures is None else {kind: figures.figures},
    )
