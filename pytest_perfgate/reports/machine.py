"""What the figures were measured on: CPU, cores, OS, Python, package versions, git commit."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from ..measure.machine import cpu_model, git_state

#: Distributions whose versions a report names.
PACKAGES = ("pytest", "pytest-benchmark", "memray", "pytest-memray", "pytest-xdist", "pytest-perfgate")


def usable_cores() -> int | None:
    """The cores this process may run on (its affinity), where the OS says."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def versions() -> dict[str, str | None]:
    """Installed version of each of :data:`PACKAGES` (None where it is not installed)."""
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_info(directory: Path) -> dict[str, Any]:
    """Commit, branch and whether tracked files were modified, if ``directory`` is in a git checkout."""
    commit, branch, dirty = git_state(directory)
    return {"commit": commit, "branch": branch, "dirty": dirty}


def machine_info(rootdir: Path) -> dict[str, Any]:
    """The ``machine`` section of a JSON report."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "arch": platform.machine(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": versions(),
        **git_info(rootdir),
    }
