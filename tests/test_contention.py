"""The machine's state: run-queue wait, the reference probe, spans, the machine score."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType

import pytest
from _pytest._code import ExceptionInfo

from pytest_perfgate.measure import contention
from pytest_perfgate.measure.contention import (
    ReferenceProbe,
    RunQueue,
    Span,
    Watch,
    machine_score,
    open_run_queue,
    reference_work,
    run_queue_wait,
    time_reference,
)

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the run-queue wait is read from /proc"
)


def test_reference_work_is_deterministic() -> None:
    assert reference_work(1000) == reference_work(1000)
    assert reference_work(1000) != reference_work(2000)


@linux_only
def test_run_queue_wait_is_a_growing_number_on_linux() -> None:
    first = run_queue_wait()
    second = run_queue_wait()
    assert first is not None and second is not None
    assert 0 <= first <= second


def open_descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@linux_only
def test_no_handle_is_kept_open_between_reads() -> None:
    before = open_descriptors()
    for _ in range(5):
        assert run_queue_wait() is not None
    assert open_descriptors() == before
    assert not [name for name, value in vars(contention).items() if isinstance(value, threading.local)]


@linux_only
def test_a_run_queue_holds_one_handle_per_thread_until_closed() -> None:
    before = open_descriptors()
    queue = open_run_queue()
    readings: list[float | None] = []

    def read_in_a_thread() -> None:
        readings.append(queue.wait())
        queue.release()

    thread = threading.Thread(target=read_in_a_thread)
    thread.start()
    thread.join()
    first, second = queue.wait(), queue.wait()
    assert first is not None and second is not None and 0 <= first <= second
    assert readings[0] is not None
    assert len(open_descriptors() - before) == 1  # this thread's; the other thread released its own
    queue.close()
    assert open_descriptors() == before
    assert queue.wait() is not None  # a read after close opens a new handle
    queue.close()


def test_a_run_queue_where_there_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contention, "SCHEDSTAT", "/nonexistent/schedstat")
    queue = RunQueue()
    assert queue.wait() is None and queue.unavailable
    assert run_queue_wait() is None
    queue.close()


def interrupt_soon(delay: float) -> None:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, delay)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs interval timers")
@pytest.mark.parametrize(
    "make_work",
    [lambda: lambda: time_reference(300), lambda: ReferenceProbe(loops=300, runs=2).factor],
    ids=["time_reference", "probe"],
)
def test_an_interrupt_inside_the_reference_work_is_reportable(
    make_work: Callable[[], Callable[[], object]],
) -> None:
    """Ctrl-C lands at the reference loop's back edge (no line number there): pytest must still be
    able to show where it was interrupted. One probe for all attempts: an interrupt landing in a
    finalizer (a probe collected mid-loop) would be swallowed by Python, not by perfgate."""
    previous = signal.getsignal(signal.SIGALRM)
    work = make_work()
    try:
        for attempt in range(60):
            try:
                interrupt_soon(0.0002 + (attempt % 13) * 0.0001)
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    work()
                pytest.fail("the interrupt never came through the reference work")
            except KeyboardInterrupt:
                signal.setitimer(signal.ITIMER_REAL, 0)
                info = ExceptionInfo.from_current()
            assert all(entry.lineno >= 0 for entry in info.traceback)
            assert "KeyboardInterrupt" in str(info.getrepr(funcargs=True))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_span_factor_from_the_run_queue_wait() -> None:
    assert Span(wall_s=2.0, waited_s=1.0).factor == pytest.approx(2.0)
    assert Span(wall_s=2.0, waited_s=0.0).factor == 1.0
    assert Span(wall_s=2.0, waited_s=1.0).source == "run-queue"


def test_span_speed_is_the_fastest_probe_above_the_threshold() -> None:
    assert Span(wall_s=1.0, waited_s=0.0, probe_factors=(1.05, 1.5)).speed == 1.0
    assert Span(wall_s=1.0, waited_s=0.0, probe_factors=(1.6, 1.5)).speed == 1.5
    # the speed is reported, not folded into the run-queue factor
    assert Span(wall_s=2.0, waited_s=1.0, probe_factors=(1.5, 1.5)).factor == pytest.approx(2.0)


def test_span_factor_from_probes_where_the_wait_is_unknown() -> None:
    # the load is the probes' mean over their fastest (the fastest ran at the CPU's speed)
    span = Span(wall_s=1.0, waited_s=None, probe_factors=(1.0, 3.0))
    assert span.factor == pytest.approx(2.0)
    assert span.source == "probe"
    assert span.probe_factor == pytest.approx(2.0)
    assert Span(wall_s=1.0, waited_s=None, probe_factors=(3.0, 3.0)).factor == 1.0  # slow, not loaded
    assert Span(wall_s=1.0, waited_s=None).factor == 1.0


class FakeProbe:
    def __init__(self, factors: list[float]) -> None:
        self.factors = iter(factors)

    def factor(self) -> float:
        return next(self.factors)


def counter(values: list[float]) -> Iterator[float]:
    yield from values


def test_watch_measures_wall_wait_and_probes() -> None:
    clock = counter([10.0, 13.0])
    waits = counter([1.0, 2.5])
    probe = FakeProbe([1.2, 1.0, 1.1, 1.8, 1.05, 1.3])
    watch = Watch(probe, waited=lambda: next(waits), clock=lambda: next(clock))
    watch.start()
    span = watch.stop()
    assert span.wall_s == 3.0
    assert span.waited_s == 1.5
    assert span.probe_factors == (1.2, 1.0, 1.1, 1.8, 1.05, 1.3)  # three at each end
    assert span.speed == 1.0  # the fastest probe ran at full speed
    assert span.factor == pytest.approx(2.0)


def test_watch_without_run_queue_uses_the_probe() -> None:
    watch = Watch(FakeProbe([1.0, 3.0]), waited=lambda: None, probes_per_end=1)
    watch.start()
    span = watch.stop()
    assert span.waited_s is None
    assert span.factor == pytest.approx(2.0)


def test_reference_probe_baseline_is_the_fastest_run() -> None:
    probe = ReferenceProbe(loops=2000, runs=3)
    baseline = probe.baseline
    assert baseline > 0
    assert probe.baseline == baseline  # taken once
    assert probe.factor() > 0


def test_machine_score_is_positive_and_cheap() -> None:
    assert machine_score(budget_s=0.02) > 0


def test_reference_probe_learns_the_fastest_speed_of_the_session() -> None:
    probe = ReferenceProbe(loops=500, runs=1)
    first = probe.baseline
    factors = [probe.factor() for _ in range(20)]
    assert all(factor >= 1.0 for factor in factors)
    assert probe.baseline <= first


@linux_only
def test_the_probe_owns_its_run_queue_handles() -> None:
    before = open_descriptors()
    probe = ReferenceProbe(loops=200, runs=1)
    assert probe.factor() > 0
    assert len(open_descriptors() - before) == 1
    probe.close()
    assert open_descriptors() == before
    machine_score(budget_s=0.01)
    assert open_descriptors() == before
