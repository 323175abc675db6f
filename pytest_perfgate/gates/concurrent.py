"""``perfgate.concurrent``: a call's median time alone, then with ``workers`` copies running at once.

Workers are threads or spawned processes, each of which calls the function once to warm up. Worker
0 then finds how many calls make a batch of at least :data:`BATCH_S` (long enough to span the
scheduler's and the GIL's time slices, so a batch's mean shows the share of the machine it got).
Then rounds alternate: worker 0 times one batch alone while the others wait, and every worker times
one batch at once (each reports that it is waiting at the start, and all are released together).
The slowdown is the median over the rounds of (median batch together / batch alone): each
together phase is compared with the alone phase just before it, so a change of load elsewhere on
the machine touches both sides of a ratio alike. Throughput (calls per second) is reported for both
phases."""

from __future__ import annotations

import contextlib
import functools
import math
import multiprocessing
import os
import pickle
import queue
import statistics
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ..measure.loops import autorange, time_loop
from ..quantities import format_time
from ..verdict.budget import GateFigures
from . import arguments

METHOD = "perfgate.concurrent"
KIND = "concurrent"
KINDS = ("thread", "process")
#: A timed batch of calls lasts at least this long (one call when a call is longer).
BATCH_S = 0.05
#: Rounds (one batch alone, then one batch per worker together): enough for ALONE_S of batches
#: alone, at least MIN_ROUNDS, or SLOW_ROUNDS when one batch lasts SLOW_BATCH_S or more.
ALONE_S = 0.3
MIN_ROUNDS = 5
SLOW_ROUNDS = 3
SLOW_BATCH_S = 0.5


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class ConcurrentResult:
    """Median seconds per call alone and together, and throughput in both phases.

    The figures are None when nothing was measured (mode off, benchmarks disabled).
    """

    workers: int
    kind: str
    max_slowdown: float
    cores: int
    alone_s: float | None = None
    together_s: float | None = None
    #: Median over the rounds of (median batch together / batch alone).
    slowdown: float | None = None
    calls_per_s_alone: float | None = None
    calls_per_s_together: float | None = None
    #: Calls each worker made in each phase.
    calls: int = 0
    #: Seconds per call of every batch: worker 0 alone (one per round), all workers together.
    alone_batches_s: tuple[float, ...] = ()
    together_batches_s: tuple[float, ...] = ()

    @property
    def measured(self) -> bool:
        return self.alone_s is not None

    def _workers_text(self, count: int) -> str:
        plural = {"thread": "threads", "process": "processes"}[self.kind]
        return f"{count} {self.kind if count == 1 else plural}"

    def details(self) -> str:
        assert self.alone_s is not None and self.together_s is not None
        lines = [
            f"  alone:    median call {format_time(self.alone_s)}, {self.calls_per_s_alone:.4g} calls/s "
            f"({self._workers_text(1)}, {self.calls} calls)",
            f"  together: median call {format_time(self.together_s)}, {self.calls_per_s_together:.4g} "
            f"calls/s ({self._workers_text(self.workers)}, {self.calls} calls each)",
        ]
        lines.append(
            f"  slowdown: median over {len(self.alone_batches_s)} rounds of together / alone, "
            "each round timed alone just before together"
        )
        if self.oversubscribed:
            lines.append(f"  {self.cores_note()}")
        return "\n".join(lines)

    @property
    def oversubscribed(self) -> bool:
        return self.workers > self.cores

    def cores_note(self) -> str:
        return (
            f"{self.workers} workers on {self.cores} cores: work that needs a core each cannot keep its speed"
        )

    def gate_figures(self) -> GateFigures:
        slowdown = self.slowdown
        assert slowdown is not None and self.alone_s is not None and self.together_s is not None
        ratio = slowdown / self.max_slowdown
        relation = ">" if slowdown > self.max_slowdown else "<="
        return GateFigures(
            kind=KIND,
            figures={
                "slowdown": round(slowdown, 4),
                "max_slowdown": self.max_slowdown,
                "ratio": round(ratio, 4),
                "alone_s": float(f"{self.alone_s:.6g}"),
                "together_s": float(f"{self.together_s:.6g}"),
                "workers": self.workers,
                "kind": self.kind,
                "calls_per_s_alone": float(f"{self.calls_per_s_alone:.6g}"),
                "calls_per_s_together": float(f"{self.calls_per_s_together:.6g}"),
                "calls": self.calls,
                "cores": self.cores,
            },
            measured=slowdown,
            limit=self.max_slowdown,
            phrase=(
                f"concurrent slowdown {slowdown:.2f}x {relation} max {self.max_slowdown:g}x ({ratio:.2f}x): "
                f"median call {format_time(self.alone_s)} alone, {format_time(self.together_s)} with "
                f"{self._workers_text(self.workers)} at once; throughput {self.calls_per_s_alone:.4g} "
                f"calls/s alone, {self.calls_per_s_together:.4g} calls/s together"
            ),
            details=self.details(),
            notes=(self.cores_note(),) if self.oversubscribed else (),
        )


