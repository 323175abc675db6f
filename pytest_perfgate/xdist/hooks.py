"""pytest-xdist support: performance tests measured and gated under ``-n N``, every report complete.

Imported only where pytest-xdist is installed (see :func:`register`).

- The workers know which tests are performance tests (they collect); the controller does not. Each
  worker attaches ``{nodeid: target}`` of its performance tests to the first test report it sends
  (an attribute, which pytest's report serialization carries), and the controller takes it off.
- ``--perfgate-xdist=isolate`` (default, with ``--dist load``): :class:`IsolatingScheduling` first
  sends two tests to one worker and waits for that worker's first report to learn the performance
  tests; then it hands out the other tests as xdist's ``LoadScheduling`` does; when they are all
  handed out, every worker but one is shut down, and once they have finished, the performance tests
  run on the remaining worker one at a time, while no other test runs. The workers order the
  performance tests last, so the probe tests are ordinary ones unless the suite has nothing else.
- ``--perfgate-xdist=parallel``: xdist schedules as usual; the header and reports say the times
  were taken while other tests ran.
- A worker that crashes during a performance test: the controller adds a "worker crashed" record
  to xdist's failure report of that test.
- pytest-benchmark, off under xdist, is on for perfgate's tests: see ``take_over_benchmarks``.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterable
from typing import Any

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScheduling
from xdist.workermanage import WorkerController

from ..measure.timing import benchmark_disabled
from ..record import NOT_MEASURED, Record
from ..reports.benchmark import ShippedBenchmark, shipped
from ..runtest.session import PerfgateSession, budget_of

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

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Producer) -> LoadScheduling | None:
        if not self.isolate:
            return None
        self.scheduler = IsolatingScheduling(config, log)
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


class IsolatingScheduling(LoadScheduling):
    """xdist's load scheduling for the other tests, then the performance tests alone, one at a time.

    A worker starts a test only once it knows the next one (or is told to shut down), which is what
    lets this scheduler hold a performance test back: the one worker left keeps at most two tests,
    and the second is sent only when no other worker is running anything.
    """

    def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
        super().__init__(config, log)
        #: Indices of the performance tests, None until a worker's first report says which they are.
        self.performance: set[int] | None = None
        self.performance_pending: list[int] = []
        self.performance_node: WorkerController | None = None

    # -- what the controller learns ------------------------------------------------------------

    def learn(self, nodeids: Collection[str]) -> None:
        """The performance tests, from a worker's first report: split the queue and hand out work."""
        if self.performance is not None or self.collection is None:
            return
        self.performance = {index for index, nodeid in enumerate(self.collection) if nodeid in nodeids}
        self.performance_pending = [index for index in self.pending if index in self.performance]
        self.pending = [index for index in self.pending if index not in self.performance]
        self._dispatch()

    # -- xdist's scheduler interface -------------------------------------------------------------

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed:
            return False
        if self.collection and self.performance is None:
            return False
        if self.pending or self.performance_pending:
            return False
        if len(self.node2pending) > 1 and self._performance_in_flight():
            return False  # a performance test waits for the other workers to finish
        return all(len(pending) < 2 for pending in self.node2pending.values())

    @property
    def has_pending(self) -> bool:
        return bool(self.performance_pending) or super().has_pending

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is None:
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = next(iter(self.node2collection.values()))
            self.pending[:] = range(len(self.collection))
            if self.maxschedchunk is None:
                self.maxschedchunk = len(self.collection)
        self._dispatch()

    def check_schedule(self, node: WorkerController, duration: float = 0) -> None:
        self._dispatch(node, duration)

    def mark_test_complete(self, node: WorkerController, item_index: int, duration: float = 0) -> None:
        if self.performance is None:
            # The first test's reports came before this, so its announcement was lost on the way:
            # schedule everything like xdist does rather than wait for it forever.
            PerfgateSession.of(self.config).run_warnings.append(
                "the xdist workers did not say which tests are performance tests; they ran alongside "
                "other tests and their times are contended"
            )
            self.learn(())
        super().mark_test_complete(node, item_index, duration)

    def mark_test_pending(self, item: str) -> None:
        assert self.collection is not None
        index = self.collection.index(item)
        if self.performance is not None and index in self.performance:
            self.performance_pending.insert(0, index)
        else:
            self.pending.insert(0, index)
        self._dispatch()

    def remove_node(self, node: WorkerController) -> str | None:
        pending = self.node2pending.pop(node)
        if node is self.performance_node:
            self.performance_node = None
        crashitem = None
        if pending:
            assert self.collection is not None
            crashitem = self.collection[pending.pop(0)]
            performance = self.performance or set()
            self.performance_pending[:0] = [index for index in pending if index in performance]
            self.pending[:0] = [index for index in pending if index not in performance]
        self._dispatch()
        return crashitem

    # -- the phases ------------------------------------------------------------------------------

    def _dispatch(self, completed: WorkerController | None = None, duration: float = 0) -> None:
        """Hand out whatever may run now (called after every event)."""
        if self.collection is None:
            return
        if self.performance is None:
            self._probe()
            return
        if self.pending and not self._performance_running():
            # A worker holding a performance test gets nothing more until the others are done.
            idle = [node for node in self.nodes if not node.shutting_down]
            free = [node for node in idle if not self._holds_performance(node)]
            for node in free or idle:
                if not self.pending:
                    break
                super().check_schedule(node, duration if node is completed else 0)
        if not self.pending:
            self._run_performance_tests()

    def _holds_performance(self, node: WorkerController) -> bool:
        return bool(self.performance and self.performance.intersection(self.node2pending[node]))

    def _performance_in_flight(self) -> bool:
        return any(self._holds_performance(node) for node in self.node2pending)

    def _performance_running(self) -> bool:
        """A worker is running a performance test (its first test, which it starts once it has a next)."""
        performance = self.performance or set()
        return any(
            pending[0] in performance and (len(pending) >= 2 or node.shutting_down)
            for node, pending in self.node2pending.items()
            if pending
        )

    def _send(self, node: WorkerController, indices: Iterable[int]) -> None:
        indices = list(indices)
        if indices:
            self.node2pending[node].extend(indices)
            node.send_runtest_some(indices)

    def _probe(self) -> None:
        """Until the performance tests are known, one worker runs the first tests of the queue.

        It starts the first only once it has the second, and its first report names the
        performance tests; the other workers wait. Two tests or fewer in all: they just run there.
        """
        if any(self.node2pending.values()):
            return
        nodes = [node for node in self.nodes if not node.shutting_down]
        if not nodes or not self.pending:
            return
        first = nodes[0]
        if len(self.pending) <= 2:
            self.performance = set()
            self._send(first, self.pending)
            self.pending = []
            for node in nodes[1:]:
                node.shutdown()
            return
        self._send(first, self.pending[:2])
        del self.pending[:2]

    def _performance_worker(self) -> WorkerController | None:
        """The worker for the performance tests: the one holding one already, else the least busy."""
        performance = self.performance or set()
        if self.performance_node is not None and self.performance_node in self.node2pending:
            return self.performance_node
        holding = [node for node, pending in self.node2pending.items() if performance.intersection(pending)]
        candidates = holding or [node for node in self.nodes if not node.shutting_down]
        if not candidates:
            return None
        self.performance_node = min(candidates, key=lambda node: len(self.node2pending[node]))
        return self.performance_node

    def _run_performance_tests(self) -> None:
        """The other tests are all handed out: the performance tests, one at a time, on one worker."""
        if not self.performance_pending and not self._performance_in_flight():
            for node in self.nodes:
                if not node.shutting_down:
                    node.shutdown()
            return
        worker = self._performance_worker()
        if worker is None or worker.shutting_down:
            return  # wait for a replacement worker, or the run is stopping
        for node in self.nodes:
            if node is not worker and not node.shutting_down:
                node.shutdown()
        pending = self.node2pending[worker]
        if self.performance_pending and not self._holds_performance(worker):
            # Lets the worker run its last other test; it will not start this one before the next.
            self._send(worker, [self.performance_pending.pop(0)])
        if len(self.node2pending) > 1 or len(pending) >= 2:
            return  # another worker has not finished yet, or a test is running here
        if self.performance_pending:
            self._send(worker, [self.performance_pending.pop(0)])
        elif not worker.shutting_down:
            worker.shutdown()
