"""The one regression rule (``--perfgate-baseline`` and ``perfgate compare``): the statistic grew by
more than allowed and, where both sides have raw rounds, a one-sided Mann-Whitney U test (p < 0.01)
agrees; where both sides have instruction counts, the counts grew by more than their own limit (1%)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..quantities import format_instructions, format_time
from ..record import InstructionFigures, Record, TimeFigures
from ..stats.ranks import p_greater, smallest_p
from ..stats.summary import statistic

#: Significance level of the rank test.
ALPHA = 0.01
#: The "statistic" of an instruction-count comparison, and its default allowed growth.
INSTRUCTIONS = "instructions"
COUNT_MAX_REGRESSION = 0.01
REGRESSED, NOT_SIGNIFICANT, FASTER, UNCHANGED, INCOMPARABLE = (
    "regressed",
    "not-significant",
    "faster",
    "unchanged",
    "incomparable",
)


def shown_figure(stat: str, value: float) -> str:
    """A figure of ``stat`` as the reports write it: an instruction count, or a time."""
    return format_instructions(value) if stat == INSTRUCTIONS else format_time(value)


def shown_change(stat: str, change: float) -> str:
    """A signed relative change of ``stat``: to 0.01% for counts (allowed 1%), to 1% for times."""
    return f"{change:+.2%}" if stat == INSTRUCTIONS else f"{change:+.0%}"


@dataclass(frozen=True)
class Figures:
    """One side's time figures of a test, as judged: the statistic, its value and the rounds."""

    stat: str
    value_s: float
    data: tuple[float, ...] = ()
    #: min, median, mean and max as reported, for a report without its rounds.
    summary: Mapping[str, float] = field(default_factory=dict)
    #: Whether the rounds were judged with other processes' time taken out (contention).
    corrected: bool = False
    #: The instruction count, in instructions mode (then ``stat`` is "instructions" when there is no time).
    instructions: int | None = None

    @classmethod
    def of(cls, record: Record | None) -> Figures | None:
        """The figures the record's verdict was decided on (None when it has no time and no count)."""
        return None if record is None else cls.of_parts(record.time, record.contention, record.instructions)

    @classmethod
    def of_parts(
        cls,
        time: TimeFigures | None,
        contention: Mapping[str, Any] | None,
        counts: InstructionFigures | None,
    ) -> Figures | None:
        """The figures of a time (its contention says whether it was corrected) and an instruction count,
        either of which may be missing."""
        count = None if counts is None else counts.count
        if time is None:
            return None if count is None else cls(INSTRUCTIONS, float(count), instructions=count)
        action = (contention or {}).get("action")
        corrected = "corrected for contention" in time.method or action == "corrected"
        summary = {"min": time.min, "median": time.median, "mean": time.mean, "max": time.max}
        return cls(time.stat, time.value_s, tuple(time.data), summary, corrected, count)

    def value_for(self, stat: str) -> float | None:
        """The statistic: as judged when it is the one judged, else from the rounds or the summary."""
        if stat == self.stat:
            return self.value_s
        if stat == INSTRUCTIONS:
            return None if self.instructions is None else float(self.instructions)
        if self.data:
            return statistic(self.data, stat)
        return self.summary.get(stat)


@dataclass(frozen=True)
class Regression:
    """The rule's answer for one test, with the figures it used."""

    status: str
    stat: str
    old_s: float | None
    new_s: float | None
    max_regression: float
    p_value: float | None = None
    old_rounds: int = 0
    new_rounds: int = 0
    #: "judged" when either side's rounds were corrected for contention, else "measured".
    figures: str = "measured"
    reason: str = ""

    @property
    def ratio(self) -> float | None:
        if self.old_s is None or self.new_s is None or self.old_s <= 0:
            return None
        return self.new_s / self.old_s

    @property
    def basis(self) -> str:
        """What decided: the rank test's p-value, or why the ratio decided alone."""
        if self.stat == INSTRUCTIONS:
            return "instruction counts are deterministic: no rank test"
        if self.p_value is not None:
            test = f"Mann-Whitney p={self.p_value:.2g} on {self.new_rounds} vs {self.old_rounds} rounds"
        elif self.old_rounds and self.new_rounds:
            test = f"too few rounds for a rank test ({self.new_rounds} vs {self.old_rounds})"
        else:
            test = "no raw rounds for a rank test"
        if self.figures == "judged":
            test += "; rounds corrected for contention"
        return test

    def to_dict(self) -> dict[str, Any]:
        """As a record's ``baseline`` entry."""
        if self.status == INCOMPARABLE:
            return {"status": self.status, "reason": self.reason}
        ratio = self.ratio
        return {
            "status": self.status,
            "stat": self.stat,
            "value_s": self.new_s,
            "baseline_s": self.old_s,
            "change": None if ratio is None else ratio - 1,
            "max_regression": self.max_regression,
            "p_value": self.p_value,
            "rounds": self.new_rounds,
            "baseline_rounds": self.old_rounds,
            "figures": self.figures,
            **({"basis": self.basis} if self.status in (REGRESSED, NOT_SIGNIFICANT) else {}),
        }


def judge(
    old: Figures | None,
    new: Figures | None,
    max_regression: float,
    stat: str | None = None,
    max_count_regression: float = COUNT_MAX_REGRESSION,
) -> Regression:
    """Whether ``new`` regressed against ``old`` on ``stat`` (default: the one ``new`` was judged on);
    on the instruction counts, with ``max_count_regression``, when both sides have them."""
    if old and new and old.instructions and new.instructions and stat in (None, INSTRUCTIONS):
        stat, max_regression = INSTRUCTIONS, max_count_regression
    chosen = stat or (new.stat if new else None) or (old.stat if old else None) or "median"
    if old is None or new is None:
        side = "old" if old is None else "new"
        return Regression(
            INCOMPARABLE, chosen, None, None, max_regression, reason=f"the {side} side has no time"
        )
    old_s, new_s = old.value_for(chosen), new.value_for(chosen)
    figures = "judged" if old.corrected or new.corrected else "measured"
    if old_s is None or new_s is None or old_s <= 0:
        reason = f"no {chosen} on both sides" if old_s is None or new_s is None else f"the old {chosen} is 0"
        return Regression(INCOMPARABLE, chosen, old_s, new_s, max_regression, figures=figures, reason=reason)
    sizes = len(old.data), len(new.data)
    p_value = None
    if new_s > old_s * (1 + max_regression):
        if all(sizes) and smallest_p(*sizes) < ALPHA:
            p_value = p_greater(new.data, old.data)
        status = REGRESSED if p_value is None or p_value < ALPHA else NOT_SIGNIFICANT
    elif new_s * (1 + max_regression) < old_s:
        status = FASTER
    else:
        status = UNCHANGED
    return Regression(status, chosen, old_s, new_s, max_regression, p_value, *sizes, figures)
