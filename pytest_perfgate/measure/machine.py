"""Where figures were measured: the CPU and the git checkout (shared by the reports and the history)."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path

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
