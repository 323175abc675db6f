"""What the history holds: runs, each with its tests' results, and the error every store raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..measure.machine import Machine
from ..record import Record
from ..stats.summary import statistic


class HistoryError(Exception):
    """The history store could not be opened, read or written; the message names the store."""


class Result(NamedTuple):
    """One test's figures in one run (the whole record only when it was asked for).

    A named tuple, not a dataclass: a history holds hundreds of thousands of them.
    """

    nodeid: str
    verdict: str
    target: str | None = None
    stat: str | None = None
    value_s: float | None = None
    budget_s: float | None = None
    ratio: float | None = None
    peak_bytes: int | None = None
    memory_budget_bytes: int | None = None
    rounds: tuple[float, ...] = ()
    record: Record | None = None

    @classmethod
    def from_record(cls, record: Record) -> Result:
        time, memory = record.time, record.memory
        return cls(
            nodeid=record.nodeid,
            verdict=record.verdict,
            target=record.target,
            stat=time.stat if time else None,
            value_s=time.value_s if time else None,
            budget_s=time.budget_s if time else None,
            ratio=time.ratio if time else None,
            peak_bytes=memory.peak_bytes if memory else None,
            memory_budget_bytes=memory.budget_bytes if memory else None,
            rounds=tuple(time.data) if time else (),
            record=record,
        )

    def figure(self, stat: str) -> float | None:
        """The time statistic ``stat`` of this run: the stored one, or computed from the raw rounds."""
        if self.stat == stat and self.value_s is not None:
            return self.value_s
        if self.rounds:
            return statistic(self.rounds, stat)
        return None


@dataclass(frozen=True)
class Run:
    """One pytest session's performance results, with where and on what code they were measured."""

    started_at: str
    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None
    machine: Machine = field(default_factory=Machine)
    perfgate: str | None = None
    results: tuple[Result, ...] = ()
    id: int | None = None

    def label(self) -> str:
        """``2024-05-07 10:22 UTC, commit abc1234 (main)``: how messages name a run."""
        when = self.started_at.replace("T", " ")[:16] + " UTC"
        if not self.commit:
            return f"{when} (no commit recorded)"
        text = f"{when}, commit {self.commit[:10]}"
        if self.dirty:
            text += " (dirty)"
        if self.branch:
            text += f" ({self.branch})"
        return text
