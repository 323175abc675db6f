"""Hooks perfgate calls, for conftest.py files and plugins to implement."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .config.targets import Budget


@pytest.hookspec
def pytest_perfgate_targets(config: pytest.Config, targets: MutableMapping[str, Budget]) -> None:
    """Edit the targets table in place, after pyproject.toml and ini, before ``--perfgate-target``.

    ``targets`` maps names to :class:`pytest_perfgate.Budget`; add, replace or delete rows, e.g.
    ``targets["checkout"] = Budget(time="250ms")`` or ``Budget.parse("250ms, 1GB")``. Called once, in
    ``pytest_configure``. A bad value (``Budget(time=0)``) is a usage error naming this hook.
    """
