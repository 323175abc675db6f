"""The controller-side plugin: one record per test from the test reports (so under xdist what the
workers sent), and every report (terminal, JSON, Markdown, HTML) built from those records."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ..config.settings import Settings
from ..measure.machine import machine_info
from ..record import Record
from ..runtest.session import PerfgateSession
from . import html, markdown, terminal
from .files import ReportPathError, check_writable, resolve, write_atomically
from .jsonfile import dumps
from .model import Report, by_nodeid, settings_dict, targets_dict

#: option name -> renderer of each report file.
OUTPUTS: dict[str, Callable[[Report], str]] = {
    "json": dumps,
    "markdown": markdown.render,
    "html": html.render,
}


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


class PerfgateReports:
    """Registered once, on the process that prints (never on an xdist worker)."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.records: dict[str, Record] = {}
        self.paths = output_paths(config)
        self.started = time.time()
        self.written: list[tuple[str, Path]] = []
        self.errors: list[str] = []

    @property
    def warnings(self) -> list[str]:
        return list(PerfgateSession.of(self.config).run_warnings)

    def pytest_sessionstart(self) -> None:
        self.started = time.time()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = Record.from_properties(report.user_properties)
        if record is not None:
            self.records[report.nodeid] = record

    def report(self, session: pytest.Session, exitstatus: int) -> Report:
        """The run so far as a :class:`Report` (incomplete when it was interrupted or stopped early)."""
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
        stopped = bool(session.shouldstop or session.shouldfail)
        return Report(
            tests=tuple(by_nodeid(self.records.values())),
            settings=settings_dict(self.settings, PerfgateSession.of(self.config).time_scale),
            targets=targets_dict(self.settings.targets),
            machine=machine_info(Path(self.config.rootpath)),
            complete=not (interrupted or stopped),
            created=datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds"),
            duration_s=round(time.time() - self.started, 3),
            exit_status=int(exitstatus),
            warnings=tuple(self.warnings),
        )

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
        unmatched = PerfgateSession.of(self.config).unmatched_patterns
        if not self.config.getoption("perfgate_no_summary") and (self.records or unmatched):
            records = list(self.records.values())
            terminalreporter.write_sep("=", "perfgate")
            for warning in self.warnings:  # how the figures were taken: before them
                terminalreporter.write_line(f"warning: {warning}", yellow=True)
            if records:
                for line in [*terminal.table_lines(records), *terminal.notes_lines(records)]:
                    terminalreporter.write_line(line)
            shipped = PerfgateSession.of(self.config).shipped_benchmarks
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
