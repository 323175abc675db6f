"""What a recorded run was measured on: the commit (``git``, when there is one) and the machine."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from ..measure.machine import cpu_model, git_state
from ..record import Record
from .store import Machine, Result, Run


@lru_cache(maxsize=1)
def this_machine() -> Machine:
    """Hostname, CPU model, cores, OS and Python of this machine."""
    return Machine(
        hostname=platform.node() or None,
        cpu=cpu_model(),
        cores=os.cpu_count(),
        os=platform.platform(),
        python=f"{platform.python_implementation()} {platform.python_version()}",
    )


def perfgate_version() -> str | None:
    try:
        return metadata.version("pytest-perfgate")
    except metadata.PackageNotFoundError:
        return None


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
        perfgate=perfgate_version(),
        results=tuple(Result.from_record(record) for record in records),
    )
