"""The one place a verdict is decided: every figure of a test goes in, its one :class:`Record` comes out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..config.targets import ResolvedBudget
from ..measure.memory import MemoryResult
from ..measure.timing import Timing
from ..quantities import format_memory, format_time
from ..record import FAIL, NOT_MEASURED, PASS, WARN, InstructionFigures, MemoryFigures, Record, TimeFigures
from .baseline import Baseline, review
from .budget import GateFigures, memory_figures, memory_phrase, time_figures, time_phrase
from .instructions import count_phrase, time_note
from .noisy_time import Decision
from .regression import Figures

ENFORCE, OFF = "enforce", "off"
#: A measurement this much longer because other processes had the CPU (they kept it waiting a third
#: of the time) was taken on a busy machine: beyond the wait taken out, the neighbours' memory traffic
#: still slows the code. Beside two loader processes on 2 vCPUs that made a numpy sort of 8 MB up to
#: 1.31x slower than quiet (a copy through 32 MB, 2x). A time over its budget by no more than
#: BUSY_OVERRUN on such a machine is not judged: a warning, never a failure caused by others' load.
BUSY_FACTOR = 1.5
BUSY_OVERRUN = 1.3


class PerfgateWarning(UserWarning):
    """A performance budget was broken while perfgate runs in warn mode."""


@dataclass(frozen=True)
class GateOutcome:
    """What a gate beyond one call measured: its figures (None: nothing measured, ``reason`` says why),
    every attempt when it was confirmed, and what it says about memory."""

    kind: str
    figures: GateFigures | None
    reason: str = ""
    notes: tuple[str, ...] = ()
    attempts: tuple[dict[str, Any], ...] = ()
    #: The backend of a gate that measures memory its own way (a leak check), and its over-limit sites.
    backend: str | None = None
    sites: tuple[dict[str, Any], ...] = ()
    memory_why: str = ""


@dataclass(frozen=True)
class CompareFigures:
    """``perfgate.compare``'s outcome, as the verdict reads it."""

    #: A phrase per limit broken (speed, memory).
    phrases: tuple[str, ...]
    summary: str
    extra: dict[str, Any]
    #: Why a speed short of its limit is not blamed on the code ("" when it is).
    undecided: str = ""
    memory_broken: bool = False
    machine: str = ""


@dataclass(frozen=True)
class HistoryStep:
    """What the history check found: a step up (its message and figures), or a note."""

    message: str = ""
    summary: dict[str, Any] | None = None
    note: str | None = None


#: The history check: (node id, time figures, memory figures, instruction counts) -> its finding.
StepCheck = Callable[[str, TimeFigures | None, MemoryFigures | None, InstructionFigures | None], HistoryStep]


@dataclass(frozen=True)
class Inputs:
    """Everything a test's verdict rests on."""

    nodeid: str
    budget: ResolvedBudget
    mode: str
    timing: Timing | None = None
    time_reason: str = ""
    settled: Decision | None = None
    memory: MemoryResult | None = None
    memory_reason: str = ""
    #: Why memory cannot be measured for this kind of test ("" when it can).
    memory_why: str = ""
    notes: Sequence[str] = ()
    gate: GateOutcome | None = None
    compare: CompareFigures | None = None
    baseline: Baseline | None = None
    history: StepCheck | None = None
    profile: Sequence[dict[str, Any]] = ()
    profile_note: str | None = None
    #: Instructions mode: the call was counted, not timed; its counts (None: nothing was counted).
    counted: bool = False
    counts: InstructionFigures | None = None


@dataclass
class _Draft:
    """A record being decided: the verdict so far, and what goes into the record."""

    verdict: str
    reason: str
    message: str = ""
    notes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def broken(self, mode: str, reason: str, message: str) -> None:
        """A limit is broken: the test fails in enforce mode and warns in warn mode (a failure stays one)."""
        failed = self.verdict == FAIL
        self.verdict = FAIL if failed or mode == ENFORCE else WARN
        if not failed:
            self.reason = reason
        self.message = f"{self.message}; {message}" if self.message else message

    def not_judged(self, over: str, why: str) -> None:
        """Over a limit by what the machine could not tell from the code's doing: a warning saying why."""
        self.verdict = WARN
        self.reason = f"{over}, not judged: {why}" if over else f"not judged: {why}"
        self.message += f"; not judged: {why}"


