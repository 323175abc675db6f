"""The machine figures were measured on: CPU, cores, OS, Python, package versions and the git checkout.

The one home of these facts: the JSON report's ``machine`` section and the history's runs read them here.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

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
#: Distributions whose versions a report names.
PACKAGES = ("pytest", "pytest-benchmark", "memray", "pytest-memray", "pytest-xdist", "pytest-perfgate")


@dataclass(frozen=True)
class Machine:
    """Where a run was measured (what the history keeps of it)."""

    hostname: str | None = None
    cpu: str | None = None
    cores: int | None = None
    os: str | None = None
    python: str | None = None

    def same_kind(self, other: Machine) -> bool:
        """Same CPU model and core count: figures that can share one history."""
        return (self.cpu, self.cores) == (other.cpu, other.cores)


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else what the platform module knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            for line in file:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cores() -> int | None:
    """The cores this process may run on (its affinity), where the OS says."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


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


def version_of(distribution: str) -> str | None:
    """The installed version of a distribution, None where it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | None]:
    """Installed version of each of :data:`PACKAGES` (None where it is not installed)."""
    return {name: version_of(name) for name in PACKAGES}


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
    """(commit, branch, dirty) of the checkout holding ``directory``; Nones where there is no git.

    A detached HEAD (the usual CI checkout) takes its branch from the CI service's variables.
    """
    environ = os.environ if environ is None else environ
    commit = _git(directory, "rev-parse", "HEAD")
    if commit is None:
        return None, None, None
    branch = _git(directory, "rev-parse", "--abbrev-ref", "HEAD")
    if not branch or branch == "HEAD":
        branch = next((environ[name] for name in BRANCH_VARIABLES if environ.get(name)), None)
    status = _git(directory, "status", "--porcelain", "--untracked-files=no")
    return commit, branch, None if status is None else bool(status)


def machine_info(rootdir: Path) -> dict[str, Any]:
    """The ``machine`` section of a JSON report: this machine, its packages and the checkout."""
    machine = this_machine()
    commit, branch, dirty = git_state(rootdir)
    return {
        "cpu": machine.cpu,
        "cores": machine.cores,
        "usable_cores": usable_cores(),
        "arch": platform.machine(),
        "os": machine.os,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": versions(),
        "commit": commit,
        "branch": branch,
        "dirty": dirty,
    }
