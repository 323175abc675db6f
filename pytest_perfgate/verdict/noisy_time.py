"""The time verdict on noisy rounds: more rounds while the interval holds the limit, a fresh attempt to
confirm a breach, and rounds slowed by other processes set aside or measured again."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..measure.contention import CONTENDED, PROBES_PER_END, Probe
from ..measure.correction import corrected_rounds
from ..measure.deadline import Deadline
from ..measure.sampling import Batch, Sampler
from ..measure.timing import Timing
from ..quantities import format_time
from ..stats.intervals import Interval, contains, has_interval, interval, is_finite, rounds_to_bound
from ..stats.summary import statistic
from .confirm import confirmed, more_rounds

#: A fresh attempt starts with about this many seconds of rounds, and at least this many rounds.
FRESH_S = 0.25
MIN_FRESH_ROUNDS = 20
#: Contended pytest-benchmark rounds whose total wait, taken off the slowest rounds, leaves them this
#: far within the limit are judged so; closer to it, they are measured again round by round.
LEVELLED_MARGIN = 0.8
#: Before a confirmation, wait up to this long (within max_time) for a slow CPU to speed up again,
#: probing it every POLL_S seconds.
SLOW_WAIT_S = 5.0
POLL_S = 0.25


@dataclass
class Attempt:
    """One measurement judged on its own: its batches of rounds and the rounds as judged."""

    stat: str
    batches: list[Batch] = field(default_factory=list)
    judged: list[float] = field(default_factory=list)
    corrected: bool = False
    #: Why the attempt does not count for the verdict ("" when it counts).
    set_aside: str = ""

    def add(self, batch: Batch, correct: bool = True) -> None:
        rounds, contended = corrected_rounds(batch) if correct else (list(batch.wall), False)
        self.batches.append(batch)
        self.judged.extend(rounds)
        self.corrected = self.corrected or contended

    @property
    def raw(self) -> list[float]:
        return [wall for batch in self.batches for wall in batch.wall]

    @property
    def value(self) -> float:
        return statistic(self.judged, self.stat)

    @property
    def interval(self) -> Interval | None:
        return interval(self.judged, self.stat)

    @property
    def factor(self) -> float:
        """How much slower than quiet the attempt ran overall (time-weighted over its batches)."""
        spans = [batch.span for batch in self.batches if batch.span.wall_s > 0]
        quiet = sum(span.wall_s / span.factor for span in spans)
        return sum(span.wall_s for span in spans) / quiet if quiet > 0 else 1.0

    @property
    def probes(self) -> int:
        return sum(len(batch.span.probe_factors) for batch in self.batches)

    def over(self, limit: float | None) -> bool:
        return limit is not None and self.value > limit

    def clearly_under(self, limit: float | None, data: Sequence[float] | None = None) -> bool:
        """Whether the rounds (judged, or the ones given) are within the limit beyond doubt."""
        if limit is None:
            return True
        data = self.judged if data is None else data
        if not has_interval(self.stat):
            return statistic(data, self.stat) <= limit
        high = interval(data, self.stat)
        return high is not None and high[1] is not None and high[1] < limit

    def to_dict(self) -> dict[str, Any]:
        ordered = sorted(self.judged)
        bounds = self.interval
        return {
            "source": " + ".join(dict.fromkeys(batch.source for batch in self.batches)),
            "stat": self.stat,
            "value_s": self.value,
            "rounds": len(self.judged),
            "min": ordered[0],
            "median": statistic(ordered, "median"),
            "ci_low": None if bounds is None else bounds[0],
            "ci_high": None if bounds is None else bounds[1],
            "contention": round(self.factor, 4),
            "corrected": self.corrected,
            "raw_value_s": statistic(self.raw, self.stat),
            "counted": not self.set_aside,
            **({"set_aside": self.set_aside} if self.set_aside else {}),
        }


@dataclass(frozen=True)
class Policy:
    """How hard the verdict tries: confirmations of an over-limit time, and time for more rounds."""

    confirm: int = 1
    max_time: float = 10.0
    clock: Callable[[], float] = time.perf_counter
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Decision:
    """The rounds the time verdict is decided on, and how they were arrived at."""

    timing: Timing
    stat: str
    limit: float | None
    interval: Interval | None
    marginal: bool
    attempts: list[Attempt]
    action: str
    notes: list[str]
    #: Seconds spent waiting for a slow CPU to speed up again.
    waited_s: float = 0.0
    #: The statistic of the first rounds as measured (pytest-benchmark's figure, or the test body's).
    raw_value_s: float | None = None

    @property
    def counted(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if not attempt.set_aside]

    @property
    def contention(self) -> dict[str, Any]:
        worst = max(self.attempts, key=lambda attempt: attempt.factor)
        factor = worst.factor
        sources = {batch.span.source for batch in worst.batches}
        spans = [batch.span for attempt in self.attempts for batch in attempt.batches]
        probe_factors = [value for span in spans for value in span.probe_factors]
        return {
            "factor": round(factor, 4),
            "probes": sum(attempt.probes for attempt in self.attempts),
            "action": self.action,
            "source": "run-queue" if "run-queue" in sources else ("probe" if "probe" in sources else "none"),
            "probe_factor": round(max(probe_factors), 4) if probe_factors else None,
            "speed": round(max((span.speed for span in spans), default=1.0), 4),
            "waited_s": round(self.waited_s, 3),
        }


def _per_round_s(attempt: Attempt) -> float:
    """Seconds one more round is expected to take (the latest batch's pace)."""
    for batch in reversed(attempt.batches):
        if batch.elapsed_s > 0 and batch.wall:
            return batch.elapsed_s / len(batch.wall)
    return max(statistic(attempt.raw, "median"), 1e-9)


#: Statistics of the body of the distribution, for which :func:`clear_cut` holds.
CENTRAL_STATS = ("min", "median", "mean")
#: A central statistic whose every round is within this factor of the limit, on one side, is decided.
CLEAR_CUT = 2.0


def clear_cut(attempt: Attempt, limit: float) -> bool:
    """Every round far on one side of the limit: more rounds cannot move a central statistic across.

    Spares a few fixed rounds (``pedantic(rounds=3)`` of a long workload), whose order-statistic
    interval is still unbounded, from being doubled when the verdict is not in doubt.
    """
    rounds = attempt.judged
    if attempt.stat not in CENTRAL_STATS or len(rounds) < 3:
        return False
    return max(rounds) * CLEAR_CUT <= limit or min(rounds) >= limit * CLEAR_CUT


def _extend(attempt: Attempt, limit: float, sampler: Sampler, deadline: Deadline) -> None:
    """Take more rounds (doubling) while the interval holds the limit and they end before the deadline."""

    def in_doubt() -> bool:
        bounds = attempt.interval
        return bounds is not None and contains(bounds, limit) and not clear_cut(attempt, limit)

    more_rounds(
        in_doubt,
        lambda: len(attempt.judged),
        lambda: deadline.fits(_per_round_s(attempt)),
        lambda rounds: attempt.add(sampler.take(rounds)),
    )


def _rounds_for(first: Batch) -> int:
    """Rounds a fresh attempt (re-measurement, confirmation) starts with; more follow as needed.

    About :data:`FRESH_S` worth of rounds, at least :data:`MIN_FRESH_ROUNDS` (enough for an
    interval), never more than the first attempt had, and only those that fit in the time left.
    """
    per_round = max(statistic(first.wall, "median") * first.iterations, 1e-9)
    return max(1, min(len(first.wall), max(MIN_FRESH_ROUNDS, math.floor(FRESH_S / per_round))))


def doubt(attempt: Attempt, limit: float | None) -> str | None:
    """Why a verdict decided on the point estimate is marginal (its note), or None: the limit is in a
    finite 95% interval; or the interval is still open (too few rounds: no 95% statement at all) and
    the point estimate is within :data:`CLEAR_CUT` times the limit, either way."""
    # An open interval cannot say "marginal" with 95% confidence; what it can say is nothing. The
    # point estimate then decides, and it is in doubt only within the margin clear_cut gives central
    # statistics: for the p95 of rounds seen at 0.04x the limit to be over it, one call in twenty
    # would have to take 25 times as long as those seen: a different workload, not noise.
    bounds = attempt.interval
    if limit is None or bounds is None or not contains(bounds, limit):
        return None
    count, stat, text = len(attempt.judged), attempt.stat, _interval_text(bounds)
    rounds = f"{count} round" + ("s" if count != 1 else "")
    if is_finite(bounds):
        return (
            f"marginal: after {rounds} the 95% interval {text} still holds the limit "
            f"{format_time(limit)}; decided on the {stat}"
        )
    ratio = attempt.value / limit
    if ratio <= 1 / CLEAR_CUT or ratio >= CLEAR_CUT:
        return None
    return (
        f"marginal: after {rounds} the 95% interval {text} is still open (a {stat} needs "
        f"{rounds_to_bound(stat)} rounds to be bounded); decided on the {stat}, {ratio:.2f}x the limit "
        f"{format_time(limit)}"
    )


@dataclass
class _Settling:
    """One time verdict being settled: its attempts and notes so far, all within one deadline."""

    first: Batch
    stat: str
    limit: float | None
    sampler: Sampler | None
    policy: Policy
    probe: Probe | None
    deadline: Deadline
    attempts: list[Attempt] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    action: str = "none"
    waited_s: float = 0.0

    @property
    def per_round(self) -> float:
        """Seconds one round takes (the first rounds' median, all iterations)."""
        return max(statistic(self.first.wall, "median") * self.first.iterations, 1e-9)

    @property
    def fresh_s(self) -> float:
        """Seconds a fresh attempt takes (its first rounds)."""
        return _rounds_for(self.first) * self.per_round

    def fresh(self) -> Attempt | None:
        """A fresh attempt, as many of its rounds as the deadline allows (None: no time is left)."""
        if self.sampler is None:
            return None
        rounds = self.deadline.rounds(self.per_round, _rounds_for(self.first))
        if rounds < 1:
            return None
        attempt = Attempt(self.stat)
        attempt.add(self.sampler.take(rounds))
        return attempt

    def begin(self) -> Attempt:
        """The first attempt: the first batch, or on a busy machine a re-measurement in its place."""
        first, limit, current = self.first, self.limit, Attempt(self.stat)
        if not (first.span.factor > CONTENDED and first.wait is None and self.sampler is not None):
            current.add(first)
            return current
        current.add(first, correct=False)
        if current.clearly_under(limit):
            return current  # within the limit even as measured: contention only made it look slower
        levelled, _ = corrected_rounds(first)
        again = None
        if limit is None or not current.clearly_under(limit * LEVELLED_MARGIN, levelled):
            again = self.fresh()  # not far within the limit once the total wait is taken out
        if again is None:
            current = Attempt(self.stat)
            current.add(first)  # judged with the total wait taken out of the slowest rounds
            return current
        busy = f"{first.span.factor:.2f}x slower than quiet"
        current.set_aside = f"contended ({busy})"
        self.attempts.append(current)
        self.action = "remeasured"
        self.notes.append(
            f"contention: the machine was busy ({busy}) during pytest-benchmark's rounds; perfgate "
            "measured again, taking other processes' time out"
        )
        return again

    def run(self, current: Attempt) -> None:
        """Take more rounds where the interval holds the limit; confirm an over-limit attempt."""
        sampler, limit = self.sampler, self.limit

        def extend(attempt: Attempt) -> None:
            if limit is not None and sampler is not None:
                _extend(attempt, limit, sampler, self.deadline)

        self.attempts += confirmed(
            current,
            over=lambda attempt: attempt.over(limit) and sampler is not None,
            fresh=self.confirmation,
            times=self.policy.confirm,
            extend=extend,
            retry=self.set_aside_if_slow,
        )

    def set_aside_if_slow(self, current: Attempt) -> bool:
        """Over the limit on a slow CPU: set it aside and wait for the CPU (no confirmation spent)."""
        slow = max(batch.span.speed for batch in current.batches)
        if self.probe is None or slow <= 1.0 or self.deadline.for_rounds() <= self.fresh_s:
            return False
        current.set_aside = f"slow CPU ({slow:.2f}x slower than the session's fastest)"
        self.waited_s += _await_speed(self.probe, self.policy, self.deadline, self.fresh_s)
        return True

    def confirmation(self, current: Attempt) -> Attempt | None:
        """A fresh attempt after ``current``; None (``current`` then counts) when no time is left."""
        fresh = self.fresh()
        if fresh is None:
            current.set_aside = ""
            self.notes.append(
                f"not confirmed: --perfgate-max-time ({self.deadline.max_time:g} s) was spent "
                "before a fresh measurement"
            )
        return fresh

    def decision(self) -> Decision:
        """The decision on the last attempt, with notes on how it was arrived at."""
        final, limit, notes = self.attempts[-1], self.limit, self.notes
        counted = [attempt for attempt in self.attempts if not attempt.set_aside]
        if any(attempt.corrected for attempt in counted) and self.action == "none":
            self.action = "corrected"
            worst = max(batch.span.factor for attempt in counted for batch in attempt.batches)
            notes.append(
                f"contention: the machine was busy (up to {worst:.2f}x slower than quiet); judged on the "
                "rounds with other processes' time taken out"
            )
        if self.waited_s > 0:
            slowest = max(batch.span.speed for attempt in self.attempts for batch in attempt.batches)
            if self.action != "remeasured":
                self.action = "waited"
            notes.append(
                f"contention: the CPU ran {slowest:.2f}x slower than the session's fastest (a busy "
                f"host?); perfgate waited {self.waited_s:.1f} s for it before measuring again"
            )
        if len(counted) > 1 and not final.over(limit) and limit is not None:
            notes.append(
                f"over the limit at first ({format_time(counted[0].value)} > {format_time(limit)}), "
                f"not confirmed by a fresh measurement ({format_time(final.value)})"
            )
        if limit is not None and final.over(limit) and self.sampler is None:
            notes.append("not confirmed: perfgate cannot repeat this measurement")
        marginal = doubt(final, limit)
        if marginal is not None:
            notes.append(marginal)
        method = " + ".join(dict.fromkeys(batch.source for batch in final.batches))
        if final.corrected:
            method += ", corrected for contention"
        timing = Timing(data=final.judged, method=method, traced=any(batch.traced for batch in final.batches))
        raw = statistic(self.first.wall, self.stat) if self.first.wall else None
        return Decision(
            timing, self.stat, limit, final.interval, marginal is not None, self.attempts, self.action, notes,
            self.waited_s, raw,
        )  # fmt: skip


def settle(
    first: Batch,
    stat: str,
    limit: float | None,
    sampler: Sampler | None,
    policy: Policy,
    probe: Probe | None = None,
    deadline: Deadline | None = None,
) -> Decision:
    """Decide which rounds the time verdict rests on, taking more from ``sampler`` where needed.

    ``limit`` is the tightest time the statistic must stay under (None: only summarise). Without a
    sampler the verdict is on the first batch, corrected for contention as well as it can be. Every
    stage takes its rounds within ``deadline`` (None: now + ``policy.max_time``).
    """
    deadline = deadline or Deadline(policy.max_time, policy.clock)
    if first.wall:
        deadline.learn(statistic(first.wall, "median"))  # rounds are per call
    settling = _Settling(first, stat, limit, sampler, policy, probe, deadline)
    settling.run(settling.begin())
    return settling.decision()


def _await_speed(probe: Probe, policy: Policy, deadline: Deadline, reserve: float) -> float:
    """Wait (at most :data:`SLOW_WAIT_S`, keeping ``reserve`` seconds before the deadline) until the
    probe runs at full speed again."""
    start = policy.clock()
    until = min(deadline.at - deadline.reserved_s - reserve, start + SLOW_WAIT_S)
    while (now := policy.clock()) < until:
        if max(probe.factor() for _ in range(PROBES_PER_END)) <= CONTENDED:
            break
        policy.sleep(min(POLL_S, until - now))
    return policy.clock() - start


def _interval_text(bounds: Interval | None) -> str:
    if bounds is None:
        return "(none)"
    low, high = bounds
    low_text = "-inf" if low is None else format_time(low)
    high_text = "inf" if high is None else format_time(high)
    return f"[{low_text}, {high_text}]"