def decide(inputs: Inputs) -> Record:
    """The test's one record: its figures, its verdict and the message that explains it."""
    if inputs.gate is not None:
        draft, time, memory = _gate(inputs, inputs.gate)
    elif inputs.counted:
        draft, time, memory = _counted(inputs)
    else:
        draft, time, memory = _budget(inputs)
    if inputs.compare is not None and time is not None:
        _compare(draft, inputs.compare, inputs.mode, inputs.budget.target)
    if inputs.profile or inputs.profile_note:
        draft.values["profile"] = list(inputs.profile)
        draft.notes += [inputs.profile_note] if inputs.profile_note else []
    compared = Figures.of_parts(time, draft.values.get("contention"), inputs.counts)
    # counts with no count budget to judge are still figures a baseline or the history can judge
    judgeable = inputs.mode != OFF and (draft.verdict != NOT_MEASURED or inputs.counts is not None)
    if inputs.baseline is not None and compared is not None and judgeable:
        _baseline(draft, compared, inputs)
    if inputs.history is not None and judgeable and draft.verdict != FAIL:
        _history(draft, inputs.history(inputs.nodeid, time, memory, inputs.counts), inputs.mode)
    return Record(
        nodeid=inputs.nodeid,
        target=inputs.budget.target,
        verdict=draft.verdict,
        reason=draft.reason,
        message=draft.message,
        time=time,
        memory=memory,
        notes=draft.notes,
        **draft.values,
    )


def _budget(inputs: Inputs) -> tuple[_Draft, TimeFigures | None, MemoryFigures]:
    """Time and memory figures against the test's budget."""
    budget, settled = inputs.budget, inputs.settled
    timing = settled.timing if settled is not None else inputs.timing
    raw = settled.raw_value_s if settled is not None else None
    time = None if timing is None else time_figures(timing, budget, raw)
    memory = _memory(inputs)
    notes = list(inputs.notes)
    if time is not None and time.traced:
        notes.append("time taken under memory tracing")
    over = []
    if time is not None and time.ratio is not None and time.ratio > 1:
        over.append(time_phrase(time, budget))
    if memory.ratio is not None and memory.ratio > 1:
        over.append(memory_phrase(memory))
    draft = _Draft(PASS, "within budget", notes=notes)
    if inputs.mode == OFF:
        draft.verdict, draft.reason = NOT_MEASURED, "perfgate mode is off"
    elif over:
        draft.broken(inputs.mode, "over budget", f"perfgate: {budget.source}: " + "; ".join(over))
        if settled is not None and time is not None and len(over) == 1 and (time.ratio or 0) > 1:
            undecided = _too_busy(settled, time.ratio or 0)
            if undecided and draft.verdict == FAIL:
                draft.not_judged("over budget", undecided)
    else:
        _missing(draft, inputs, time, memory)
    if settled is not None and time is not None:
        time = _settled(draft, settled, time)
    _allocations(draft, inputs.memory, memory)
    return draft, time, memory


def _too_busy(settled: Decision, ratio: float) -> str:
    """Why a time ``ratio`` times its budget is not blamed on the code ("" when it is): the machine was
    too busy during the measurement the verdict rests on for an overrun that small to be the code's.

    Two things slow a measurement beyond the run-queue wait taken out of it: a CPU slower than the
    session's fastest (a busy host), and on a busy machine the memory bandwidth and caches the
    neighbours share (the probe, in the caches, does not see those).
    """
    final = settled.counted[-1] if settled.counted else settled.attempts[-1]
    speed = max((batch.span.speed for batch in final.batches), default=1.0)
    if 1.0 < ratio <= speed:
        return (
            f"the CPU ran {speed:.2f}x slower than the session's fastest (a busy host) and did not "
            "speed up again in time; an overrun within that is not the code's to answer for"
        )
    waiting = 1 - 1 / final.factor
    if final.factor > BUSY_FACTOR and ratio <= BUSY_OVERRUN:
        return (
            f"the machine was too busy to judge (other processes kept it waiting for a CPU "
            f"{waiting:.0%} of the time; beyond that wait, taken out, the memory bandwidth and caches "
            f"they share can slow it by up to {BUSY_OVERRUN:g}x)"
        )
    return ""


