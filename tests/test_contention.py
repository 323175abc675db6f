"""The machine's state: run-queue wait, the reference probe, spans, the machine score."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from pytest_perfgate.measure.contention import (
    ReferenceProbe,
    Span,
    Watch,
    machine_score,
    reference_work,
    run_queue_wait,
)


def test_reference_work_is_deterministic() -> None:
    assert reference_work(1000) == reference_work(1000)
    assert reference_work(1000) != reference_work(2000)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the run-queue wait is read from /proc")
def test_run_queue_wait_is_a_growing_number_on_linux() -> None:
    first = run_queue_wait()
    second = run_queue_wait()
    assert first is not None and second is not None
    assert 0 <= first <= second


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
