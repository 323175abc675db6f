"""What a recorded run was measured on: the commit (``git``, when there is one) and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from ..record import Record
from .store import Machine, Result, Run

#: Where CI services name the branch when the checkout is a detached HEAD.
BRANCH_VARIABLES = (
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
    "BUILDKITE_BRANCH",
    "CIRCLE_BRANCH",
    "BRANCH_NAME",
    "GIT_BRANCH",
)
GIT_TIMEOUT_S = 10.0


def _git(directory: Path, *arguments: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *arguments],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(
    directory: Path, environ: Mapping[str, str] | None = None
) -> tuple[str | None, str | None, bool | None]:
    """(commit, branch, dirty) of the checkout holding ``directory``; Nones where there is no git."""
    environ = os.environ if environ is None else environ
    commit = _git(directory, "rev-parse", "HEAD")
    if commit is None:
        return None, None, None
    branch = _git(directory, "rev-parse", "--abbrev-ref", "HEAD")
    if not branch or branch == "HEAD":
        branch = next((environ[name] for name in BRANCH_VARIABLES if environ.get(name)), None)
    status = _git(directory, "status", "--porcelain", "--untracked-files=no")
    return commit, branch, None if status is None else bool(status)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            for line in file:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


@lru_cache(maxsize=1)
def this_machine() -> Machine:
    """Hostname, CPU model, cores, OS and Python of this machine."""
    return Machine(
        hostname=platform.node() or None,
        cpu=_cpu_model(),
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
