"""The GitHub Actions workflow files in docs/ci: read as YAML, and their ``run:`` steps run here in bash
as a runner would run them (``${{ matrix.* }}`` filled in, this environment's scripts on PATH)."""

from __future__ import annotations

import os
import re
import subprocess
import sysconfig
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from doccheck import DOCS

SINGLE = DOCS / "ci" / "perfgate.yml"
SHARDS = DOCS / "ci" / "perfgate-shards.yml"

Step = dict[str, Any]


def load(path: Path) -> dict[str, Any]:
    workflow: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def steps(workflow: dict[str, Any], job: str) -> list[Step]:
    found: list[Step] = workflow["jobs"][job]["steps"]
    return found


def step(workflow: dict[str, Any], job: str, name: str) -> Step:
    (found,) = [candidate for candidate in steps(workflow, job) if candidate.get("name", "").startswith(name)]
    return found


def action(step: Step) -> str | None:
    """``actions/checkout`` for ``uses: actions/checkout@v4``."""
    uses = step.get("uses")
    return uses.partition("@")[0] if isinstance(uses, str) else None


def script(step: Step, matrix: Mapping[str, object] | None = None) -> str:
    """The step's ``run:`` text with ``${{ matrix.NAME }}`` filled in; any other expression is an error."""
    text: str = step["run"]
    for name, value in (matrix or {}).items():
        text = re.sub(r"\$\{\{\s*matrix\." + name + r"\s*\}\}", str(value), text)
    assert "${{" not in text, f"an expression this runner cannot fill in: {text}"
    return text


def run(
    step: Step, cwd: Path, env: dict[str, str], matrix: Mapping[str, object] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a ``run:`` step in bash, as GitHub runs it (``bash -e``), with this environment's
    ``python``, ``pytest`` and ``perfgate`` first on PATH."""
    scripts = sysconfig.get_path("scripts")
    environment = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    environment.pop("PYTEST_ADDOPTS", None)
    environment.update(env)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script(step, matrix)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
