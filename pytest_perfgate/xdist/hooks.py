"""pytest-xdist hooks: workers announce their performance tests, the controller schedules them alone.

Registered only where pytest-xdist is active; the scheduler is in scheduling.py."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from ..config.options import benchmark_disabled
from ..record import NOT_MEASURED, Record
from ..reports.benchmark import ShippedBenchmark, shipped
from ..runtest.session import PerfgateSession, budget_of

if TYPE_CHECKING:
    from xdist.remote import Producer
    from xdist.workermanage import WorkerController

    from .scheduling import IsolatingScheduling

#: The test report attribute that carries a worker's ``{nodeid: target}`` of performance tests.
PERFORMANCE_TESTS = "perfgate_performance_tests"
#: ``workerinput`` key: the controller isolates performance tests, so workers order them last.
ISOLATE = "perfgate_isolate"
#: The test report attribute that carries a benchmark measured on a worker to the controller.
BENCHMARK = "perfgate_benchmark"
CRASHED = "worker crashed"


def is_performance_test(item: pytest.Item) -> bool:
    """A test perfgate measures: it has a budget (marker or pattern) or uses the ``perfgate`` fixture."""
    return budget_of(item) is not None or "perfgate" in getattr(item, "fixturenames", ())


def distributing(config: pytest.Config) -> bool:
    """True on an xdist controller that runs tests on workers (xdist's own condition)."""
    return (
        config.getoption("dist", "no") != "no"
        and bool(config.getoption("tx", None))
        and not config.getoption("collectonly", False)
    )


class WorkerHooks:
    """On a worker: order performance tests last (when isolating) and announce them once."""

    def __init__(self, config: pytest.Config) -> None:
        workerinput: dict[str, Any] = config.workerinput  # type: ignore[attr-defined]
        self.config = config
        self.isolate = bool(workerinput.get(ISOLATE))
        self.announced = False
        self.rounds = False

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        if self.isolate:
            items[:] = sorted(items, key=is_performance_test)  # stable: the order is otherwise kept
        self.take_over_benchmarks(items)

    def take_over_benchmarks(self, items: list[pytest.Item]) -> None:
        """The workers send the benchmarks perfgate measures to the controller, which shows and saves
        them: this worker's pytest-benchmark saves nothing, and its "automatically disabled" warning
        is left out where perfgate measures every benchmark."""
        session = self.config.pluginmanager.get_plugin("pytest-benchmark")
        measuring = PerfgateSession.of(self.config).settings.mode != "off" and not benchmark_disabled(
            self.config
        )
        if session is None or not measuring:
            return
        self.rounds = bool(session.json or session.save_data or session.histogram)
        session.json = session.save = session.autosave = None
        uses = [item for item in items if "benchmark" in getattr(item, "fixturenames", ())]
        if all(is_performance_test(item) for item in uses):
            session.xdist_benchmark_found = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.when == "call":
            benchmark = getattr(item, "funcargs", {}).get("benchmark")
            data = shipped(benchmark, rounds=self.rounds) if benchmark is not None else None
            if data is not None:
                setattr(report, BENCHMARK, data)
        if not self.announced:
            self.announced = True
            tests = {
                test.nodeid: budget.target if (budget := budget_of(test)) else None
                for test in item.session.items
                if is_performance_test(test)
            }
            setattr(report, PERFORMANCE_TESTS, tests)
        return report


class ControllerHooks:
    """On the controller: the scheduler, what the workers announce, crashed performance tests."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        settings = PerfgateSession.of(config).settings
        self.dist = str(config.getoption("dist"))
        self.isolate = settings.xdist == "isolate" and settings.mode != "off" and self.dist == "load"
        self.performance: dict[str, str | None] | None = None
        self.scheduler: IsolatingScheduling | None = None
        warnings = PerfgateSession.of(config).run_warnings
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
        return [f"perfgate: warning: {warning}" for warning in PerfgateSession.of(self.config).run_warnings]

    def pytest_configure_node(self, node: WorkerController) -> None:
        node.workerinput[ISOLATE] = self.isolate

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Producer) -> IsolatingScheduling | None:
        if not self.isolate:
            return None
        from .scheduling import IsolatingScheduling  # xdist's internals load only when they are used

        self.scheduler = IsolatingScheduling(config, log, warn=PerfgateSession.of(config).run_warnings.append)
        return self.scheduler

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        benchmark = vars(report).pop(BENCHMARK, None)
        session = self.config.pluginmanager.get_plugin("pytest-benchmark")
        if isinstance(benchmark, dict) and session is not None:
            session.benchmarks.append(ShippedBenchmark(benchmark))
            PerfgateSession.of(self.config).shipped_benchmarks += 1
        announced = vars(report).pop(PERFORMANCE_TESTS, None)
        if isinstance(announced, dict) and self.performance is None:
            self.performance = announced
            if self.scheduler is not None:
                self.scheduler.learn(announced)

    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport) -> None:
        known = self.performance or {}
        settings = PerfgateSession.of(self.config).settings
        if crashitem not in known and settings.pattern_for(crashitem) is None:
            return
        target = known.get(crashitem)
        if target is None and (pattern := settings.pattern_for(crashitem)) is not None:
            target = pattern.target
        record = Record(nodeid=crashitem, target=target, verdict=NOT_MEASURED, reason=CRASHED)
        report.user_properties.extend(record.to_properties())
