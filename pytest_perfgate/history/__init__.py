"""History of performance runs: a store (SQLite or PostgreSQL), trends and step detection.

The recorder and the check load only when their options are given."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..reports.collector import PerfgateReports


def register_recorder(config: pytest.Config, reports: PerfgateReports) -> None:
    """Append each run to the store when ``--perfgate-history`` was given (the store code loads then)."""
    if config.getoption("perfgate_history", None) is not None:
        from . import recorder

        recorder.register(config, reports)


def register_check(config: pytest.Config) -> None:
    """Check each test against its history when ``--perfgate-history-check`` was given."""
    if config.getoption("perfgate_history_check", False):
        from . import check

        check.register(config)
