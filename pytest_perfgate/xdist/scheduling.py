"""The isolating scheduler: pytest-xdist's load scheduling, then the performance tests alone.

The only module that reads or writes pytest-xdist's internals (its scheduler's queues and workers).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScheduling
from xdist.workermanage import WorkerController

#: The warning when the workers never said which tests are performance tests.
LOST_ANNOUNCEMENT = (
    "the xdist workers did not say which tests are performance tests; they ran alongside "
    "other tests and their times are contended"
)


class IsolatingScheduling(LoadScheduling):
    """xdist's load scheduling for the other tests, then the performance tests alone, one at a time.

    A worker starts a test only once it knows the next one (or is told to shut down), which is what
    lets this scheduler hold a performance test back: the one worker left keeps at most two tests,
    and the second is sent only when no other worker is running anything.
    """

    def __init__(
        self,
        config: pytest.Config,
        log: Producer | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(config, log)
        #: Indices of the performance tests, None until a worker's first report says which they are.
        self.performance: set[int] | None = None
        self.performance_pending: list[int] = []
        self.performance_node: WorkerController | None = None
        self.warn = warn or (lambda text: None)

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
            self.warn(LOST_ANNOUNCEMENT)
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
