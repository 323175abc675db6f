"""``--perfgate-history-check``: each performance test's figures against its own history, read-only, on
machines of the same kind; a step up (named with the run where it appeared) goes into its verdict."""

from __future__ import annotations

import shlex
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..config.settings import Settings
from ..measure.machine import git_state, this_machine
from ..quantities import format_instructions, format_memory, format_time
from ..record import InstructionFigures, MemoryFigures, TimeFigures
from ..verdict.decide import HistoryStep, PerfgateWarning
from .analysis import MIN_ACCEPTED, MIN_HISTORY, Judgement, Regression
from .levels import (
    LOOKBACK,
    Series,
    count_series,
    count_step,
    judge_series,
    memory_series,
    same_kind,
    time_series,
)
from .redact import redact
from .store import DEFAULT_PATH, HistoryError, Run, Store, is_url, open_store


@dataclass(frozen=True)
class Finding:
    """A step up: which figure, the step, and the run where it appeared (None: this run)."""

    figure: str
    step: Regression
    since: Run | None

    @classmethod
    def of(cls, series: Series, step: Regression) -> Finding:
        """The step found in a series: its first run is where it appeared (past the series: this run)."""
        return cls(series.figure, step, series.runs[step.index] if step.index < len(series.runs) else None)

    def message(
        self, time: TimeFigures | None, memory: MemoryFigures | None, this_commit: str | None, accept: str
    ) -> str:
        step = self.step
        before = f"{step.runs_before} earlier run" + ("s" if step.runs_before != 1 else "")
        if self.since is None:
            where = "in this run" + (f" (commit {this_commit[:10]})" if this_commit else "")
        else:
            where = f"since the run of {self.since.label()}"
        if self.figure == "instructions":
            return (
                f"perfgate: history: instructions {format_instructions(step.after)} is a step up from "
                f"{format_instructions(step.before)} ({step.ratio:.4f}x the lowest count of {before}; "
                f"counts move only when the code does) {where}; if it is the new normal: {accept}"
            )
        show: Callable[[float], str] = format_time
        if self.figure == "memory":
            what, show = "memory peak", format_memory
        else:
            assert time is not None
            what = f"time {time.stat}"
        latest = time.value_s if self.figure == "time" and time else step.after
        if self.figure == "memory" and memory and memory.peak_bytes:
            latest = float(memory.peak_bytes)
        return (
            f"perfgate: history: {what} {show(latest)} is a step up from {show(step.before)} "
            f"({step.ratio:.2f}x the median of {before}, {step.z:.1f} standard errors) {where}; "
            f"if it is the new normal: {accept}"
        )

    def summary(self) -> dict[str, Any]:
        since = self.since
        return {
            "figure": self.figure,
            "before": self.step.before,
            "after": self.step.after,
            "ratio": round(self.step.ratio, 4),
            "z": round(self.step.z, 2),
            "runs_before": self.step.runs_before,
            "runs_after": self.step.runs_after,
            "since_run": None if since is None else since.id,
            "since_time": None if since is None else since.started_at,
            "since_commit": None if since is None else since.commit,
        }


def short_note(judgement: Judgement, series: Series) -> str:
    """What the check lacked: how many runs the reference level has and needs."""
    has = judgement.reference
    runs = f"{has} run" + ("s" if has != 1 else "")
    if judgement.accepted:
        where = f"{runs} at the accepted level"
        needs = MIN_ACCEPTED
    else:
        where = f"{runs} of this test before this one on this kind of machine"
        needs = MIN_HISTORY
    return f"history check: not judged yet: {where}, {needs} needed ({series.label})"


def examine_counts(
    nodeid: str, count: int, history: Sequence[Run], accepted: Sequence[int], max_growth: float
) -> Finding | None:
    """The step up the instruction count is at, if any (instructions mode)."""
    series = count_series(nodeid, history)
    step = count_step(series, accepted, max_growth, float(count))
    if step is None:
        return None
    return Finding.of(series, step)


