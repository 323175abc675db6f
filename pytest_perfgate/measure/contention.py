"""How busy the machine is: a reference probe, the time a thread waited for a CPU (Linux
``/proc/thread-self/schedstat``), the machine score (reference loop iterations per second / 10,000)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

#: Reference loop iterations in one probe (about 1.5 ms on a 2024 cloud CPU with CPython 3.11).
PROBE_LOOPS = 12_000
#: Probe runs at the session baseline; the fastest is kept.
BASELINE_RUNS = 5
#: Loop iterations per run of the machine score, and the unit of the score.
SCORE_LOOPS = 4_000
SCORE_UNIT = 10_000


def reference_work(loops: int) -> int:
    """The fixed reference workload: ``loops`` turns of arithmetic, dict, list and str operations."""
    total = 0
    table: dict[int, int] = {}
    text: list[str] = []
    for i in range(loops):
        total += (i * i) % 7
        table[i & 63] = total
        if i & 15 == 0:
            text.append(str(total))
    return total + len(table) + len("".join(text))


SCHEDSTAT = "/proc/thread-self/schedstat"


def _read_wait(fd: int) -> float:
    """The second field of a schedstat file: nanoseconds runnable but waiting, as seconds."""
    return int(os.pread(fd, 128, 0).split()[1]) * 1e-9


def run_queue_wait() -> float | None:
    """Seconds this thread has spent runnable but waiting for a CPU so far; None where unknown.

    Linux only (``/proc/thread-self/schedstat``, second field). Opens the file for each read (a few
    microseconds); a session that reads often holds a :class:`RunQueue` instead.
    """
    try:
        fd = os.open(SCHEDSTAT, os.O_RDONLY)
    except OSError:
        return None
    try:
        return _read_wait(fd)
    except (OSError, IndexError, ValueError):
        return None
    finally:
        os.close(fd)


class RunQueue:
    """Open handles on each thread's run-queue figures (one read then costs about a microsecond).

    Made by :func:`open_run_queue` and owned by whoever made it: a thread that read it calls
    :meth:`release` as it ends; :meth:`close` closes every handle.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[int] = set()
        self.unavailable = False
        weakref.finalize(self, _close_all, self._open, self._lock)

    def wait(self) -> float | None:
        """Like :func:`run_queue_wait`, for the calling thread, through its own open handle."""
        if self.unavailable:
            return None
        try:
            fd: int | None = getattr(self._local, "fd", None)
            if fd is None:
                fd = self._local.fd = os.open(SCHEDSTAT, os.O_RDONLY)
                with self._lock:
                    self._open.add(fd)
            return _read_wait(fd)
        except (OSError, IndexError, ValueError):
            self.unavailable = True
            return None

    def release(self) -> None:
        """Close the calling thread's handle (a thread that read the figures calls it as it ends)."""
        fd, self._local.fd = getattr(self._local, "fd", None), None
        if fd is not None:
            with self._lock:
                self._open.discard(fd)
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        """Close every thread's handle; a later read opens a new one."""
        self._local = threading.local()
        _close_all(self._open, self._lock)


def _close_all(fds: set[int], lock: threading.Lock) -> None:
    with lock:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        fds.clear()


def open_run_queue() -> RunQueue:
    """A :class:`RunQueue` for a session to hold (and close when it ends)."""
    return RunQueue()


def release_run_queue() -> None:
    """Nothing to release: :func:`run_queue_wait` holds no handle between reads (a :class:`RunQueue`
    releases a thread's handle with :meth:`RunQueue.release`)."""


def cpu_busy_s() -> float | None:
    """Seconds all CPUs together have spent busy (not idle) since boot; None where unknown.

    Linux only (``/proc/stat``, in clock ticks): the difference over a stretch, less this process
    tree's own CPU time, is what other processes used.
    """
    try:
        with open("/proc/stat", "rb") as stat:
            fields = [int(value) for value in stat.readline().split()[1:9]]
        idle = fields[3] + fields[4]
        return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def time_reference(
    loops: int,
    clock: Callable[[], float] = time.perf_counter,
    waited: Callable[[], float | None] = lambda: None,
) -> float:
    """Seconds one run of the reference workload takes now, less any run-queue wait ``waited`` reports.

    Where the wait is known, the time is taken around the wait readings too, so that a wait just
    before or after the run cannot make the run look shorter than it was.
    """
    start = clock()
    wait0 = waited()
    inner = clock()
    try:
        reference_work(loops)
    except KeyboardInterrupt as interrupt:
        # Raised at the loop's back edge, which has no line number: a traceback entry there breaks
        # pytest's report of the interrupt. Let it go on from this line instead.
        raise interrupt.with_traceback(None) from None
    elapsed = clock() - inner
    wait1 = waited()
    if wait0 is None or wait1 is None:
        return elapsed
    return max(clock() - start - (wait1 - wait0), elapsed * 1e-3)


class Probe(Protocol):
    """Something that says how much slower the machine is now than at the session's start."""

    def factor(self) -> float:
        """Probe now / session baseline (1.0 on an idle machine; 2.0 when it runs at half speed)."""
        ...


