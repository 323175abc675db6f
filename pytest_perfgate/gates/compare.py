"""``perfgate.compare(candidate, baseline, ...)``: both run interleaved, pair by pair; is the candidate
really faster (and leaner)?"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..measure.contention import Span
from ..measure.correction import corrected_rounds
from ..measure.deadline import Deadline
from ..measure.memory import MemoryResult, peak_of_call
from ..measure.sampling import CallSampler
from ..measure.timing import Timing
from ..quantities import format_memory
from ..stats.intervals import Interval, contains, interval, is_bounded
from ..verdict.confirm import confirmed, more_rounds
from ..verdict.decide import CompareFigures
from ..verdict.noisy_time import Policy
from . import arguments
from .load import Load, LoadWatch

METHOD = "perfgate.compare"
#: A round of the faster function lasts at least this long.
ROUND_S = 1e-3
#: Time the first attempt aims to spend on rounds, and its least and most pairs.
TARGET_S = 1.0
MIN_PAIRS = 10
MAX_PAIRS = 2000
#: Peaks below this many bytes are measurement noise, not a difference between the two functions.
MEMORY_FLOOR = 4096
#: On a busy machine, a speedup short of the limit by less than this factor is not judged: beyond
#: the wait taken out, load costs the function with the larger working set more (cache refills).
BUSY_SHORTFALL = 0.9


def validate(
    candidate: object, baseline: object, min_speedup: object, max_memory_ratio: object
) -> tuple[float | None, float | None]:
    """Check the arguments; returns the two limits as floats (or None)."""
    __tracebackhide__ = True
    arguments.function(METHOD, "candidate", candidate)
    arguments.function(METHOD, "baseline", baseline)
    return (
        arguments.positive_or_none(METHOD, "min_speedup", min_speedup),
        arguments.positive_or_none(METHOD, "max_memory_ratio", max_memory_ratio),
    )


@dataclass
class Pairs:
    """Interleaved rounds of candidate and baseline, per call, with other processes' time taken out."""

    candidate: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    #: Every round's span and its seconds as judged (for the machine's load).
    timed: list[tuple[Span, float]] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [base / max(cand, 1e-12) for cand, base in zip(self.candidate, self.baseline, strict=True)]

    @property
    def speedup(self) -> float:
        return statistics.median(self.ratios)

    @property
    def interval(self) -> Interval | None:
        return interval(self.ratios, "median")


