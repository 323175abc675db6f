"""perfgate's pytest-xdist hooks: workers announce their performance tests, the controller isolates them.

Registered by the plugin only where pytest-xdist is active; see the pytest-xdist page of the docs.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from ..record import NOT_MEASURED, Record
from ..runtest import session as keys

if TYPE_CHECKING:
    from xdist.remote import Producer
    from xdist.workermanage import WorkerController

    from .scheduling import IsolatingScheduling

#: The test report attribute that carries a worker's ``{nodeid: target}`` of performance tests.
PERFORMANCE_TESTS = "perfgate_performance_tests"
#: ``workerinput`` key: the controller isolates performance tests, so workers order them last.
ISOLATE = "perfgate_isolate"
CRASHED = "worker crashed"


def is_performance_test(item: pytest.Item) -> bool:
    """A test perfgate measures: it has a budget (marker or pattern) or uses the ``perfgate`` fixture."""
    return keys.GATE in item.stash or "perfgate" in getattr(item, "fixturenames", ())


def distributing(config: pytest.Config) -> bool:
    """True on an xdist controller that runs tests on workers (xdist's own condition)."""
    return (
        config.getoption("dist", "no") != "no"
        and bool(config.getoption("tx", None))
        and not config.getoption("collectonly", False)
    )


def register(config: pytest.Config) -> None:
    """Register the worker or controller half, where xdist is active."""
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(WorkerHooks(config), "perfgate-xdist-worker")
    elif distributing(config):
        config.pluginmanager.register(ControllerHooks(config), "perfgate-xdist-controller")


class WorkerHooks:
    """On a worker: order performance tests last (when isolating) and announce them once."""

    def __init__(self, config: pytest.Config) -> None:
        workerinput: dict[str, Any] = config.workerinput  # type: ignore[attr-defined]
        self.isolate = bool(workerinput.get(ISOLATE))
        self.announced = False

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        if self.isolate:
            items[:] = sorted(items, key=is_performance_test)  # stable: the order is otherwise kept

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if not self.announced:
            self.announced = True
            tests = {
                test.nodeid: gate.target if (gate := test.stash.get(keys.GATE, None)) else None
                for test in item.session.items
                if is_performance_test(test)
            }
            setattr(report, PERFORMANCE_TESTS, tests)
        return report


class ControllerHooks:
    """On the controller: the scheduler, what the workers announce, crashed performance tests."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        settings = config.stash[keys.SETTINGS]
        self.dist = str(config.getoption("dist"))
        self.isolate = settings.xdist == "isolate" and settings.mode != "off" and self.dist == "load"
        self.performance: dict[str, str | None] | None = None
        self.scheduler: IsolatingScheduling | None = None
        warnings = config.stash.setdefault(keys.RUN_WARNINGS, [])
        if settings.mode == "off":
            return
        if settings.xdist == "parallel":
            warnings.append(
                "--perfgate-xdist=parallel: performance tests ran alongside other tests under "
                "pytest-xdist; their times are contended"
            )
        elif not self.isolate:
            warnings.append(
                f"--perfgate-xdist=isolate needs --dist load; with --dist {self.dist} performance tests "
                "ran alongside other tests and their times are contended"
            )

    def pytest_report_header(self) -> list[str]:
        if self.isolate:
            return ["perfgate: xdist isolate: performance tests run one at a time after the other tests"]
        return [f"perfgate: warning: {warning}" for warning in self.config.stash.get(keys.RUN_WARNINGS, [])]

    def pytest_configure_node(self, node: WorkerController) -> None:
        node.workerinput[ISOLATE] = self.isolate

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Producer) -> IsolatingScheduling | None:
        if not self.isolate:
            return None
        from .scheduling import IsolatingScheduling  # xdist's internals load only when they are used

        self.scheduler = IsolatingScheduling(config, log, warn=self.warn)
        return self.scheduler

    def warn(self, text: str) -> None:
        """Add a run warning (shown in the summary and written to the reports)."""
        self.config.stash.setdefault(keys.RUN_WARNINGS, []).append(text)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        announced = vars(report).pop(PERFORMANCE_TESTS, None)
        if isinstance(announced, dict) and self.performance is None:
            self.performance = announced
            if self.scheduler is not None:
                self.scheduler.learn(announced)

    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport) -> None:
        known = self.performance or {}
        settings = self.config.stash[keys.SETTINGS]
        if crashitem not in known and settings.pattern_for(crashitem) is None:
            return
        target = known.get(crashitem)
        if target is None and (pattern := settings.pattern_for(crashitem)) is not None:
            target = pattern.target
        record = Record(nodeid=crashitem, target=target, verdict=NOT_MEASURED, reason=CRASHED)
        report.user_properties.extend(record.to_properties())