def examine(
    nodeid: str,
    time: TimeFigures | None,
    memory: MemoryFigures | None,
    history: Sequence[Run],
    accepted: Sequence[int],
    min_effect: float,
) -> tuple[Finding | None, str | None]:
    """The step up the figures are at, if any (time statistic, then memory peak), and a note when the
    history was too short to judge."""
    note = None
    candidates: list[tuple[Series, float]] = []
    if time is not None and time.value_s > 0:
        candidates.append((time_series(nodeid, history, time.stat), time.value_s))
    if memory is not None and memory.peak_bytes:
        candidates.append((memory_series(nodeid, history), float(memory.peak_bytes)))
    for series, latest in candidates:
        judgement = judge_series(series, accepted, min_effect, latest)
        step = judgement.regression
        if step is not None:
            return Finding.of(series, step), None
        if judgement.needed and note is None:
            note = short_note(judgement, series)
    return None, note


class HistoryCheck:
    """Sets each performance test's figures against its own history, read-only."""

    def __init__(self, settings: Settings, location: str, rootpath: Path) -> None:
        self.rootpath = rootpath
        self.location = location
        self.min_effect = settings.max_regression
        self.max_count_growth = settings.max_instructions_regression
        self.store: Store | None = None
        self.opened = False
        self.problem: str | None = None
        self._commit: tuple[str | None] | None = None

    def pytest_report_header(self) -> str:
        return (
            f"perfgate history check: {redact(self.location)} "
            f"(steps up of {self.min_effect:.0%} or more fail)"
        )

    def _open(self) -> Store | None:
        if self.opened:
            return self.store
        self.opened = True
        if not is_url(self.location) and not Path(self.location).exists():
            return None  # no history yet: nothing to set the figures against
        try:
            self.store = open_store(self.location, readonly=True)
        except HistoryError as error:
            self._skip(error)
        return self.store

    def _skip(self, error: HistoryError) -> None:
        if self.problem is None:
            self.problem = f"perfgate warning: history check skipped: {error}"
            warnings.warn(PerfgateWarning(self.problem), stacklevel=3)

    def this_commit(self) -> str | None:
        if self._commit is None:
            self._commit = (git_state(self.rootpath)[0],)
        return self._commit[0]

    def history(self, nodeid: str, records: bool = False) -> tuple[list[Run], list[int]] | None:
        """The test's runs on machines of this kind and its acceptances; None if unreadable
        (``records``: with each run's whole record, where instruction counts are kept)."""
        store = self._open()
        if store is None:
            return None if self.problem else ([], [])
        try:
            runs = store.runs(nodeid, LOOKBACK, exact=True, rounds=True, records=records)
            accepted = store.accepted(nodeid)
        except HistoryError as error:
            self._skip(error)
            return None
        return same_kind(runs, this_machine()), accepted

    def accept_command(self, nodeid: str) -> str:
        """The command that accepts the test's new level in this store."""
        command = f"perfgate history --accept --test {shlex.quote(nodeid)}"
        if self.location != str(self.rootpath / DEFAULT_PATH):
            command += f" --db {shlex.quote(redact(self.location))}"
        return command

    def step(
        self,
        nodeid: str,
        time: TimeFigures | None,
        memory: MemoryFigures | None,
        counts: InstructionFigures | None = None,
    ) -> HistoryStep:
        """What the test's history says of its figures: a step up, a note, or nothing."""
        read = self.history(nodeid, records=counts is not None)
        if read is None:
            return HistoryStep()
        note = None
        finding = (
            None if counts is None else examine_counts(nodeid, counts.count, *read, self.max_count_growth)
        )
        if finding is None:
            finding, note = examine(nodeid, time, memory, *read, self.min_effect)
        if finding is None:
            return HistoryStep(note=note)
        message = finding.message(time, memory, self.this_commit(), self.accept_command(nodeid))
        return HistoryStep(message=message, summary=finding.summary())

    def pytest_sessionfinish(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.problem:
            terminalreporter.write_line(self.problem, yellow=True, bold=True)