@dataclass
class Comparison:
    """The outcome: speedup with its interval, memory ratio, and every attempt."""

    min_speedup: float | None
    max_memory_ratio: float | None
    iterations: int
    attempts: list[Pairs]
    memory: tuple[MemoryResult, MemoryResult] | None = None
    load: Load | None = None

    @property
    def final(self) -> Pairs:
        return self.attempts[-1]

    @property
    def memory_ratio(self) -> float | None:
        """Candidate's peak / baseline's; peaks under :data:`MEMORY_FLOOR` count as that floor."""
        if self.memory is None:
            return None
        candidate, baseline = self.memory
        return max(candidate.peak_bytes, MEMORY_FLOOR) / max(baseline.peak_bytes, MEMORY_FLOOR)

    @property
    def marginal(self) -> bool:
        bounds = self.final.interval
        return (
            self.min_speedup is not None
            and bounds is not None
            and is_bounded(bounds)
            and contains(bounds, self.min_speedup)
        )

    def too_slow(self) -> bool:
        return self.min_speedup is not None and self.final.speedup < self.min_speedup

    def undecided(self) -> str:
        """Why a speedup short of the limit is not blamed on the code ("" when it is, or is not short)."""
        if not self.too_slow() or self.load is None or not self.load.busy:
            return ""
        assert self.min_speedup is not None
        if not self.marginal and self.final.speedup < self.min_speedup * BUSY_SHORTFALL:
            return ""
        return (
            f"the machine was too busy to judge (other processes' load made the rounds "
            f"{self.load.factor:.2f}x longer; beyond the wait taken out, it can cost the two functions "
            "unequally)"
        )

    def machine_text(self) -> str:
        return "" if self.load is None else f"machine: {self.load.text('the rounds')}"

    def too_big(self) -> bool:
        ratio = self.memory_ratio
        return self.max_memory_ratio is not None and ratio is not None and ratio > self.max_memory_ratio

    def timing(self) -> Timing:
        """The candidate's rounds, as the test's time figures."""
        return Timing(data=self.final.candidate, method="perfgate.compare rounds (candidate)")

    def failures(self) -> list[str]:
        """The phrases of each limit broken, for the failure message."""
        phrases = []
        if self.too_slow():
            assert self.min_speedup is not None
            speedups = ", ".join(times(pairs.speedup) for pairs in self.attempts)
            repeated = (
                f" in all {len(self.attempts)} measurements ({speedups})" if len(self.attempts) > 1 else ""
            )
            phrases.append(
                f"candidate {times(self.final.speedup)} as fast as baseline "
                f"(95% CI {_interval_text(self.final.interval)}) < required {self.min_speedup:g}x"
                + repeated
                + (" [marginal]" if self.marginal else "")
            )
        if self.too_big():
            assert self.memory is not None and self.max_memory_ratio is not None
            candidate, baseline = self.memory
            phrases.append(
                f"candidate peak {format_memory(candidate.peak_bytes)} is {times(self.memory_ratio or 0)} "
                f"baseline's {format_memory(baseline.peak_bytes)} > allowed {self.max_memory_ratio:g}x"
            )
        return phrases

    def verdict_figures(self) -> CompareFigures:
        """What the verdict reads of the comparison."""
        return CompareFigures(
            phrases=tuple(self.failures()),
            summary=self.summary(),
            extra=self.to_extra(),
            undecided=self.undecided(),
            memory_broken=self.too_big(),
            machine=self.machine_text() if self.load is not None else "",
        )

    def summary(self) -> str:
        """One line for the terminal."""
        text = (
            f"compare: candidate {times(self.final.speedup)} as fast as baseline "
            f"(95% CI {_interval_text(self.final.interval)}, {len(self.final.ratios)} pairs x "
            f"{self.iterations} calls)"
        )
        if self.min_speedup is not None:
            text += f", required >= {self.min_speedup:g}x"
        if self.marginal:
            text += " [marginal]"
        if self.memory_ratio is not None:
            text += f"; memory {times(self.memory_ratio)} baseline's"
            if self.max_memory_ratio is not None:
                text += f" (allowed <= {self.max_memory_ratio:g}x)"
        if self.load is not None and self.load.busy:
            text += f"; {self.machine_text()}"
        return text

    def to_extra(self) -> dict[str, Any]:
        """``extra["compare"]`` of the record (junit gets ``perfgate.compare.speedup`` and the others)."""
        bounds = self.final.interval or (None, None)
        memory = self.memory
        return {
            "speedup": self.final.speedup,
            "ci_low": bounds[0],
            "ci_high": bounds[1],
            "min_speedup": self.min_speedup,
            "memory_ratio": self.memory_ratio,
            "max_memory_ratio": self.max_memory_ratio,
            "candidate_peak_bytes": None if memory is None else memory[0].peak_bytes,
            "baseline_peak_bytes": None if memory is None else memory[1].peak_bytes,
            "pairs": len(self.final.ratios),
            "iterations": self.iterations,
            "marginal": self.marginal,
            **(self.load.figures() if self.load is not None else {}),
            "attempts": [
                {
                    "speedup": pairs.speedup,
                    "pairs": len(pairs.ratios),
                    "ci": list(pairs.interval or (None, None)),
                }
                for pairs in self.attempts
            ],
        }


def times(ratio: float) -> str:
    """A ratio as "3.2x", "0.0052x" or "1670x"."""
    return f"{ratio:.0f}x" if ratio >= 1000 else f"{ratio:.3g}x"


def _interval_text(bounds: Interval | None) -> str:
    if bounds is None:
        return "n/a"
    low, high = bounds
    return f"{'?' if low is None else times(low)}-{'?' if high is None else times(high)}"


def calibrate_iterations(calls: tuple[Callable[[], Any], Callable[[], Any]], round_s: float = ROUND_S) -> int:
    """The calls per round that make a round of the faster function last at least ``round_s``."""
    iterations = 1
    while True:
        elapsed = min(_time_loop(call, iterations) for call in calls)
        if elapsed >= round_s or iterations >= 10**7:
            return iterations
        if elapsed <= 0:
            iterations *= 10
            continue
        iterations = max(iterations + 1, math.ceil(iterations * round_s / elapsed * 1.1))


