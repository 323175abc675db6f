"""The controller-side plugin: gathers one record per test from the test reports and prints them."""

from __future__ import annotations

import pytest

from .. import keys
from ..record import Record
from ..settings import Settings
from . import terminal


class PerfgateReports:
    """Registered once, on the process that prints (never on an xdist worker)."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.records: dict[str, Record] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = Record.from_properties(report.user_properties)
        if record is not None:
            self.records[report.nodeid] = record

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        unmatched = self.config.stash.get(keys.UNMATCHED_PATTERNS, [])
        if self.config.getoption("perfgate_no_summary") or not (self.records or unmatched):
            return
        records = list(self.records.values())
        terminalreporter.write_sep("=", "perfgate")
        if records:
            for line in terminal.table_lines(records):
                terminalreporter.write_line(line)
            for line in terminal.notes_lines(records):
                terminalreporter.write_line(line)
        for text in unmatched:
            terminalreporter.write_line(f"warning: {text}", yellow=True)
