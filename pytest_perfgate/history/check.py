"""``--perfgate-history-check``: a test whose latest figures are at a step up from its history fails.

A ``pytest_runtest_call`` wrapper on every process that runs tests (xdist workers included): after
the test body (and perfgate's own verdict), the test's record is set against its own runs in the
history store, read-only, on machines of the same kind. A run at a step up in its time statistic
or memory peak (:func:`~pytest_perfgate.history.analysis.judge_latest`, minimum effect
``max_regression``) fails in its call phase, naming the run and commit where the step appeared,
until ``perfgate history --accept``; in warn mode it warns. Too short a history gets a note.
"""

from __future__ import annotations

import shlex
import warnings
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from ..measure.machine import git_state, this_machine
from ..quantities import format_memory, format_time
from ..record import FAIL, PASS, WARN, Record
from ..runtest import session as keys
from ..runtest.call import PerfgateWarning
from .analysis import MIN_ACCEPTED, MIN_HISTORY, Judgement, Regression
from .levels import LOOKBACK, Series, judge_series, memory_series, same_kind, time_series
from .redact import redact
from .store import DEFAULT_PATH, HistoryError, Run, Store, is_url, open_store, resolve_location


@dataclass(frozen=True)
class Finding:
    """A step up: which figure, the step, and the run where it appeared (None: this run)."""

    figure: str
    step: Regression
    since: Run | None

    def message(self, record: Record, this_commit: str | None, accept: str) -> str:
        step = self.step
        show: Callable[[float], str] = format_time
        if self.figure == "memory":
            what, show = "memory peak", format_memory
        else:
            assert record.time is not None
            what = f"time {record.time.stat}"
        before = f"{step.runs_before} earlier run" + ("s" if step.runs_before != 1 else "")
        if self.since is None:
            where = "in this run" + (f" (commit {this_commit[:10]})" if this_commit else "")
        else:
            where = f"since the run of {self.since.label()}"
        latest = record.time.value_s if self.figure == "time" and record.time else step.after
        if self.figure == "memory" and record.memory and record.memory.peak_bytes:
            latest = float(record.memory.peak_bytes)
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


def examine(
    record: Record, history: Sequence[Run], accepted: Sequence[int], min_effect: float
) -> tuple[Finding | None, str | None]:
    """The step up the record is at, if any (time statistic, then memory peak), and a note when the
    history was too short to judge."""
    note = None
    candidates: list[tuple[Series, float]] = []
    time, memory = record.time, record.memory
    if time is not None and time.value_s > 0:
        candidates.append((time_series(record.nodeid, history, time.stat), time.value_s))
    if memory is not None and memory.peak_bytes:
        candidates.append((memory_series(record.nodeid, history), float(memory.peak_bytes)))
    for series, latest in candidates:
        judgement = judge_series(series, accepted, min_effect, latest)
        step = judgement.regression
        if step is not None:
            since = series.runs[step.index] if step.index < len(series.runs) else None
            return Finding(series.figure, step, since), None
        if judgement.needed and note is None:
            note = short_note(judgement, series)
    return None, note


def replace_record(item: pytest.Item, old: Record, new: Record) -> None:
    """Swap the record on the item and on its ``user_properties`` (which the reports read)."""
    for prop in old.to_properties():
        if prop in item.user_properties:
            item.user_properties.remove(prop)
    item.user_properties.extend(new.to_properties())
    item.stash[keys.RECORD] = new


class HistoryCheck:
    """Sets each performance test's figures against its own history, read-only."""

    def __init__(self, config: pytest.Config, location: str) -> None:
        settings = config.stash[keys.SETTINGS]
        self.config = config
        self.location = location
        self.min_effect = settings.max_regression
        self.enforce = settings.mode == "enforce"
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
            self._commit = (git_state(Path(self.config.rootpath))[0],)
        return self._commit[0]

    def history(self, nodeid: str) -> tuple[list[Run], list[int]] | None:
        """The test's runs on machines of this kind and its acceptances; None if unreadable."""
        store = self._open()
        if store is None:
            return None if self.problem else ([], [])
        try:
            runs = store.runs(nodeid, LOOKBACK, exact=True, rounds=True)
            accepted = store.accepted(nodeid)
        except HistoryError as error:
            self._skip(error)
            return None
        return same_kind(runs, this_machine()), accepted

    def accept_command(self, nodeid: str) -> str:
        """The command that accepts the test's new level in this store."""
        command = f"perfgate history --accept --test {shlex.quote(nodeid)}"
        if self.location != str(Path(self.config.rootpath) / DEFAULT_PATH):
            command += f" --db {shlex.quote(redact(self.location))}"
        return command

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        result = yield
        record = item.stash.get(keys.RECORD, None)
        if record is None or record.verdict not in (PASS, WARN):
            return result
        read = self.history(record.nodeid)
        if read is None:
            return result
        finding, note = examine(record, *read, self.min_effect)
        if finding is None:
            if note is not None:
                replace_record(item, record, replace(record, notes=[*record.notes, note]))
            return result
        message = finding.message(record, self.this_commit(), self.accept_command(record.nodeid))
        verdict = FAIL if self.enforce else WARN
        new = replace(
            record,
            verdict=verdict,
            reason="step up from its history" if record.verdict == PASS else record.reason,
            message=f"{record.message}; {message}" if record.message else message,
            extra={**record.extra, "history": finding.summary()},
        )
        replace_record(item, record, new)
        if self.enforce:
            pytest.fail(message, pytrace=False)
        warnings.warn(PerfgateWarning(message), stacklevel=2)
        return result

    def pytest_sessionfinish(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.problem:
            terminalreporter.write_line(self.problem, yellow=True, bold=True)


def register(config: pytest.Config) -> None:
    """Register the check on every process that runs tests when ``--perfgate-history-check`` is on."""
    if not config.getoption("perfgate_history_check", False):
        return
    location = resolve_location(
        config.getoption("perfgate_history", None),
        Path(config.rootpath),
        Path(config.invocation_params.dir),
    )
    config.pluginmanager.register(HistoryCheck(config, location), "perfgate-history-check")
