"""pytest hooks of perfgate: each wires the modules that do the work, nothing more."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from . import hooks
from .config import markers, timescale
from .config.options import add_options
from .config.settings import load_settings
from .runtest import call, memory, profile
from .runtest import instructions as counting
from .runtest.fixture import perfgate, quiet_unused_benchmark
from .runtest.session import PerfgateSession, start_session, state, stop_session

__all__ = ["perfgate"]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    return counting.relaunch(config)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", markers.marker_help())
    session = start_session(config, load_settings(config))
    session.counter = counting.counter_for(config, session.settings.measure)
    if config.pluginmanager.hasplugin("xdist"):  # xdist's hooks only where xdist is installed
        from .xdist import hooks as xdist_hooks

        if hasattr(config, "workerinput"):
            session.register(config, xdist_hooks.WorkerHooks(config), "perfgate-xdist-worker")
        elif xdist_hooks.distributing(config):
            session.register(config, xdist_hooks.ControllerHooks(config), "perfgate-xdist-controller")


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_session(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    perfgate_session = PerfgateSession.of(config)
    settings = perfgate_session.settings
    return [
        f"perfgate: stat={settings.stat}, mode={settings.mode}, scale={perfgate_session.time_scale:g}, "
        f"memory={memory.header(config)}, targets={len(settings.targets)}",
        *timescale.header_lines(settings, perfgate_session.machine_score),
        *counting.header_lines(perfgate_session),
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    perfgate_session = PerfgateSession.of(config)
    settings = perfgate_session.settings
    kept = []
    for item in items:
        try:
            budget = markers.resolve(item, settings, perfgate_session.time_scale)
        except ValueError as error:
            report = pytest.CollectReport(item.nodeid, "failed", f"perfgate: {item.nodeid}: {error}", [])
            config.hook.pytest_collectreport(report=report)
            continue
        if budget is not None:
            state(item).budget = budget
            if budget.origin == "pattern":
                item.add_marker(markers.pattern_marker(settings, item.nodeid))
        kept.append(item)
    items[:] = kept
    quiet_unused_benchmark(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from call.call_phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    return profile.with_section(item, (yield))
