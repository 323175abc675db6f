"""The run being recorded: its records with the checkout's commit, this machine and the time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from ..measure.machine import git_state, this_machine, version_of
from ..record import Record
from .store import Result, Run


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def make_run(records: Iterable[Record], directory: Path, started_at: str) -> Run:
    """The run to append: every record, with this checkout's commit and this machine."""
    commit, branch, dirty = git_state(directory)
    return Run(
        started_at=started_at,
        commit=commit,
        branch=branch,
        dirty=dirty,
        machine=this_machine(),
        perfgate=version_of("pytest-perfgate"),
        results=tuple(Result.from_record(record) for record in records),
    )