def _memory(inputs: Inputs) -> MemoryFigures:
    """The memory figures; where memory cannot be measured, only a budget the test set is shown."""
    budget = inputs.budget
    if not inputs.memory_why:
        return memory_figures(inputs.memory, budget, inputs.memory_reason)
    shown = replace(budget, memory=budget.memory if budget.memory_explicit else None)
    return memory_figures(None, shown, inputs.memory_reason or f"not measured ({inputs.memory_why})")


def _missing(draft: _Draft, inputs: Inputs, time: TimeFigures | None, memory: MemoryFigures) -> None:
    """Within budget, unless a budget could not be checked: not measured, or time only."""
    budget = inputs.budget
    missing = []
    if budget.time is not None and time is None:
        missing.append(f"time: {inputs.time_reason or 'not measured'}")
    if not inputs.memory_why and budget.memory is not None and memory.peak_bytes is None:
        missing.append(f"memory: {memory.reason}")
    if missing or (time is None and memory.peak_bytes is None):
        draft.verdict, draft.reason = NOT_MEASURED, "; ".join(missing) or "nothing was measured"
    elif inputs.memory_why and budget.memory_explicit:
        draft.reason = f"time only: memory not measured, {inputs.memory_why}"


def _settled(draft: _Draft, settled: Decision, time: TimeFigures) -> TimeFigures:
    """How the time verdict was settled: its interval, attempts, contention and notes."""
    if draft.verdict == FAIL and time.ratio is not None and time.ratio > 1:
        counted = settled.counted
        if len(counted) > 1:
            values = ", ".join(format_time(attempt.value) for attempt in counted)
            draft.message += f"; over in all {len(counted)} measurements ({values})"
        if settled.marginal:
            draft.message += " [marginal]"
    draft.values.update(
        marginal=settled.marginal,
        attempts=[attempt.to_dict() for attempt in settled.attempts],
        contention=settled.contention,
    )
    draft.notes += settled.notes
    low, high = settled.interval if settled.interval is not None else (None, None)
    corrected = bool(settled.counted) and settled.counted[-1].corrected
    return replace(time, ci_low=low, ci_high=high, raw_value_s=settled.raw_value_s, corrected=corrected)


def _allocations(draft: _Draft, result: MemoryResult | None, memory: MemoryFigures) -> None:
    """The sites of an over-budget peak, the largest also named in the message."""
    if result is None or not result.sites or memory.ratio is None or memory.ratio <= 1:
        return
    top = result.sites[0]
    if draft.message:
        draft.message += f"; largest allocation site {top.location} ({format_memory(top.bytes)})"
    draft.values["allocations"] = [site.to_dict() for site in result.sites]


def _counted(inputs: Inputs) -> tuple[_Draft, None, MemoryFigures]:
    """Instructions mode: the count and the memory peak against their budgets; a time budget is a note."""
    budget, counts = inputs.budget, inputs.counts
    memory = _memory(inputs)
    note = None if counts is None else time_note(counts, budget)
    draft = _Draft(PASS, "within budget", notes=[*inputs.notes, *([note] if note else [])])
    draft.values["instructions"] = counts
    over = []
    if counts is not None and counts.ratio is not None and counts.ratio > 1:
        over.append(count_phrase(counts))
    if memory.ratio is not None and memory.ratio > 1:
        over.append(memory_phrase(memory))
    missing = [] if counts is not None else ["instructions: not counted"]
    if not inputs.memory_why and budget.memory is not None and memory.peak_bytes is None:
        missing.append(f"memory: {memory.reason}")
    judged = (counts is not None and counts.budget is not None) or memory.ratio is not None
    if inputs.mode == OFF:
        draft.verdict, draft.reason = NOT_MEASURED, "perfgate mode is off"
    elif over:
        draft.broken(inputs.mode, "over budget", f"perfgate: {budget.source}: " + "; ".join(over))
    elif missing or not judged:
        draft.verdict = NOT_MEASURED
        draft.reason = "; ".join(missing) or "no instructions or memory budget to judge"
    _allocations(draft, inputs.memory, memory)
    return draft, None, memory