def _time_loop(call: Callable[[], Any], iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        call()
    return time.perf_counter() - start


def take_pairs(
    samplers: tuple[CallSampler, CallSampler], pairs: int, into: Pairs, start_with_baseline: bool = False
) -> None:
    """Run ``pairs`` interleaved pairs of rounds (alternating which goes first) into ``into``."""
    candidate, baseline = samplers
    for index in range(pairs):
        order = (baseline, candidate) if (index % 2 == 1) != start_with_baseline else (candidate, baseline)
        results = {}
        for sampler in order:
            batch = sampler.take(1)
            rounds, _ = corrected_rounds(batch)
            results[id(sampler)] = rounds[0]
            into.timed.append((batch.span, rounds[0] * batch.iterations))
        into.candidate.append(results[id(candidate)])
        into.baseline.append(results[id(baseline)])


def run(
    candidate: Callable[[], Any],
    baseline: Callable[[], Any],
    *,
    min_speedup: float | None,
    max_memory_ratio: float | None,
    memory_backend: str | None,
    policy: Policy,
) -> tuple[Any, Comparison]:
    """Compare the two calls; returns the candidate's result and the comparison.

    While the interval of the speedup holds ``min_speedup`` more pairs are taken (within
    ``policy.max_time`` from the first call); a speedup short of it is measured again ``policy.confirm``
    times, as many pairs as fit in that time.
    """
    deadline = Deadline(policy.max_time, policy.clock)  # from the first call on
    result = candidate()
    iterations = calibrate_iterations((candidate, baseline))
    samplers = (CallSampler(candidate, iterations=iterations), CallSampler(baseline, iterations=iterations))
    watch = LoadWatch()
    watch.start()
    first = Pairs()
    take_pairs(samplers, 2, first)
    pair_s = (statistics.median(first.candidate) + statistics.median(first.baseline)) * iterations
    planned = max(MIN_PAIRS, min(MAX_PAIRS, math.floor(TARGET_S / max(pair_s, 1e-9))))
    take_pairs(samplers, planned - 2, first)

    def fresh(_: Pairs) -> Pairs | None:
        count = deadline.rounds(pair_s, planned)  # None: no time left to confirm
        if count < 1:
            return None
        pairs = Pairs()
        take_pairs(samplers, count, pairs)
        return pairs

    def extend(pairs: Pairs) -> None:
        if min_speedup is not None:
            _extend(pairs, samplers, min_speedup, pair_s, deadline)

    attempts = confirmed(
        first,
        over=lambda pairs: min_speedup is not None and pairs.speedup < min_speedup,
        fresh=fresh,
        times=policy.confirm,
        extend=extend,
    )
    comparison = Comparison(min_speedup, max_memory_ratio, iterations, attempts)
    comparison.load = watch.stop(pair for pairs in comparison.attempts for pair in pairs.timed)
    if memory_backend is not None:
        comparison.memory = peaks(candidate, baseline, memory_backend)
    return result, comparison


def peaks(
    candidate: Callable[[], Any], baseline: Callable[[], Any], backend: str
) -> tuple[MemoryResult, MemoryResult]:
    """Peak memory of one call of each, measured twice in turn, the smaller kept.

    The first traced call of a process carries the tracer's own start-up allocations, which are not
    the function's: whichever function comes first would be charged for them.
    """
    found: dict[int, MemoryResult] = {}
    for index, call in enumerate((candidate, baseline, candidate, baseline)):
        _, peak = peak_of_call(call, backend)
        if index % 2 not in found or peak.peak_bytes < found[index % 2].peak_bytes:
            found[index % 2] = peak
    return found[0], found[1]


def _extend(
    pairs: Pairs, samplers: tuple[CallSampler, CallSampler], limit: float, pair_s: float, deadline: Deadline
) -> None:
    """More pairs (doubling) while the interval of the speedup holds the limit and time remains."""

    def in_doubt() -> bool:
        bounds = pairs.interval
        return bounds is not None and contains(bounds, limit)

    more_rounds(
        in_doubt,
        lambda: len(pairs.ratios),
        lambda: deadline.fits(pair_s),
        lambda more: take_pairs(samplers, more, pairs, start_with_baseline=len(pairs.ratios) % 2 == 1),
    )
