"""The session object: one key in ``config.stash``, every plugin object registered and unregistered by it."""

from __future__ import annotations

from pathlib import Path

import pytest

import pytest_perfgate
from pytest_perfgate.runtest.session import PerfgateSession


def test_plugins_are_registered_with_the_session_and_unregistered_at_its_end(
    pytester: pytest.Pytester,
) -> None:
    config = pytester.parseconfigure("--perfgate-history-check")
    session = PerfgateSession.of(config)
    assert set(session.plugins) == {
        "perfgate-unmatched-patterns",
        "perfgate-reports",
        "perfgate-history-check",
    }
    for name, plugin in session.plugins.items():
        assert config.pluginmanager.get_plugin(name) is plugin
    config._ensure_unconfigure()
    assert session.plugins == {}
    for name in ("perfgate-unmatched-patterns", "perfgate-reports", "perfgate-history-check"):
        assert config.pluginmanager.get_plugin(name) is None


def test_perfgate_keeps_two_stash_keys_the_session_and_the_test_state() -> None:
    package = Path(pytest_perfgate.__file__).parent
    keys = {
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "StashKey[" in line
    }
    assert len(keys) == 2 and all(key.startswith("runtest/session.py:") for key in keys), keys
