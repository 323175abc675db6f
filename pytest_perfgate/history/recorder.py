"""``--perfgate-history[=URL]``: append every run's records to the history store, after the run, on
the reporting process only; an interrupted run is not appended, and a store that cannot be written is
a warning that never costs the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..reports.collector import PerfgateReports
from .context import make_run, utc_now
from .redact import redact, scrub
from .store import HistoryError, open_store, resolve_location


def store_location(config: pytest.Config) -> str:
    """The store ``--perfgate-history`` names: its URL or path, else the default under the rootdir."""
    return resolve_location(
        config.getoption("perfgate_history", None),
        Path(config.rootpath),
        Path(config.invocation_params.dir),
    )


class HistoryRecorder:
    """Appends one run (every performance test's record, commit, machine, time) per session."""

    def __init__(self, config: pytest.Config, reports: PerfgateReports, location: str) -> None:
        self.config = config
        self.reports = reports
        self.location = location
        self.started_at = utc_now()
        self.outcome: str | None = None
        self.problem: str | None = None
        self.dropped: list[str] = []

    def pytest_report_header(self) -> str:
        return f"perfgate history: {redact(self.location)}"

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        records = list(self.reports.records.values())
        interrupted = self.reports.interruption(session, exitstatus)
        if interrupted:  # its figures may be cut short: a trend must not take it for a normal run
            self.outcome = f"perfgate history: {interrupted}; nothing appended to {redact(self.location)}"
            return
        if not records:
            self.outcome = (
                f"perfgate history: no performance test ran; nothing appended to {redact(self.location)}"
            )
            return
        try:
            run = make_run(records, Path(self.config.rootpath), self.started_at)
            with open_store(self.location) as store:
                run_id = store.append_run(run)
                self.dropped = [f"perfgate warning: {reason}" for reason in store.dropped]
        except HistoryError as error:
            self.problem = f"perfgate warning: the run was not recorded: {error}"
            return
        except Exception as error:  # the run must survive whatever the store does
            self.problem = (
                f"perfgate warning: the run was not recorded: history store {redact(self.location)}: "
                f"{type(error).__name__}: {scrub(str(error), self.location)}"
            )
            return
        commit = f" at commit {run.commit[:10]}" if run.commit else ""
        stored = len(records) - len(self.dropped)
        self.outcome = (
            f"perfgate history: run {run_id} ({stored} tests{commit}) appended to {redact(self.location)}"
        )

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.problem:
            terminalreporter.write_line(self.problem, yellow=True, bold=True)
        elif self.outcome:
            terminalreporter.write_line(self.outcome)
            for line in self.dropped:
                terminalreporter.write_line(line, yellow=True)


def register(config: pytest.Config, reports: PerfgateReports) -> None:
    """Register the recorder when ``--perfgate-history`` was given (call on the reporting process)."""
    if config.getoption("perfgate_history", None) is None:
        return
    config.pluginmanager.register(
        HistoryRecorder(config, reports, store_location(config)), "perfgate-history-recorder"
    )
