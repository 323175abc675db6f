"""Deciding a time verdict on noisy rounds: confidence, more rounds, confirmation, contention.

The verdict asks the measurement for more rounds through a :class:`~.measure.sampling.Sampler`:

1. Contention. Every batch of rounds carries a :class:`~.measure.contention.Span` saying how long
   other processes kept it from a CPU (the run-queue wait where the kernel reports it, else the load
   the reference probe sees). Above :data:`CONTENDED`, rounds are judged with that time taken out
   (per round: wall minus wait, never below the round's CPU time). pytest-benchmark's rounds have no
   per-round figures, only their batch's total wait: taken on a busy machine and not clearly within
   the limit as they stand, they get the total wait taken off the slowest rounds (:func:`level_off`);
   if that leaves them clearly within 80% of the limit they are judged so, otherwise they are set
   aside and measured again here, round by round. A slower CPU (a busy host), which the probe sees but
   the scheduler does not, is not divided out: an attempt over the limit on a slow CPU is set aside,
   and the verdict waits for the CPU to speed up and measures again, while ``max_time`` lasts.
2. Confidence. While the 95% interval of the statistic (see :mod:`.measure.intervals`) holds the limit,
   more rounds are taken (doubling, within ``max_time`` per test). If it still holds it, the verdict is
   decided on the point estimate and marked marginal.
3. Confirmation. An attempt over the limit is followed by a fresh one (``confirm`` times). The test
   fails only if every attempt is over: a transient slowdown must strike every attempt to fail a test
   (false fails fall from p to about p^(confirm+1)), while a real regression is over in every attempt
   and still fails; a regression just at the limit, over in only some attempts, may pass (a miss).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from ..config.targets import Gate
from ..measure.contention import CONTENDED, PROBES_PER_END, Probe, ReferenceProbe, Span, Watch
from ..measure.deadline import Deadline
from ..measure.sampling import Batch, Sampler
from ..measure.timing import Timing
from ..quantities import format_time
from ..record import FAIL, Record
from ..runtest import session as keys
from ..stats.intervals import Interval, contains, has_interval, interval, is_finite, rounds_to_bound
from ..stats.summary import statistic
from . import baseline

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


def level_off(rounds: Sequence[float], excess: float) -> list[float]:
    """Take ``excess`` seconds (per call) out of the slowest rounds, levelling them down from the top.

    Used where the time other processes took is known only in total: a round that waited for a CPU
    is one of the slow ones, so the total comes off the top. A wait spread over every round (long
    rounds, each slowed alike) levels them all, which is dividing by the factor.
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
    level = max(level, ordered[-1] * 1e-3)
    return [min(value, level) for value in rounds]


