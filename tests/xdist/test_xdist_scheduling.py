"""The isolating xdist scheduler, driven by simulated workers that follow xdist's worker protocol.

A simulated worker, like a real one, starts its next test only once it knows the test after it
(or has been told to shut down), reports when a test starts and ends, and says when it has finished.
The checks: every test runs once, no performance test overlaps any other test, the performance tests
come after the others and all run on one worker, also when a worker crashes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_perfgate.xdist.scheduling import IsolatingScheduling


class FakeConfig:
    def __init__(self, workers: int) -> None:
        self.workers = workers

    def getvalue(self, name: str) -> Any:
        assert name == "tx"
        return ["popen"] * self.workers

    def getoption(self, name: str, default: Any = None) -> Any:
        return default


@dataclass(eq=False)
class FakeWorker:
    name: str
    queue: list[int] = field(default_factory=list)
    shutdown_sent: bool = False
    finished: bool = False
    running: tuple[int, int, int] | None = None  # index, start tick, end tick

    def __post_init__(self) -> None:
        self.gateway = SimpleNamespace(id=self.name)

    @property
    def shutting_down(self) -> bool:
        return self.shutdown_sent or self.finished

    def send_runtest_some(self, indices: list[int]) -> None:
        assert not self.shutting_down, f"tests {indices} sent to {self.name} after its shutdown"
        self.queue.extend(indices)

    def shutdown(self) -> None:
        self.shutdown_sent = True


@dataclass
class Run:
    intervals: dict[int, tuple[int, int, str]]
    crashed: list[str]


def simulate(
    workers: int,
    collection: list[str],
    performance: set[str],
    *,
    seed: int = 0,
    crash: str | None = None,
) -> Run:
    rng = random.Random(seed)
    durations = {index: rng.randint(1, 4) for index in range(len(collection))}
    scheduler = IsolatingScheduling(FakeConfig(workers))  # type: ignore[arg-type]
    nodes = [FakeWorker(f"gw{i}") for i in range(workers)]
    for node in nodes:
        scheduler.add_node(node)  # type: ignore[arg-type]
    for node in nodes:
        scheduler.add_node_collection(node, collection)  # type: ignore[arg-type]
    scheduler.schedule()
    intervals: dict[int, tuple[int, int, str]] = {}
    crashed: list[str] = []
    announced = False
    active = list(nodes)
    tick = 0
    while active:
        tick += 1
        assert tick < 10_000, "the run never ends"
        for node in list(active):
            if node.running is not None and node.running[2] <= tick:
                index, start, _ = node.running
                node.running = None
                intervals[index] = (start, tick, node.name)
                scheduler.mark_test_complete(node, index)  # type: ignore[arg-type]
            if node.running is None and node.queue and (len(node.queue) >= 2 or node.shutdown_sent):
                index = node.queue.pop(0)
                if collection[index] == crash and not crashed:
                    node.queue.insert(0, index)
                    node.finished = True
                    active.remove(node)
                    crashitem = scheduler.remove_node(node)  # type: ignore[arg-type]
                    assert crashitem == collection[index]
                    crashed.append(crashitem)
                    replacement = FakeWorker(f"{node.name}-replacement")
                    active.append(replacement)
                    scheduler.add_node(replacement)  # type: ignore[arg-type]
                    scheduler.add_node_collection(replacement, collection)  # type: ignore[arg-type]
                    scheduler.schedule()
                    continue
                node.running = (index, tick, tick + durations[index])
                if not announced:  # the first report of a worker names the performance tests
                    announced = True
                    scheduler.learn(performance)
            elif node.running is None and not node.queue and node.shutdown_sent:
                node.finished = True
                active.remove(node)
                assert scheduler.remove_node(node) is None  # type: ignore[arg-type]
        if scheduler.tests_finished:  # what xdist's DSession does
            for node in scheduler.nodes:
                node.shutdown()
    return Run(intervals, crashed)


def check(run: Run, collection: list[str], performance: set[str], *, perf_last: bool = True) -> None:
    ran = {collection[index] for index in run.intervals}
    assert ran | set(run.crashed) == set(collection)
    assert len(run.intervals) + len(run.crashed) == len(collection)
    perf = {i: span for i, span in run.intervals.items() if collection[i] in performance}
    for index, (start, end, _) in perf.items():
        for other, (other_start, other_end, _) in run.intervals.items():
            if other != index:
                assert other_end <= start or end <= other_start, (
                    f"{collection[index]} [{start}, {end}) overlaps {collection[other]} "
                    f"[{other_start}, {other_end})"
                )
    if perf_last and perf:
        others_end = max((end for i, (_, end, _) in run.intervals.items() if i not in perf), default=0)
        assert others_end <= min(start for start, _, _ in perf.values())
    if not run.crashed:
        assert len({node for _, _, node in perf.values()}) <= 1


def suite(plain: int, perf: int) -> tuple[list[str], set[str]]:
    collection = [f"t.py::test_plain[{i}]" for i in range(plain)] + [
        f"t.py::test_perf[{i}]" for i in range(perf)
    ]
    return collection, {nodeid for nodeid in collection if "perf" in nodeid}


@pytest.mark.parametrize(
    ("workers", "plain", "perf"),
    [(2, 8, 3), (2, 0, 3), (3, 1, 1), (2, 2, 0), (4, 30, 5), (2, 1, 0), (1, 5, 2), (2, 3, 1), (3, 2, 2)],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_performance_tests_run_alone_after_the_others(workers: int, plain: int, perf: int, seed: int) -> None:
    collection, performance = suite(plain, perf)
    run = simulate(workers, collection, performance, seed=seed)
    check(run, collection, performance)


@pytest.mark.parametrize("seed", range(5))
def test_isolation_holds_when_performance_tests_are_not_last(seed: int) -> None:
    collection = [f"t.py::test_{i}" for i in range(12)]
    performance = {collection[0], collection[2], collection[7], collection[11]}
    run = simulate(3, collection, performance, seed=seed)
    check(run, collection, performance, perf_last=False)


@pytest.mark.parametrize("crash", ["t.py::test_perf[1]", "t.py::test_plain[3]", "t.py::test_plain[0]"])
def test_a_crashed_worker_loses_only_its_test(crash: str) -> None:
    collection, performance = suite(10, 4)
    run = simulate(2, collection, performance, seed=3, crash=crash)
    assert run.crashed == [crash]
    check(run, collection, performance)


def test_nothing_is_sent_before_the_performance_tests_are_known() -> None:
    collection, performance = suite(6, 2)
    scheduler = IsolatingScheduling(FakeConfig(2))  # type: ignore[arg-type]
    nodes = [FakeWorker("gw0"), FakeWorker("gw1")]
    for node in nodes:
        scheduler.add_node(node)  # type: ignore[arg-type]
        scheduler.add_node_collection(node, collection)  # type: ignore[arg-type]
    scheduler.schedule()
    assert [len(node.queue) for node in nodes] == [2, 0]
    assert not scheduler.tests_finished
    scheduler.learn(performance)
    sent = [index for node in nodes for index in node.queue]
    assert all(collection[index] not in performance for index in sent)
    assert all(node.queue for node in nodes)


def test_a_lost_announcement_does_not_hang_the_run(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure("--tx", "2*popen", "--dist", "load")
    collection, _ = suite(5, 2)
    warnings: list[str] = []
    scheduler = IsolatingScheduling(config, warn=warnings.append)
    nodes = [FakeWorker("gw0"), FakeWorker("gw1")]
    for node in nodes:
        scheduler.add_node(node)  # type: ignore[arg-type]
        scheduler.add_node_collection(node, collection)  # type: ignore[arg-type]
    scheduler.schedule()
    scheduler.mark_test_complete(nodes[0], nodes[0].queue.pop(0))  # type: ignore[arg-type]
    assert scheduler.performance == set()
    assert all(node.queue for node in nodes)
    assert "did not say which tests are performance tests" in warnings[0]