class ReferenceProbe:
    """The reference probe; its baseline (fastest of a few runs) is taken at first use.

    The baseline is the fastest run the session has seen: a session that starts on a slow CPU learns
    its real speed as soon as it runs faster.

    Where the kernel reports the run-queue wait, each run's wait is taken out of its time, so the
    probe measures the CPU's speed alone (the wait is measured apart); elsewhere it measures both.
    """

    def __init__(
        self,
        loops: int = PROBE_LOOPS,
        runs: int = BASELINE_RUNS,
        waited: Callable[[], float | None] | None = None,
    ) -> None:
        self.loops = loops
        self.runs = runs
        #: The probe's own handles on the run-queue figures when no ``waited`` clock is given.
        self.run_queue: RunQueue | None = None
        if waited is None:
            self.run_queue = open_run_queue()
            waited = self.run_queue.wait
        self.waited = waited
        self._baseline: float | None = None
        self._lock = threading.Lock()

    def _time(self) -> float:
        return time_reference(self.loops, waited=self.waited)

    @property
    def baseline(self) -> float:
        with self._lock:
            if self._baseline is None:
                self._baseline = min(self._time() for _ in range(self.runs))
            return self._baseline

    def close(self) -> None:
        """Close the probe's run-queue handles (the session that owns the probe calls it as it ends)."""
        if self.run_queue is not None:
            self.run_queue.close()

    def factor(self) -> float:
        """This run's time over the fastest run seen in the session (which this run may improve)."""
        baseline = self.baseline
        elapsed = self._time()
        with self._lock:
            self._baseline = min(baseline, elapsed)
            return elapsed / self._baseline


WaitClock = Callable[[], "float | None"]


#: A stretch that ran this much slower than on a quiet machine was contended.
CONTENDED = 1.10
#: Probe runs at each end of a stretch: their fastest tells the machine's speed, their mean its load.
PROBES_PER_END = 3


@dataclass(frozen=True)
class Span:
    """What the machine did during one stretch of measuring: wall time, CPU wait, probe factors.

    Two things slow a measurement down. Other processes taking the CPU make the thread wait on the
    run queue: where the kernel reports that wait, it is known exactly, and the probes say nothing
    more about it (their own wait is left out). A slower CPU (a busy host, a hyperthread sibling, a
    lower clock) is invisible to the guest's scheduler: the fastest probe around the stretch shows it
    as :attr:`speed`. Where the wait is unknown, the probes' mean shows both at once.
    """

    wall_s: float
    waited_s: float | None
    probe_factors: tuple[float, ...] = ()
    #: CPU time of this thread during the stretch.
    cpu_s: float | None = None

    @property
    def speed(self) -> float:
        """How much slower the CPU ran than at the session's start (1.0 below :data:`CONTENDED`)."""
        if not self.probe_factors:
            return 1.0
        slowest = min(self.probe_factors)
        return slowest if slowest > CONTENDED else 1.0

    @property
    def factor(self) -> float:
        """How much longer the stretch took because other processes had the CPU (>= 1).

        wall / (wall - wait) where the kernel reports the run-queue wait; elsewhere the probes' mean
        over their fastest (their load beyond the CPU's speed).
        """
        if self.waited_s is not None and self.wall_s > 0:
            busy = max(self.wall_s - self.waited_s, self.wall_s * 1e-3)
            return max(1.0, self.wall_s / busy)
        if self.probe_factors:
            mean = sum(self.probe_factors) / len(self.probe_factors)
            return max(1.0, mean / max(min(self.probe_factors), 1e-9))
        return 1.0

    @property
    def source(self) -> str:
        if self.waited_s is not None:
            return "run-queue"
        return "probe" if self.probe_factors else "none"

    @property
    def probe_factor(self) -> float | None:
        if not self.probe_factors:
            return None
        return sum(self.probe_factors) / len(self.probe_factors)


class Watch:
    """Measures a :class:`Span`: ``start()`` before the stretch, ``stop()`` after it."""

    def __init__(
        self,
        probe: Probe | None,
        waited: WaitClock = run_queue_wait,
        clock: Callable[[], float] = time.perf_counter,
        probes_per_end: int = PROBES_PER_END,
    ) -> None:
        self.probe = probe
        self.waited = waited
        self.clock = clock
        self.probes_per_end = probes_per_end
        self._factors: list[float] = []
        self._start = 0.0
        self._cpu0 = 0.0
        self._wait0: float | None = None

    def _probe(self) -> list[float]:
        if self.probe is None:
            return []
        return [self.probe.factor() for _ in range(self.probes_per_end)]

    def start(self) -> None:
        self._factors = self._probe()
        self._wait0 = self.waited()
        self._cpu0 = time.thread_time()
        self._start = self.clock()

    def stop(self) -> Span:
        wall = self.clock() - self._start
        cpu = time.thread_time() - self._cpu0
        wait1 = self.waited()
        self._factors += self._probe()
        waited = None if self._wait0 is None or wait1 is None else min(wall, max(0.0, wait1 - self._wait0))
        return Span(wall_s=wall, waited_s=waited, probe_factors=tuple(self._factors), cpu_s=cpu)


def machine_score(budget_s: float = 0.2, clock: Callable[[], float] = time.perf_counter) -> float:
    """This machine's score: reference loop iterations per second / 10,000, from the fastest run.

    Runs the reference workload (about 0.5 ms a run) for ``budget_s`` seconds, at least 20 times; the
    fastest run is what a busy neighbour cannot inflate.
    """
    best = float("inf")
    runs = 0
    queue = open_run_queue()
    try:
        deadline = clock() + budget_s
        while runs < 20 or clock() < deadline:
            best = min(best, time_reference(SCORE_LOOPS, clock, queue.wait))
            runs += 1
    finally:
        queue.close()
    return SCORE_LOOPS / best / SCORE_UNIT