def corrected_rounds(batch: Batch) -> tuple[list[float], bool]:
    """The batch's rounds with other processes' time taken out, and whether it was contended.

    Per round, its wall time less the time it waited for a CPU: measured where the kernel reports it,
    else implied by the probes (CPU time x (load - 1)); never below its CPU time. With totals only
    (pytest-benchmark's rounds), the total wait is taken off the slowest rounds (:func:`level_off`).

    A slower CPU is not corrected: a pure-Python probe and a workload feel a busy host differently
    (caches, memory bandwidth), and dividing by the probe could hide a real regression. Instead the
    verdict waits for the CPU's speed to come back before a confirmation (see :func:`settle`).
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

    def apply(self, record: Record) -> Record:
        """The record with the interval, marginal flag, attempts, contention and notes filled in."""
        if record.time is None:
            return record
        low, high = self.interval if self.interval is not None else (None, None)
        message = record.message
        if record.verdict == FAIL and record.time.ratio is not None and record.time.ratio > 1:
            counted = self.counted
            if len(counted) > 1:
                values = ", ".join(format_time(attempt.value) for attempt in counted)
                message += f"; over in all {len(counted)} measurements ({values})"
            if self.marginal:
                message += " [marginal]"
        corrected = bool(self.counted) and self.counted[-1].corrected
        time = replace(
            record.time, ci_low=low, ci_high=high, raw_value_s=self.raw_value_s, corrected=corrected
        )
        return replace(
            record,
            message=message,
            marginal=self.marginal,
            time=time,
            attempts=[attempt.to_dict() for attempt in self.attempts],
            contention=self.contention,
            notes=[*record.notes, *self.notes],
        )


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
    while True:
        bounds = attempt.interval
        if bounds is None or not contains(bounds, limit) or clear_cut(attempt, limit):
            return
        rounds = min(max(len(attempt.judged), 1), deadline.fits(_per_round_s(attempt)))
        if rounds < 1:
            return
        attempt.add(sampler.take(rounds))


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
        confirmations = self.policy.confirm
        while True:
            if self.limit is not None and self.sampler is not None:
                _extend(current, self.limit, self.sampler, self.deadline)
            self.attempts.append(current)
            if not current.over(self.limit) or self.sampler is None:
                return
            slow = max(batch.span.speed for batch in current.batches)
            if self.probe is not None and slow > 1.0 and self.deadline.remaining() > self.fresh_s:
                # Over the limit on a slow CPU: set aside, wait for the CPU, and measure again.
                current.set_aside = f"slow CPU ({slow:.2f}x slower than the session's fastest)"
                self.waited_s += _await_speed(self.probe, self.policy, self.deadline, self.fresh_s)
            elif confirmations < 1:
                return
            else:
                confirmations -= 1
            fresh = self.fresh()
            if fresh is None:
                current.set_aside = ""  # no time for another: this attempt counts after all
                self.notes.append(
                    f"not confirmed: --perfgate-max-time ({self.deadline.max_time:g} s) was spent "
                    "before a fresh measurement"
                )
                return
            current = fresh

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
    settling = _Settling(
        first, stat, limit, sampler, policy, probe, deadline or Deadline(policy.max_time, policy.clock)
    )
    settling.run(settling.begin())
    return settling.decision()


def _await_speed(probe: Probe, policy: Policy, deadline: Deadline, reserve: float) -> float:
    """Wait (at most :data:`SLOW_WAIT_S`, keeping ``reserve`` seconds before the deadline) until the
    probe runs at full speed again."""
    start = policy.clock()
    until = min(deadline.at - reserve, start + SLOW_WAIT_S)
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


# --- the session's side: settings, the probe, the tightest limit -------------------------------------


def probe_for(config: pytest.Config) -> ReferenceProbe:
    """This process's reference probe (one per session; its baseline is taken at first use)."""
    probe = config.stash.get(keys.PROBE, None)
    if probe is None:
        probe = config.stash[keys.PROBE] = ReferenceProbe()
    return probe


def deadline_for(config: pytest.Config) -> Deadline:
    """The deadline of one test's time verdict: ``--perfgate-max-time`` from now."""
    return Deadline(config.stash[keys.SETTINGS].max_time)


def policy_for(config: pytest.Config) -> Policy:
    settings = config.stash[keys.SETTINGS]
    return Policy(confirm=settings.confirm, max_time=settings.max_time)


def watch_for(config: pytest.Config) -> Watch:
    """A watch on the machine for one measurement (run-queue wait, reference probe)."""
    return Watch(probe_for(config))


def limit_for(config: pytest.Config, nodeid: str, gate: Gate) -> float | None:
    """The tightest time the test's statistic must stay under: its budget or its baseline's limit."""
    limits = [
        value for value in (gate.time, baseline.limit_for(config, nodeid, gate.stat)) if value is not None
    ]
    return min(limits, default=None)


def settle_for(
    config: pytest.Config,
    nodeid: str,
    gate: Gate,
    timing: Timing,
    span: Span,
    sampler: Sampler | None,
    iterations: int = 1,
    whole: bool = False,
    deadline: Deadline | None = None,
) -> Decision:
    """Settle the time verdict of rounds pytest-benchmark (or a test body) measured during ``span``,
    within ``deadline`` (the one made before those rounds: see :func:`deadline_for`)."""
    first = first_batch(timing, span, iterations, whole)
    limit = limit_for(config, nodeid, gate)
    policy = policy_for(config)
    decision = settle(first, gate.stat, limit, sampler, policy, probe_for(config), deadline)
    # the CPU share of the first rounds' span stands for the rounds judged (same code, same calls)
    return replace(decision, timing=replace(decision.timing, cpu_share=timing.cpu_share))


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
