"""The user's files: ``[tool.perfgate]`` of pyproject.toml read once, and how each source is named."""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


@dataclass(frozen=True)
class PyProject:
    """``[tool.perfgate]`` (empty without a pyproject.toml), the file's name and its text."""

    section: Mapping[str, Any] = field(default_factory=dict)
    name: str = "pyproject.toml"
    text: str = ""

    def source(self, key: str) -> str:
        """How a message names ``key`` of ``[tool.perfgate]`` (``targets``, ``tests``: a table)."""
        if key in ("targets", "tests"):
            return f"[tool.perfgate.{key}] ({self.name})"
        return f"[tool.perfgate] {key} ({self.name})"


def pyproject_path(config: pytest.Config) -> Path | None:
    """The project's pyproject.toml: the ini file when it is one, else the rootdir's, if any."""
    inipath = config.inipath
    if inipath is not None and inipath.name == "pyproject.toml":
        return Path(inipath)
    candidate = Path(config.rootpath) / "pyproject.toml"
    return candidate if candidate.is_file() else None


def read_pyproject(config: pytest.Config, known: Collection[str]) -> PyProject:
    """``[tool.perfgate]``; an unreadable file, a non-table or a key not in ``known`` is a usage error."""
    path = pyproject_path(config)
    if path is None:
        return PyProject()
    try:
        text = path.read_bytes().decode("utf-8")
        document = tomllib.loads(text)
    except (OSError, ValueError, RecursionError) as error:  # TOMLDecodeError and UnicodeError are ValueErrors
        raise pytest.UsageError(f"perfgate: cannot read {path}: {error}") from None
    tool = document.get("tool", {})
    section = tool.get("perfgate", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        raise pytest.UsageError(f"perfgate: [tool.perfgate] in {path} must be a table")
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise pytest.UsageError(
            f"perfgate: [tool.perfgate] in {path} has unknown keys {unknown}; "
            f"known: {', '.join(sorted(known))}"
        )
    return PyProject(section, str(path), text)


def ini_source(config: pytest.Config, key: str) -> str:
    """How a message names the ini key ``key``: the ini file, or ``-o`` when given on the command line."""
    overrides = config.getoption("override_ini", None) or ()
    if any(str(item).partition("=")[0].strip() == key for item in overrides):
        return f"option -o {key}"
    return f"ini key {key} ({config.inipath})"


def ini_path(config: pytest.Config, key: str) -> str:
    """The file the ini key ``key`` was read from ("" when given with ``-o`` or without an ini file)."""
    if config.inipath is None or ini_source(config, key).startswith("option"):
        return ""
    return str(config.inipath)
