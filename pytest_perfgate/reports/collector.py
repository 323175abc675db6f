"""The controller-side plugin: one record per test from the test reports (so under xdist what the
workers sent), pytest's outcome set on it, and every report (terminal, JSON, Markdown, HTML) built
from those records."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import pytest

from ..config.settings import Settings
from ..measure.machine import machine_info
from ..record import Record
from . import html, markdown, terminal
from .files import ReportPathError, check_writable, resolve, write_atomically
from .jsonfile import dumps
from .model import Report, by_nodeid, settings_dict, targets_dict
from .outcome import outcome_of

#: option name -> renderer of each report file.
OUTPUTS: dict[str, Callable[[Report], str]] = {
    "json": dumps,
    "markdown": markdown.render,
    "html": html.render,
}

#: The test report phases after which a test has had its say: its teardown, or xdist's report of a
#: test whose worker crashed.
FINAL_PHASES = ("teardown", "???")


class PatternWarning(Protocol):
    """A ``[tool.perfgate.tests]`` pattern that matched no test (``config.unmatched.Unmatched``)."""

    @property
    def message(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


class RunFacts(Protocol):
    """What the session tells the reports beyond the test reports."""

    def time_scale(self) -> float:
        """The factor every time budget was multiplied by."""
        ...

    def run_warnings(self) -> Sequence[str]:
        """Run-level warnings (e.g. contended times under xdist), so far."""
        ...

    def unmatched_patterns(self) -> Sequence[PatternWarning]:
        """The patterns that matched no collected test (known from the end of collection)."""
        ...

    def performance_tests(self, session: pytest.Session) -> Collection[str] | None:
        """Node ids of the performance tests selected to run; None where not known."""
        ...

    def shipped_benchmarks(self) -> int:
        """Benchmarks the xdist workers measured and sent to this controller."""
        ...


def output_paths(config: pytest.Config) -> dict[str, Path]:
    """The report files asked for, checked now: a usage error names the option and the path."""
    paths = {}
    for name in OUTPUTS:
        value = config.getoption(f"perfgate_{name}", None)
        if not value:
            continue
        path = resolve(str(value), Path(config.invocation_params.dir))
        try:
            check_writable(path)
        except ReportPathError as error:
            raise pytest.UsageError(f"perfgate: option --perfgate-{name}: {error}") from None
        paths[name] = path
    return paths


def located(item: PatternWarning) -> str:
    """The warning about a pattern, naming its line where the message does not."""
    line = item.as_dict().get("line")
    if line is None or f":{line}" in item.message:
        return item.message
    return f"{item.message} (line {line})"


def with_outcome(record: Record, report: pytest.TestReport, previous: Record | None) -> Record:
    """The record with pytest's outcome of its test: from the call (or xdist's crash report), else
    what an earlier phase said."""
    if report.when in ("call", "???"):
        return dataclasses.replace(record, outcome=outcome_of(report))
    return dataclasses.replace(record, outcome=previous.outcome if previous else record.outcome)


class PerfgateReports:
    """Registered once, on the process that prints (never on an xdist worker)."""

    def __init__(self, config: pytest.Config, settings: Settings, facts: RunFacts) -> None:
        self.config = config
        self.settings = settings
        self.facts = facts
        self.records: dict[str, Record] = {}
        #: Tests whose last report arrived (their teardown, or xdist's report of a crash).
        self.finished: set[str] = set()
        self.interrupted = False
        self.paths = output_paths(config)
        self.started = time.time()
        self.written: list[tuple[str, Path]] = []
        self.errors: list[str] = []

    @property
    def warnings(self) -> list[str]:
        """Every run warning: how the figures were taken, then patterns that matched no test."""
        unmatched = [located(item) for item in self.facts.unmatched_patterns()]
        return [*self.facts.run_warnings(), *unmatched]

    def pytest_sessionstart(self) -> None:
        self.started = time.time()
        if "json" in self.paths and not self.config.getoption("collectonly"):
            self._placeholder(self.paths["json"])

    def _placeholder(self, path: Path) -> None:
        """An incomplete report in place of any older file, until the run writes its own: a run
        stopped before its end never leaves a complete-looking report behind."""
        targets = targets_dict(self.settings.targets)
        report = Report(tests=(), settings=self._settings(), targets=targets, complete=False)
        with contextlib.suppress(ReportPathError):  # the report at the end says what went wrong
            write_atomically(path, dumps(dataclasses.replace(report, created=self._created())))

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when in FINAL_PHASES:
            self.finished.add(report.nodeid)
        record = Record.from_properties(report.user_properties)
        if record is not None:
            self.records[report.nodeid] = with_outcome(record, report, self.records.get(report.nodeid))

    def interruption(self, session: pytest.Session, exitstatus: int) -> str | None:
        """Why the run was cut short (Ctrl-C, a signal, a crashed worker), or None."""
        if self.interrupted or exitstatus == pytest.ExitCode.INTERRUPTED:
            return "the run was interrupted"
        expected = self.facts.performance_tests(session)
        missing = set(expected or ()) - self.finished
        if missing and not self.stopped(session):
            return f"{len(missing)} of {len(set(expected or ()))} performance tests got no verdict"
        return None

    @staticmethod
    def stopped(session: pytest.Session) -> bool:
        """Stopped on purpose before its end (``-x``, ``--maxfail``)."""
        return bool(session.shouldstop or session.shouldfail)

    def report(self, session: pytest.Session, exitstatus: int) -> Report:
        """The run so far as a :class:`Report` (incomplete when it was interrupted or stopped early)."""
        interrupted = self.interruption(session, exitstatus)
        if interrupted and exitstatus == pytest.ExitCode.OK:
            exitstatus = pytest.ExitCode.INTERRUPTED  # a second Ctrl-C left pytest no time to say so
        unmatched = self.facts.unmatched_patterns()
        return Report(
            tests=tuple(by_nodeid(self.records.values())),
            settings=self._settings(),
            targets=targets_dict(self.settings.targets),
            machine=machine_info(Path(self.config.rootpath)),
            complete=not (interrupted or self.stopped(session)),
            created=self._created(),
            duration_s=round(time.time() - self.started, 3),
            exit_status=int(exitstatus),
            warnings=tuple(self.warnings + ([f"incomplete: {interrupted}"] if interrupted else [])),
            unmatched_patterns=tuple(item.as_dict() for item in unmatched),
        )

    def _settings(self) -> dict[str, Any]:
        return settings_dict(self.settings, self.facts.time_scale())

    def _created(self) -> str:
        return datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.paths or self.config.getoption("collectonly"):
            return
        report = self.report(session, exitstatus)
        for name, path in self.paths.items():
            try:
                write_atomically(path, OUTPUTS[name](report))
            except ReportPathError as error:
                self.errors.append(f"perfgate: option --perfgate-{name}: {error}")
            else:
                self.written.append((name, path))
        if self.errors and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        unmatched = [item.message for item in self.facts.unmatched_patterns()]
        if not self.config.getoption("perfgate_no_summary") and (self.records or unmatched):
            records = list(self.records.values())
            terminalreporter.write_sep("=", "perfgate")
            for warning in self.facts.run_warnings():  # how the figures were taken: before them
                terminalreporter.write_line(f"warning: {warning}", yellow=True)
            if records:
                for line in [*terminal.table_lines(records), *terminal.notes_lines(records)]:
                    terminalreporter.write_line(line)
            shipped = self.facts.shipped_benchmarks()
            if shipped:
                terminalreporter.write_line(
                    f"perfgate measured {shipped} benchmark{'s' if shipped != 1 else ''} on the xdist "
                    "workers (pytest-benchmark turns itself off under xdist); pytest-benchmark's table "
                    "shows them"
                )
            for text in unmatched:  # about the configuration: after them
                terminalreporter.write_line(f"warning: {text}", yellow=True)
        for name, path in self.written:
            terminalreporter.write_line(f"perfgate: wrote the {name} report to {path}")
        for error in self.errors:
            terminalreporter.write_line(error, red=True)
