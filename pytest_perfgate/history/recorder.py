"""``--perfgate-history[=URL]``: append every run's records to the history store, after the run.

Registered only on the process that reports (never on an xdist worker), beside
:class:`~pytest_perfgate.reports.collector.PerfgateReports`, whose records it writes. A store that
cannot be written never costs the run: the reports still get every record, the exit status stays
as it was, and the terminal summary says what went wrong in a ``perfgate warning`` line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..reports.collector import PerfgateReports
from .context import make_run, utc_now
from .store import HistoryError, describe, open_store, resolve_location


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

    def pytest_report_header(self) -> str:
        return f"perfgate history: {describe(self.location)}"

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        records = list(self.reports.records.values())
        if not records:
            self.outcome = (
                f"perfgate history: no performance test ran; nothing appended to {describe(self.location)}"
            )
            return
        try:
            run = make_run(records, Path(self.config.rootpath), self.started_at)
            with open_store(self.location) as store:
                run_id = store.append_run(run)
        except HistoryError as error:
            self.problem = f"perfgate warning: the run was not recorded: {error}"
            return
        except Exception as error:  # the run must survive whatever the store does
            self.problem = (
                f"perfgate warning: the run was not recorded: history store {describe(self.location)}: "
                f"{type(error).__name__}: {error}"
            )
            return
        commit = f" at commit {run.commit[:10]}" if run.commit else ""
        self.outcome = (
            f"perfgate history: run {run_id} ({len(records)} tests{commit}) appended to "
            f"{describe(self.location)}"
        )

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.problem:
            terminalreporter.write_line(self.problem, yellow=True, bold=True)
        elif self.outcome:
            terminalreporter.write_line(self.outcome)


def register(config: pytest.Config, reports: PerfgateReports) -> None:
    """Register the recorder when ``--perfgate-history`` was given (call on the reporting process)."""
    if config.getoption("perfgate_history", None) is None:
        return
    config.pluginmanager.register(
        HistoryRecorder(config, reports, store_location(config)), "perfgate-history-recorder"
    )
