"""pytest hooks of perfgate: each wires the modules that do the work, nothing more."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from . import history, hooks
from .config import markers
from .config import timescale as machine
from .config.options import add_options
from .config.settings import load_settings
from .config.unmatched import UnmatchedPatterns
from .reports.collector import PerfgateReports
from .runtest import call as gating
from .runtest import memory as memory_gate
from .runtest import profile as diagnosis
from .runtest import session as keys
from .runtest.fixture import perfgate, quiet_unused_benchmark
from .verdict import baseline

__all__ = ["perfgate"]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", markers.marker_help())
    settings = load_settings(config)
    config.stash[keys.SETTINGS] = settings
    config.stash[keys.TIME_SCALE] = machine.time_scale(config, settings)
    config.stash[keys.MEMORY_BACKEND] = memory_gate.session_backend(settings)
    baseline.configure(config, settings.max_regression)
    config.pluginmanager.register(UnmatchedPatterns(settings), "perfgate-unmatched-patterns")
    if not hasattr(config, "workerinput"):
        reports = PerfgateReports(config, settings)
        config.pluginmanager.register(reports, "perfgate-reports")
        history.register_recorder(config, reports)
    history.register_check(config)
    if config.pluginmanager.hasplugin("xdist"):
        from .xdist import hooks as xdist

        xdist.register(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash[keys.SETTINGS]
    return [
        f"perfgate: stat={settings.stat}, mode={settings.mode}, scale={config.stash[keys.TIME_SCALE]:g}, "
        f"memory={memory_gate.header(config)}, targets={len(settings.targets)}",
        *machine.header_lines(config),
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    settings = config.stash[keys.SETTINGS]
    kept = []
    for item in items:
        try:
            gate = markers.resolve(item, settings, config.stash[keys.TIME_SCALE])
        except ValueError as error:
            report = pytest.CollectReport(item.nodeid, "failed", f"perfgate: {item.nodeid}: {error}", [])
            config.hook.pytest_collectreport(report=report)
            continue
        if gate is not None:
            item.stash[keys.GATE] = gate
            if gate.origin == "pattern":
                item.add_marker(markers.pattern_marker(settings, item.nodeid))
        kept.append(item)
    items[:] = kept
    quiet_unused_benchmark(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from gating.gate_call(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    return diagnosis.with_section(item, (yield))
