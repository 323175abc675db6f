"""``perfgate.concurrent``: a call's median time alone, then with ``workers`` copies running at once,
judged with other processes' run-queue wait taken out (how: the documentation's internals page)."""

from __future__ import annotations

import contextlib
import functools
import math
import multiprocessing
import pickle
import queue
import statistics
import threading
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

from ..measure.contention import CONTENDED, Span, Watch, release_run_queue
from ..measure.loops import autorange
from ..quantities import format_time
from ..verdict.budget import GateFigures
from . import arguments
from .load import Load, LoadWatch, busy_time
from .load import available_cores as available_cores

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
#: The machine's own side-by-side slowdown (measured when the code's is over its limit): rounds of
#: batches of the reference work lasting at least REFERENCE_S.
REFERENCE_ROUNDS = 3
REFERENCE_S = 0.02
#: What a worker runs: the function, or the reference work.
CODE, REFERENCE = 0, 1


@functools.lru_cache(maxsize=1)
def _reference_block() -> bytes:
    words = [f"{index * 7919 % 104729:x}" for index in range(512)]
    text = " ".join(words[(index * 37) % 512] for index in range(12_000))
    return text.encode()[:65536]


def reference_work() -> int:
    """Independent work for side-by-side runs: zlib compression of 64 KiB, which releases the GIL."""
    return len(zlib.compress(_reference_block(), 6))