def _gate(inputs: Inputs, gate: GateOutcome) -> tuple[_Draft, None, MemoryFigures]:
    """A gate beyond one call against its own limit (a warning where the machine could not tell)."""
    budget, figures, kind = inputs.budget, gate.figures, gate.kind
    why = gate.memory_why or f"the {kind} gate measures time only"
    shown = budget.memory if budget.memory_explicit else None
    memory = MemoryFigures(None, shown, None, gate.backend, f"not measured ({why})")
    notes = [*inputs.notes, *gate.notes, *(figures.notes if figures else ())]
    if budget.time is not None and figures is not None:
        notes.append(
            f"time budget {format_time(budget.time)} not applied: the {kind} gate judges its own limit"
        )
    draft = _Draft(PASS, f"within the {kind} limit", notes=notes)
    draft.values.update(marginal=figures.marginal if figures else False, attempts=list(gate.attempts))
    draft.values["extra"] = {} if figures is None else {kind: figures.figures}
    if inputs.mode == OFF:
        draft.verdict, draft.reason = NOT_MEASURED, "perfgate mode is off"
    elif figures is None:
        draft.verdict, draft.reason = NOT_MEASURED, gate.reason or "nothing was measured"
    elif figures.over:
        draft.broken(inputs.mode, f"over the {kind} limit", f"perfgate: {budget.label()}: {figures.phrase}")
        if figures.undecided:
            draft.not_judged(f"over the {kind} limit", figures.undecided)
        draft.message += "\n" + figures.details if figures.details else ""
        draft.values["allocations"] = list(gate.sites)
    elif shown is not None:
        judged_on = "growth" if gate.backend is not None else "time"
        draft.reason = f"{judged_on} only: memory not measured, {why}"
    return draft, None, memory


def _compare(draft: _Draft, compare: CompareFigures, mode: str, target: str | None) -> None:
    """``perfgate.compare``: a speed or memory limit broken fails (warns where the machine was too busy)."""
    draft.values["extra"] = {**draft.values.get("extra", {}), "compare": compare.extra}
    draft.notes.append(compare.summary)
    if not compare.phrases or mode == OFF:
        return
    failed = draft.verdict == FAIL
    phrases = "; ".join(compare.phrases)
    draft.broken(mode, "", phrases if draft.message else f"perfgate: {target or 'compare'}: {phrases}")
    draft.reason = "compare limits broken"
    if compare.undecided and not compare.memory_broken and not failed:
        draft.not_judged("", compare.undecided)
    if compare.machine:
        draft.message += f"; {compare.machine}"


def _baseline(draft: _Draft, figures: Figures, inputs: Inputs) -> None:
    """``--perfgate-baseline``: a regression against the earlier report fails (or warns)."""
    assert inputs.baseline is not None
    entry, note, phrase = review(inputs.baseline, inputs.nodeid, figures)
    draft.values["baseline"] = entry
    if note:
        draft.notes.append(note)
    if phrase is not None:
        message = phrase if draft.message else f"perfgate: {inputs.budget.target or 'baseline'}: {phrase}"
        draft.broken(inputs.mode, "regressed against the baseline", message)


def _history(draft: _Draft, step: HistoryStep, mode: str) -> None:
    """``--perfgate-history-check``: a step up from the test's own history fails (or warns)."""
    if step.summary is None:
        if step.note:
            draft.notes.append(step.note)
        return
    reason = draft.reason if draft.verdict == WARN else "step up from its history"
    draft.broken(mode, reason, step.message)
    draft.reason = reason
    draft.values["extra"] = {**draft.values.get("extra", {}), "history": step.summary}


def unmeasured(nodeid: str, target: str | None, reason: str) -> Record:
    """The record of a performance test that was not measured, and why."""
    return Record(nodeid=nodeid, target=target, verdict=NOT_MEASURED, reason=reason)


def after_error(record: Record, error: BaseException, skipped: bool) -> Record:
    """A test that raised keeps that outcome: its figures are not judged (a failure stays one)."""
    if record.verdict == FAIL:
        return record
    outcome = "skipped" if skipped else "failed"
    reason = f"the test {outcome} ({type(error).__name__}); its figures are not judged"
    return replace(record, verdict=NOT_MEASURED, reason=reason)
