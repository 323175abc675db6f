"""Quick start line 1 installs the ``examples`` extra only: what its run imports must come from there."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def imported_modules(path: Path) -> set[str]:
    """Top-level names of the absolute imports anywhere in a Python file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def line_1_distributions() -> set[str]:
    """The distributions ``pip install -e ".[examples]"`` asks for on this platform."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["examples"]]
    parsed = [Requirement(text) for text in requirements]
    return {canonicalize_name(r.name) for r in parsed if r.marker is None or r.marker.evaluate()}


def test_the_main_job_imports_only_what_line_1_installs() -> None:
    allowed_dists = line_1_distributions()
    from_dists = {
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if any(canonicalize_name(dist) in allowed_dists for dist in dists)
    }
    local = {path.stem for path in EXAMPLES.iterdir()} | {"pytest_perfgate"}
    allowed = set(sys.stdlib_module_names) | from_dists | local
    files = [ROOT / "conftest.py", *sorted(EXAMPLES.rglob("*.py"))]
    stray = {
        f"{path.relative_to(ROOT)}: {module}" for path in files for module in imported_modules(path) - allowed
    }
    assert stray == set(), "imported by the main job but not installed by the examples extra"
    assert {"numpy", "numba", "pytest"} <= from_dists  # the check sees the extra's own packages


def test_the_check_catches_a_test_only_import(tmp_path: Path) -> None:
    module = tmp_path / "test_example.py"
    module.write_text("import numpy as np\nfrom hypothesis import given\nfrom . import sibling\n")
    assert imported_modules(module) == {"numpy", "hypothesis"}
    assert "hypothesis" not in line_1_distributions()