@dataclass(frozen=True)
class ConcurrentResult:
    """Median seconds per call alone and together (other processes' wait taken out), throughput, and
    what the gate saw of the machine. The figures are None when nothing was measured."""

    workers: int
    kind: str
    max_slowdown: float
    cores: int
    alone_s: float | None = None
    together_s: float | None = None
    #: Median over the rounds of (median batch together / batch alone), as judged.
    slowdown: float | None = None
    calls_per_s_alone: float | None = None
    calls_per_s_together: float | None = None
    #: Calls each worker made in each phase.
    calls: int = 0
    #: Seconds per call of every batch as judged: worker 0 alone (one per round), all workers together.
    alone_batches_s: tuple[float, ...] = ()
    together_batches_s: tuple[float, ...] = ()
    #: The same slowdown on the wall clock (nothing taken out) and on CPU time.
    wall_slowdown: float | None = None
    cpu_slowdown: float | None = None
    #: The slowdown with what a lock or GIL holder waiting for a CPU passes on to the workers blocked
    #: on it also taken out (see ``_Rounds.batch_seconds``): a lower bound on a busy machine.
    least_slowdown: float | None = None
    #: The reference work's slowdown side by side on this machine (measured when over the limit).
    machine_slowdown: float | None = None
    load: Load | None = None

    @property
    def measured(self) -> bool:
        return self.alone_s is not None

    def _workers_text(self, count: int) -> str:
        plural = {"thread": "threads", "process": "processes"}[self.kind]
        return f"{count} {self.kind if count == 1 else plural}"

    def machine_text(self) -> str:
        """What the gate saw of the machine, in one line."""
        text = self.load.text("the workers") if self.load else f"{self.cores} cores"
        if self.machine_slowdown is not None:
            text += f"; independent work (zlib) ran {self.machine_slowdown:.2f}x slower side by side"
        return text

    def details(self) -> str:
        assert self.alone_s is not None and self.together_s is not None
        return "\n".join(
            [
                f"  alone:    median call {format_time(self.alone_s)}, {self.calls_per_s_alone:.4g} calls/s "
                f"({self._workers_text(1)}, {self.calls} calls)",
                f"  together: median call {format_time(self.together_s)}, {self.calls_per_s_together:.4g} "
                f"calls/s ({self._workers_text(self.workers)}, {self.calls} calls each)",
                f"  slowdown: median over {len(self.alone_batches_s)} rounds of together / alone, each round "
                f"timed alone just before together; wall clock {self.wall_slowdown:.2f}x, "
                f"CPU time {self.cpu_slowdown:.2f}x",
                f"  machine:  {self.machine_text()}",
                *([f"  {self.cores_note()}"] if self.oversubscribed else []),
            ]
        )

    @property
    def oversubscribed(self) -> bool:
        return self.workers > self.cores

    def cores_note(self) -> str:
        return (
            f"{self.workers} workers on {self.cores} cores: work that needs a core each cannot keep its speed"
        )

    def undecided(self) -> str:
        """Why a slowdown over the limit cannot be blamed on the code here ("" when it can, or is within)."""
        slowdown, limit = self.slowdown or 0.0, self.max_slowdown
        machine = self.machine_slowdown
        if slowdown <= limit:
            return ""
        if machine is not None and machine > CONTENDED and slowdown <= machine * limit:
            return (
                f"independent work also ran {machine:.2f}x slower side by side on this machine (its cores "
                f"share hardware: SMT siblings, a clock or memory bandwidth), so {limit:g}x cannot be told "
                f"apart here; beyond the machine's own slowdown the code's is {slowdown / machine:.2f}x"
            )
        least = self.least_slowdown
        if self.load is not None and self.load.busy and least is not None and least <= limit:
            return (
                f"the machine was too busy to judge (other processes' load made the rounds "
                f"{self.load.factor:.2f}x longer; a lock or GIL holder that waits for a CPU passes its "
                f"wait on, and with that taken out too the slowdown is {least:.2f}x)"
            )
        return ""

    def _figures(self) -> dict[str, Any]:
        assert self.slowdown is not None and self.alone_s is not None and self.together_s is not None
        figures: dict[str, Any] = {
            "slowdown": round(self.slowdown, 4),
            "max_slowdown": self.max_slowdown,
            "ratio": round(self.slowdown / self.max_slowdown, 4),
            "alone_s": float(f"{self.alone_s:.6g}"),
            "together_s": float(f"{self.together_s:.6g}"),
            "workers": self.workers,
            "kind": self.kind,
            "calls_per_s_alone": float(f"{self.calls_per_s_alone:.6g}"),
            "calls_per_s_together": float(f"{self.calls_per_s_together:.6g}"),
            "calls": self.calls,
            "cores": self.cores,
            "wall_slowdown": None if self.wall_slowdown is None else round(self.wall_slowdown, 4),
            "cpu_slowdown": None if self.cpu_slowdown is None else round(self.cpu_slowdown, 4),
            "least_slowdown": None if self.least_slowdown is None else round(self.least_slowdown, 4),
            "judged": "wall time less other processes' run-queue wait",
        }
        if self.machine_slowdown is not None:
            figures["machine_slowdown"] = round(self.machine_slowdown, 4)
        if self.load is not None:
            figures.update(self.load.figures())
        return figures

    def gate_figures(self) -> GateFigures:
        slowdown = self.slowdown
        assert slowdown is not None and self.alone_s is not None and self.together_s is not None
        ratio = slowdown / self.max_slowdown
        relation = ">" if slowdown > self.max_slowdown else "<="
        notes = [
            f"concurrent: {slowdown:.2f}x with other processes' wait taken out, {self.wall_slowdown:.2f}x on "
            f"the wall clock; machine: {self.machine_text()}"
        ]
        if self.oversubscribed:
            notes.append(self.cores_note())
        return GateFigures(
            kind=KIND,
            figures=self._figures(),
            measured=slowdown,
            limit=self.max_slowdown,
            phrase=(
                f"concurrent slowdown {slowdown:.2f}x {relation} max {self.max_slowdown:g}x ({ratio:.2f}x): "
                f"median call {format_time(self.alone_s)} alone, {format_time(self.together_s)} with "
                f"{self._workers_text(self.workers)} at once; throughput {self.calls_per_s_alone:.4g} "
                f"calls/s alone, {self.calls_per_s_together:.4g} calls/s together"
            ),
            details=self.details(),
            notes=tuple(notes),
            undecided=self.undecided(),
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

    A command names the work (:data:`CODE` or :data:`REFERENCE`); a run is answered with its batch.
    """
    works = (call, reference_work)
    try:
        call()
        send(("ready",))
        while (command := receive()) is not None:
            if command[0] == "calibrate":
                _, work, target_s = command
                send(("calibrated", *autorange(works[work], target_s)))
                continue
            _, inner, together, work = command
            span = run_batch(works[work], inner, together, receive, send)
            if span is None:
                return
            send(("times", span))
    except BaseException as error:
        with contextlib.suppress(Exception):  # when the parent is gone, nobody is left to tell
            send(("error", describe_error(error)))


def run_batch(
    call: Callable[[], Any],
    inner: int,
    together: bool,
    receive: Callable[[], Message | None],
    send: Callable[[Message], None],
) -> Span | None:
    """``inner`` calls as a :class:`Span` (wall, run-queue wait, CPU time of this thread).

    Together, it answers "waiting" and starts on the parent's ("go", time); its wall time counts from
    that time, so a worker kept from starting (by the GIL, a lock) counts that wait as the code's.
    """
    watch = Watch(None)
    released = None
    if together:
        send(("waiting",))
        watch.start()  # blocked until "go": nothing is counted meanwhile but the wall time
        go = receive()
        if go is None:
            return None
        released = go[1]
    else:
        watch.start()
    for _ in range(inner):
        call()
    span = watch.stop()
    if released is None:
        return span
    wall = max(0.0, min(span.wall_s, time.perf_counter() - released))
    waited = None if span.waited_s is None else min(wall, span.waited_s)
    return replace(span, wall_s=wall, waited_s=waited)


def thread_main(
    call: Callable[[], Any],
    receive: Callable[[], Message | None],
    send: Callable[[Message], None],
) -> None:
    """Entry point of a worker thread."""
    try:
        serve(call, receive, send, lambda error: error)
    finally:
        release_run_queue()


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
                target=thread_main,
                args=(call, self.inboxes[i].get, self.outboxes[i].put),
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
    """The batches of each round, as spans, and the wall seconds of each phase.

    ``crowd`` is how many workers share each core when together (1 unless there are more workers than
    cores): the wait they cause each other is the code's and is not taken out.
    """

    inner: int
    crowd: float = 1.0
    alone: list[Span] = field(default_factory=list)
    together: list[list[Span]] = field(default_factory=list)
    alone_wall: float = 0.0
    together_wall: float = 0.0

    def seconds(self, span: Span, together: bool, figure: str = "judged") -> float:
        """Seconds per call of a batch: "judged" (other processes' wait out), "wall" or "cpu"."""
        if figure == "wall":
            value = span.wall_s
        elif figure == "cpu":
            value = span.cpu_s or 0.0
        else:
            value = busy_time(span, self.crowd if together else 1.0)
        return value / self.inner

    def batch_seconds(self, batch: list[Span], figure: str) -> list[float]:
        """Seconds per call of each worker's batch together.

        "least" also takes out what a lock or GIL holder waiting for a CPU passes on to a worker blocked
        on it: no more than the other workers waited, nor than its blocked time x their waiting share.
        """
        if figure != "least":
            return [self.seconds(span, True, figure) for span in batch]
        kept = [busy_time(span, self.crowd) for span in batch]
        cpu = [span.cpu_s or 0.0 for span in batch]
        waits = [span.wall_s - own for span, own in zip(batch, kept, strict=True)]
        share = sum(waits) / (sum(waits) + sum(cpu)) if sum(waits) > 0 else 0.0
        least = []
        for own, used, wait in zip(kept, cpu, waits, strict=True):
            passed_on = min(sum(waits) - wait, max(0.0, own - used) * share)
            least.append(max(used, own - passed_on, own * 1e-3) / self.inner)
        return least

    def slowdown(self, figure: str = "judged") -> float:
        """Median over the rounds of (median batch together / batch alone)."""
        ratios = []
        for alone, together in zip(self.alone, self.together, strict=True):
            base = self.seconds(alone, False, "judged" if figure == "least" else figure)
            batch = statistics.median(self.batch_seconds(together, figure))
            ratios.append(batch / base if base > 0 else math.inf)
        return statistics.median(ratios)

    def timed(self) -> list[tuple[Span, float]]:
        """Every batch with its busy seconds (for the machine's load)."""
        pairs = [(span, busy_time(span)) for span in self.alone]
        pairs += [(span, busy_time(span, self.crowd)) for batch in self.together for span in batch]
        return pairs

    def cpu_s(self) -> float:
        return sum(span.cpu_s or 0.0 for span, _ in self.timed())


def _run_alone(pool: _Pool, rounds: _Rounds, work: int = CODE) -> None:
    pool.send(0, ("run", rounds.inner, False, work))
    start = time.perf_counter()
    rounds.alone.append(pool.expect(0, "times")[1])
    rounds.alone_wall += time.perf_counter() - start


def _run_together(pool: _Pool, workers: int, rounds: _Rounds, work: int = CODE) -> None:
    for index in range(workers):
        pool.send(index, ("run", rounds.inner, True, work))
    for index in range(workers):
        pool.expect(index, "waiting")
    start = time.perf_counter()
    for index in range(workers):
        pool.send(index, ("go", start))
    replies = [pool.receive(index) for index in range(workers)]
    rounds.together_wall += time.perf_counter() - start
    batch: list[Span] = []
    for index, reply in enumerate(replies):
        if reply[0] == "error":
            raise pool.fail(index, reply[1])
        batch.append(reply[1])
    rounds.together.append(batch)


def _drive(pool: _Pool, workers: int, crowd: float, watch: LoadWatch) -> _Rounds:
    """Warm up, calibrate, then alternate alone and together (the machine watched meanwhile)."""
    for index in range(workers):
        pool.expect(index, "ready")
    pool.send(0, ("calibrate", CODE, BATCH_S))
    _, inner, batch_s = pool.expect(0, "calibrated")
    rounds = _Rounds(inner=inner, crowd=crowd)
    watch.start()
    for _ in range(rounds_for(batch_s)):
        _run_alone(pool, rounds)
        _run_together(pool, workers, rounds)
    return rounds


def machine_slowdown(pool: _Pool, workers: int, cores: int) -> float:
    """The reference work's slowdown with as many workers at once as there are cores for (up to
    ``workers``), judged as the code's: what the machine's hardware costs independent work."""
    pool.send(0, ("calibrate", REFERENCE, REFERENCE_S))
    _, inner, _ = pool.expect(0, "calibrated")
    rounds = _Rounds(inner=inner)
    for _ in range(REFERENCE_ROUNDS):
        _run_alone(pool, rounds, REFERENCE)
        _run_together(pool, min(workers, cores), rounds, REFERENCE)
    return rounds.slowdown()


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
    cores = available_cores()
    watch = LoadWatch(cores)
    machine = None
    with pool:
        rounds = _drive(pool, workers, max(1.0, workers / cores), watch)
        load = watch.stop(rounds.timed(), rounds.cpu_s() if kind == "process" else 0.0)
        if rounds.slowdown() > max_slowdown:
            machine = machine_slowdown(pool, workers, cores)
    return _result(rounds, workers, kind, max_slowdown, load, machine)


def _result(
    rounds: _Rounds, workers: int, kind: str, max_slowdown: float, load: Load, machine: float | None
) -> ConcurrentResult:
    calls = rounds.inner * len(rounds.alone)
    alone = [rounds.seconds(span, False) for span in rounds.alone]
    together = [rounds.seconds(span, True) for batch in rounds.together for span in batch]
    return ConcurrentResult(
        workers=workers,
        kind=kind,
        max_slowdown=max_slowdown,
        cores=load.cores,
        alone_s=statistics.median(alone),
        together_s=statistics.median(together),
        slowdown=rounds.slowdown(),
        calls_per_s_alone=calls / rounds.alone_wall,
        calls_per_s_together=workers * calls / rounds.together_wall,
        calls=calls,
        alone_batches_s=tuple(alone),
        together_batches_s=tuple(together),
        wall_slowdown=rounds.slowdown("wall"),
        cpu_slowdown=rounds.slowdown("cpu"),
        least_slowdown=rounds.slowdown("least"),
        machine_slowdown=machine,
        load=load,
    )