def check_arguments(
    fn: object, workers: object, max_slowdown: object, kind: object
) -> tuple[Callable[..., Any], int, float, str]:
    """The arguments, validated: a TypeError or ValueError names the bad one."""
    __tracebackhide__ = True
    return (
        arguments.function(METHOD, "fn", fn),
        arguments.whole(METHOD, "workers", workers, least=1),
        arguments.number(METHOD, "max_slowdown", max_slowdown, least=1.0),
        arguments.choice(METHOD, "kind", kind, KINDS),
    )


def payload_for_processes(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    """fn, args and kwargs pickled for spawned workers; a clear TypeError names what cannot be sent."""
    __tracebackhide__ = True
    for name, value in (("fn", fn), ("args", args), ("kwargs", kwargs)):
        try:
            pickle.dumps(value)
        except Exception as error:
            what = f"fn {arguments.describe(fn)}" if name == "fn" else name
            hint = (
                "define it at module level in an importable module (a lambda or a function defined "
                "inside another function cannot be sent to a process)"
                if name == "fn"
                else "pass values that can be pickled"
            )
            raise TypeError(
                f"{METHOD}(kind='process'): {what} cannot be pickled for the worker processes "
                f"({type(error).__name__}: {error}); {hint}, or use kind='thread'"
            ) from None
    return pickle.dumps((fn, args, kwargs))


# --- the workers -------------------------------------------------------------------------------

Message = tuple[Any, ...]


def serve(
    call: Callable[[], Any],
    receive: Callable[[], Message | None],
    send: Callable[[Message], None],
    describe_error: Callable[[BaseException], Any],
) -> None:
    """A worker's loop: warm up, then answer "calibrate" and "run" commands until told to stop.

    A run "together" first answers "waiting" and starts when the parent says "go" (the parent
    sends it to every worker once all are waiting: they start together).
    """
    try:
        call()
        send(("ready",))
        while (command := receive()) is not None:
            if command[0] == "calibrate":
                send(("calibrated", *autorange(call, BATCH_S)))
                continue
            _, inner, batches, together = command
            if together:
                send(("waiting",))
                if receive() is None:
                    return
            send(("times", [time_loop(call, inner) / inner for _ in range(batches)]))
    except BaseException as error:
        with contextlib.suppress(Exception):  # when the parent is gone, nobody is left to tell
            send(("error", describe_error(error)))


def _remote_error(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()


def process_main(connection: Any, payload: bytes) -> None:
    """Entry point of a spawned worker process."""
    try:
        fn, args, kwargs = pickle.loads(payload)
    except BaseException as error:
        connection.send(("error", _remote_error(error)))
        return
    serve(functools.partial(fn, *args, **kwargs), connection.recv, connection.send, _remote_error)


class _Pool:
    """Workers that answer commands, one channel each."""

    size: int

    def start(self) -> None:
        raise NotImplementedError

    def send(self, index: int, command: Message | None) -> None:
        raise NotImplementedError

    def receive(self, index: int) -> Message:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def fail(self, index: int, error: object) -> BaseException:
        raise NotImplementedError

    def __enter__(self) -> _Pool:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def expect(self, index: int, answer: str) -> Message:
        """The worker's next message; its error is raised here."""
        message = self.receive(index)
        if message[0] == "error":
            raise self.fail(index, message[1])
        assert message[0] == answer, message
        return message


class _Threads(_Pool):
    def __init__(self, call: Callable[[], Any], workers: int) -> None:
        self.size = workers
        self.inboxes: list[queue.SimpleQueue[Message | None]] = [queue.SimpleQueue() for _ in range(workers)]
        self.outboxes: list[queue.SimpleQueue[Message]] = [queue.SimpleQueue() for _ in range(workers)]
        self.threads = [
            threading.Thread(
                target=serve,
                args=(call, self.inboxes[i].get, self.outboxes[i].put, lambda error: error),
                name=f"perfgate-concurrent-{i}",
                daemon=True,
            )
            for i in range(workers)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def send(self, index: int, command: Message | None) -> None:
        self.inboxes[index].put(command)

    def receive(self, index: int) -> Message:
        return self.outboxes[index].get()

    def fail(self, index: int, error: object) -> BaseException:
        assert isinstance(error, BaseException)
        return error

    def close(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for thread in self.threads:
            thread.join(timeout=5.0)


class _Processes(_Pool):
    def __init__(self, payload: bytes, workers: int, name: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.size = workers
        self.name = name
        pipes = [context.Pipe() for _ in range(workers)]
        self.connections = [parent for parent, _ in pipes]
        self.child_ends = [child for _, child in pipes]
        self.processes = [
            context.Process(
                target=process_main,
                args=(self.child_ends[i], payload),
                name=f"perfgate-concurrent-{i}",
            )
            for i in range(workers)
        ]

    def start(self) -> None:
        for process in self.processes:
            process.start()
        for child in self.child_ends:
            child.close()  # so a worker that dies is seen as the end of its pipe

    def send(self, index: int, command: Message | None) -> None:
        self.connections[index].send(command)

    def receive(self, index: int) -> Message:
        try:
            message: Message = self.connections[index].recv()
        except (EOFError, OSError):
            self.processes[index].join(timeout=5.0)
            code = self.processes[index].exitcode
            return ("error", f"the worker process exited (exit code {code}) without an answer")
        return message

    def fail(self, index: int, error: object) -> BaseException:
        return RuntimeError(
            f"{METHOD}: {self.name} failed in worker process {index} (the function must be importable "
            f"by a fresh interpreter: defined at module level in a module on sys.path):\n{error}"
        )

    def close(self) -> None:
        for index, connection in enumerate(self.connections):
            if self.processes[index].is_alive():
                with contextlib.suppress(OSError):
                    connection.send(None)
        for process in self.processes:
            process.join(timeout=10.0)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5.0)
        for connection in self.connections:
            connection.close()


def rounds_for(batch_s: float) -> int:
    """How many alone/together rounds to time, for batches lasting ``batch_s`` alone."""
    if batch_s >= SLOW_BATCH_S:
        return SLOW_ROUNDS
    return max(MIN_ROUNDS, math.ceil(ALONE_S / max(batch_s, 1e-9)))


@dataclass
class _Rounds:
    """Seconds per call of each batch, per round, and the wall seconds of each phase."""

    inner: int
    alone: list[float] = field(default_factory=list)
    together: list[list[float]] = field(default_factory=list)
    alone_wall: float = 0.0
    together_wall: float = 0.0

    def slowdown(self) -> float:
        ratios = [
            statistics.median(together) / alone if alone > 0 else math.inf
            for alone, together in zip(self.alone, self.together, strict=True)
        ]
        return statistics.median(ratios)


def _run_alone(pool: _Pool, rounds: _Rounds) -> None:
    pool.send(0, ("run", rounds.inner, 1, False))
    start = time.perf_counter()
    rounds.alone += pool.expect(0, "times")[1]
    rounds.alone_wall += time.perf_counter() - start


def _run_together(pool: _Pool, workers: int, rounds: _Rounds) -> None:
    for index in range(workers):
        pool.send(index, ("run", rounds.inner, 1, True))
    for index in range(workers):
        pool.expect(index, "waiting")
    start = time.perf_counter()
    for index in range(workers):
        pool.send(index, ("go",))
    replies = [pool.receive(index) for index in range(workers)]
    rounds.together_wall += time.perf_counter() - start
    batch: list[float] = []
    for index, reply in enumerate(replies):
        if reply[0] == "error":
            raise pool.fail(index, reply[1])
        batch += reply[1]
    rounds.together.append(batch)


def _drive(pool: _Pool, workers: int) -> _Rounds:
    """Warm up, calibrate, then alternate alone and together."""
    for index in range(workers):
        pool.expect(index, "ready")
    pool.send(0, ("calibrate",))
    _, inner, batch_s = pool.expect(0, "calibrated")
    rounds = _Rounds(inner=inner)
    for _ in range(rounds_for(batch_s)):
        _run_alone(pool, rounds)
        _run_together(pool, workers, rounds)
    return rounds


def measure(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    workers: int,
    max_slowdown: float,
    kind: str,
    payload: bytes | None = None,
) -> ConcurrentResult:
    """Time the calls alone and together (``payload`` from :func:`payload_for_processes` for processes)."""
    pool: _Pool
    if kind == "process":
        assert payload is not None
        pool = _Processes(payload, workers, arguments.describe(fn))
    else:
        pool = _Threads(functools.partial(fn, *args, **kwargs), workers)
    with pool:
        rounds = _drive(pool, workers)
    calls = rounds.inner * len(rounds.alone)
    together = [seconds for batch in rounds.together for seconds in batch]
    return ConcurrentResult(
        workers=workers,
        kind=kind,
        max_slowdown=max_slowdown,
        cores=available_cores(),
        alone_s=statistics.median(rounds.alone),
        together_s=statistics.median(together),
        slowdown=rounds.slowdown(),
        calls_per_s_alone=calls / rounds.alone_wall,
        calls_per_s_together=workers * calls / rounds.together_wall,
        calls=calls,
        alone_batches_s=tuple(rounds.alone),
        together_batches_s=tuple(together),
    )
