"""History of performance runs: a store (SQLite or PostgreSQL), trends and step detection.

- ``store.py``: the small interface every backend offers (``open_store``, ``append_run``, ``runs``);
- ``sqlite.py`` / ``postgres.py``: the backends, one schema (``schema.py``);
- ``context.py``: commit, branch and machine of the run being recorded;
- ``analysis.py``: sparklines, trends and change points (standard library only);
- ``recorder.py``: the controller-side plugin that appends each run (``--perfgate-history``);
- ``check.py``: the per-test gate against the test's own history (``--perfgate-history-check``);
- ``chart.py``: the self-contained HTML page of trend charts (``perfgate history --html``).
"""

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
