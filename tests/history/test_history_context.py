"""What a recorded run is measured on: commit, branch and dirty flag from git, and the machine."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_perfgate.history.context import make_run
from pytest_perfgate.measure.machine import git_state, this_machine
from pytest_perfgate.record import Record

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(directory: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *arguments],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_repo(directory: Path) -> str:
    git(directory, "init", "-q", "-b", "feature")
    (directory / "code.py").write_text("x = 1\n")
    git(directory, "add", "code.py")
    git(directory, "commit", "-q", "-m", "first")
    return git(directory, "rev-parse", "HEAD")


@needs_git
def test_commit_branch_and_dirty(tmp_path: Path) -> None:
    commit = make_repo(tmp_path)
    assert git_state(tmp_path, {}) == (commit, "feature", False)
    (tmp_path / "code.py").write_text("x = 2\n")
    assert git_state(tmp_path, {}) == (commit, "feature", True)
    (tmp_path / "untracked.py").write_text("")
    git(tmp_path, "checkout", "-q", "code.py")
    assert git_state(tmp_path, {})[2] is False  # untracked files do not make it dirty


@needs_git
def test_detached_head_takes_the_branch_from_ci(tmp_path: Path) -> None:
    commit = make_repo(tmp_path)
    git(tmp_path, "checkout", "-q", "--detach")
    assert git_state(tmp_path, {}) == (commit, None, False)
    assert git_state(tmp_path, {"GITHUB_REF_NAME": "main"})[1] == "main"


def test_no_git_checkout(tmp_path: Path) -> None:
    assert git_state(tmp_path, {}) == (None, None, None)


def test_no_git_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert git_state(tmp_path, {}) == (None, None, None)


def test_machine_and_run() -> None:
    machine = this_machine()
    assert machine.hostname and machine.cpu and machine.os and machine.python
    assert machine.cores is not None and machine.cores >= 1
    record = Record(
        nodeid="t::a", target=None, verdict="not-measured", reason="the test did not call perfgate"
    )
    run = make_run([record], Path.cwd(), "2024-05-01T00:00:00+00:00")
    assert run.machine == machine and run.started_at == "2024-05-01T00:00:00+00:00"
    assert [result.nodeid for result in run.results] == ["t::a"]
    assert run.results[0].verdict == "not-measured" and run.results[0].value_s is None
