"""The one record per performance test that every report reads: flat ``perfgate.*`` junit properties
and ``perfgate.record`` (the whole record as JSON) on ``item.user_properties``, so it reaches the
xdist controller inside the test report."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

RECORD_PROPERTY = "perfgate.record"

PASS = "pass"
FAIL = "fail"
WARN = "warn"
NOT_MEASURED = "not-measured"
VERDICTS = (PASS, FAIL, WARN, NOT_MEASURED)


@dataclass(frozen=True)
class TimeFigures:
    """Round times (seconds per call) and the statistic compared with the budget."""

    stat: str
    value_s: float
    budget_s: float | None
    ratio: float | None
    rounds: int
    min: float
    median: float
    mean: float
    max: float
    stddev: float
    data: list[float] = field(default_factory=list)
    method: str = "pytest-benchmark"
    traced: bool = False
    #: CPU (process) time of one measured call, beside its wall time ``value_s``: the statistic times
    #: the CPU share (process CPU / wall) of the span that took the rounds.
    cpu_s: float | None = None
    #: Distribution-free 95% confidence interval of the statistic, when one was computed.
    ci_low: float | None = None
    ci_high: float | None = None
    #: The statistic of the first rounds as they were measured (pytest-benchmark's own figure),
    #: beside ``value_s``, perfgate's, which may differ: see ``corrected`` and the notes.
    raw_value_s: float | None = None
    #: ``value_s`` comes from rounds with other processes' time taken out (contention).
    corrected: bool = False


@dataclass(frozen=True)
class MemoryFigures:
    """Peak memory of one measured call (``peak_bytes`` is None when it was not measured)."""

    peak_bytes: int | None
    budget_bytes: int | None
    ratio: float | None
    backend: str | None
    reason: str = ""


@dataclass(frozen=True)
class InstructionFigures:
    """Instructions counted in the measured call (``--perfgate-measure=instructions``): the median of
    the counted calls, the estimated cycles (with cache simulation), the budget and the ratio."""

    count: int
    cycles_est: int | None
    budget: int | None
    ratio: float | None
    rounds: int = 1
    #: What was counted: "perfgate fixture", "benchmark fixture" or "test body".
    method: str = ""


@dataclass(frozen=True)
class Record:
    """Figures, budget and verdict of one performance test."""

    nodeid: str
    target: str | None
    verdict: str
    reason: str = ""
    message: str = ""
    marginal: bool = False
    time: TimeFigures | None = None
    memory: MemoryFigures | None = None
    notes: list[str] = field(default_factory=list)
    #: Every measurement taken for the verdict (confirmations, re-measurements), oldest first.
    attempts: list[dict[str, Any]] = field(default_factory=list)
    #: What the contention probe saw during the measurement, if anything.
    contention: dict[str, Any] | None = None
    #: The comparison with ``--perfgate-baseline``, if one was given.
    baseline: dict[str, Any] | None = None
    #: cProfile rows of one call: function, file, line, calls, total_s, cumulative_s.
    profile: list[dict[str, Any]] = field(default_factory=list)
    #: Top allocation sites of the measured call: location ("file:line"), bytes, count.
    allocations: list[dict[str, Any]] = field(default_factory=list)
    #: Results of the gates beyond one call, by kind: {"scaling": {"exponent": 1.02, ...}, ...}.
    extra: dict[str, Any] = field(default_factory=dict)
    #: pytest's outcome of the test (``reports.outcome.OUTCOMES``), set by the reports from its report.
    outcome: str | None = None
    #: Instruction counts, in instructions mode.
    instructions: InstructionFigures | None = None

    @property
    def worst_ratio(self) -> float:
        """The largest of the time, memory and gate (``extra[kind]["ratio"]``) ratios; 0 if none."""
        ratios = [
            figures.ratio
            for figures in (self.time, self.memory, self.instructions)
            if figures is not None and figures.ratio is not None
        ]
        ratios += [
            float(value["ratio"])
            for value in self.extra.values()
            if isinstance(value, Mapping) and isinstance(value.get("ratio"), (int, float))
        ]
        return max(ratios, default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        values = dict(data)
        time = values.pop("time", None)
        memory = values.pop("memory", None)
        counts = values.pop("instructions", None)
        return cls(
            **values,
            time=None if time is None else TimeFigures(**time),
            memory=None if memory is None else MemoryFigures(**memory),
            instructions=None if counts is None else InstructionFigures(**counts),
        )

    def to_properties(self) -> list[tuple[str, object]]:
        """The junit properties (those that apply) followed by the whole record as JSON."""
        properties: list[tuple[str, object]] = [("perfgate.verdict", self.verdict)]
        if self.marginal:
            properties.append(("perfgate.marginal", "true"))
        if self.target is not None:
            properties.append(("perfgate.target", self.target))
        if self.time is not None:
            properties += [
                ("perfgate.time.stat", self.time.stat),
                ("perfgate.time.value_s", self.time.value_s),
            ]
            if self.time.budget_s is not None:
                properties.append(("perfgate.time.budget_s", self.time.budget_s))
            if self.time.ratio is not None:
                properties.append(("perfgate.time.ratio", round(self.time.ratio, 4)))
        if self.memory is not None:
            if self.memory.peak_bytes is not None:
                properties.append(("perfgate.memory.peak_bytes", self.memory.peak_bytes))
            if self.memory.budget_bytes is not None:
                properties.append(("perfgate.memory.budget_bytes", self.memory.budget_bytes))
        if self.instructions is not None:
            properties.append(("perfgate.instructions", self.instructions.count))
            if self.instructions.cycles_est is not None:
                properties.append(("perfgate.cycles_est", self.instructions.cycles_est))
            if self.instructions.budget is not None:
                properties.append(("perfgate.instructions.budget", self.instructions.budget))
        properties += _scalar_properties("perfgate", self.extra)
        properties.append((RECORD_PROPERTY, json.dumps(self.to_dict(), separators=(",", ":"))))
        return properties

    @classmethod
    def from_properties(cls, properties: Iterable[tuple[str, object]]) -> Record | None:
        """The record among a test report's user properties, if it carries one."""
        for name, value in properties:
            if name == RECORD_PROPERTY and isinstance(value, str):
                return cls.from_dict(json.loads(value))
        return None


def _scalar_properties(prefix: str, values: Mapping[str, Any]) -> list[tuple[str, object]]:
    """Flatten nested dicts into dotted names, keeping numbers and strings (booleans as 0/1 are not)."""
    properties: list[tuple[str, object]] = []
    for key, value in values.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            properties += _scalar_properties(name, value)
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            properties.append((name, value))
    return properties
