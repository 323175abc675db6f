"""``--perfgate-history-check``: a test whose latest figures are a step up from its history fails.

A ``pytest_runtest_call`` wrapper on every process that runs tests (xdist workers included): after
the test body (and perfgate's own verdict), the test's record is set against its own runs in the
history store, read-only, on machines of the same kind (CPU model and cores). A significant step
up in its time statistic or memory peak (see :func:`~pytest_perfgate.history.analysis.step_up`;
the minimum effect is ``max_regression``) fails the test in its call phase, naming the run and
commit where the step appeared; in warn mode it warns instead.
"""

from __future__ import annotations

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
from .analysis import Step, step_up
from .redact import redact
from .store import HistoryError, Run, Store, is_url, open_store, resolve_location

#: Runs of a test read from the store, and the most recent of them (same machine kind) analysed.
LOOKBACK = 200
WINDOW = 60


@dataclass(frozen=True)
class Finding:
    """A step up: which figure, the step, and the run where it appeared (None: this run)."""

    figure: str
    step: Step
    since: Run | None
    runs: int

    def message(self, record: Record, this_commit: str | None) -> str:
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
        return (
            f"perfgate: history: {what} {show(step.after)} is a step up from {show(step.before)} "
            f"({step.ratio:.2f}x the median of {before}, p={step.p_value:.2g}) {where}"
        )

    def summary(self) -> dict[str, Any]:
        since = self.since
        return {
            "figure": self.figure,
            "before": self.step.before,
            "after": self.step.after,
            "ratio": round(self.step.ratio, 4),
            "p_value": self.step.p_value,
            "runs_before": self.step.runs_before,
            "since_run": None if since is None else since.id,
            "since_time": None if since is None else since.started_at,
            "since_commit": None if since is None else since.commit,
        }


def find_step(record: Record, history: Sequence[Run], min_effect: float) -> Finding | None:
    """The step up of the record's time statistic (or else memory peak) against its history runs."""
    nodeid = record.nodeid
    time, memory = record.time, record.memory
    if time is not None and time.value_s > 0:
        points = [
            (run, result.figure(time.stat), result.rounds)
            for run in history
            for result in run.results
            if result.nodeid == nodeid
        ]
        kept = [(run, value, rounds) for run, value, rounds in points if value is not None and value > 0]
        values = [value for _, value, _ in kept] + [time.value_s]
        rounds = [list(rounds) for _, _, rounds in kept] + [list(time.data)]
        step = step_up(values, rounds, min_effect=min_effect)
        if step is not None:
            since = kept[step.index][0] if step.index < len(kept) else None
            return Finding("time", step, since, len(values))
    if memory is not None and memory.peak_bytes:
        kept_memory = [
            (run, float(result.peak_bytes))
            for run in history
            for result in run.results
            if result.nodeid == nodeid and result.peak_bytes
        ]
        values = [value for _, value in kept_memory] + [float(memory.peak_bytes)]
        step = step_up(values, None, min_effect=min_effect)
        if step is not None:
            since = kept_memory[step.index][0] if step.index < len(kept_memory) else None
            return Finding("memory", step, since, len(values))
    return None


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
            self.problem = f"perfgate warning: history check skipped: {error}"
            warnings.warn(PerfgateWarning(self.problem), stacklevel=2)
        return self.store

    def this_commit(self) -> str | None:
        if self._commit is None:
            self._commit = (git_state(Path(self.config.rootpath))[0],)
        return self._commit[0]

    def history(self, nodeid: str) -> list[Run]:
        store = self._open()
        if store is None:
            return []
        try:
            runs = store.runs(nodeid, LOOKBACK, exact=True, rounds=True)
        except HistoryError as error:
            if self.problem is None:
                self.problem = f"perfgate warning: history check skipped: {error}"
                warnings.warn(PerfgateWarning(self.problem), stacklevel=2)
            return []
        machine = this_machine()
        return [run for run in runs if run.machine.same_kind(machine)][-WINDOW:]

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        result = yield
        record = item.stash.get(keys.RECORD, None)
        if record is None or record.verdict not in (PASS, WARN):
            return result
        finding = find_step(record, self.history(record.nodeid), self.min_effect)
        if finding is None:
            return result
        message = finding.message(record, self.this_commit())
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
