"""Rounds with other processes' time taken out: per round where the wait is known, else levelled off."""

from __future__ import annotations

from collections.abc import Sequence

from .contention import CONTENDED, Span
from .sampling import Batch
from .timing import Timing


def level_off(rounds: Sequence[float], excess: float) -> list[float]:
    """Take ``excess`` seconds (per call) out of the slowest rounds, levelling them down from the top.

    Used where the time other processes took is known only in total: a round that waited for a CPU
    is one of the slow ones, so the total comes off the top, never below the fastest of several
    rounds: rounds slowed alike give no sign of which time was the machine's (measure them again).
    """
    if excess <= 0 or not rounds:
        return list(rounds)
    ordered = sorted(rounds, reverse=True)
    total = 0.0
    level = 0.0
    for count, value in enumerate(ordered, start=1):
        total += value
        following = ordered[count] if count < len(ordered) else 0.0
        if total - count * following >= excess:
            level = (total - excess) / count
            break
    if len(ordered) > 1:  # several rounds: the total comes off the spread, never below the fastest
        level = max(level, ordered[-1])
    level = max(level, ordered[-1] * 1e-3)
    return [min(value, level) for value in rounds]


def corrected_rounds(batch: Batch) -> tuple[list[float], bool]:
    """The batch's rounds with other processes' time taken out, and whether it was contended.

    Per round, its wall time less the time it waited for a CPU: measured where the kernel reports it,
    else implied by the probes (CPU time x (load - 1)); never below its CPU time. With totals only
    (pytest-benchmark's rounds), the total wait is taken off the slowest rounds (:func:`level_off`).

    A slower CPU is not corrected: a pure-Python probe and a workload feel a busy host differently
    (caches, memory bandwidth), and dividing by the probe could hide a real regression. Instead the
    verdict waits for the CPU's speed to come back before a confirmation.
    """
    span = batch.span
    walls = list(batch.wall)
    if span.factor <= CONTENDED:
        return walls, False
    waits: list[float] | None = list(batch.wait) if batch.wait is not None else None
    if waits is None and batch.cpu is not None:
        waits = [cpu * (span.factor - 1) for cpu in batch.cpu]
    if waits is not None:
        cpus = batch.cpu if batch.cpu is not None else [0.0] * len(walls)
        rounds = zip(walls, waits, cpus, strict=True)
        return [max(wall - wait, min(cpu, wall), wall * 1e-3) for wall, wait, cpu in rounds], True
    rounds_s = sum(walls) * batch.iterations
    share = min(1.0, rounds_s / span.wall_s) if span.wall_s > 0 else 1.0
    waited = span.waited_s if span.waited_s is not None else span.wall_s * (1 - 1 / span.factor)
    return level_off(walls, waited * share / batch.iterations), True


def first_batch(timing: Timing, span: Span, iterations: int = 1, whole: bool = False) -> Batch:
    """The rounds pytest-benchmark (or a test body) measured during ``span``, as the first batch.

    ``whole``: the span is the one round (a test body), so its wait and CPU time are the round's.
    """
    single = whole and len(timing.data) == 1
    return Batch(
        wall=list(timing.data),
        span=span,
        source=timing.method,
        elapsed_s=span.wall_s,
        traced=timing.traced,
        iterations=iterations,
        wait=[span.waited_s] if single and span.waited_s is not None else None,
        cpu=[span.cpu_s] if single and span.cpu_s is not None else None,
    )
