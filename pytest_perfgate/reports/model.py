"""One run's report: settings, targets, machine and the records, as every file report writes it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config.settings import Settings
from ..config.targets import Budget
from ..record import Record
from .outcome import SHOWN, shown

#: The ``schema`` value of a JSON report; a reader refuses any other.
SCHEMA = "pytest-perfgate/1"


#: What an incomplete report lacks (a run stopped early, or a merge missing a shard).
INCOMPLETE = "the run stopped before its end or a shard is missing; tests that did not run are not in it"


@dataclass(frozen=True)
class Report:
    """Everything a report file holds. ``complete`` is False when the run stopped before its end."""

    tests: tuple[Record, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)
    targets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    machine: Mapping[str, Any] = field(default_factory=dict)
    complete: bool = True
    created: str = ""
    duration_s: float | None = None
    exit_status: int | None = None
    #: Run-level warnings (e.g. times taken while other tests ran under xdist).
    warnings: tuple[str, ...] = ()
    #: For a merged report: where each part came from (path, created, complete).
    merged_from: tuple[Mapping[str, Any], ...] = ()
    #: ``[tool.perfgate.tests]`` patterns that matched no test: pattern, file, line, message (each
    #: message is in ``warnings`` too).
    unmatched_patterns: tuple[Mapping[str, Any], ...] = ()
    schema: str = SCHEMA

    @property
    def counts(self) -> dict[str, int]:
        """How many tests each report shows with each verdict (:func:`.outcome.shown`: an expected
        failure is an ``xfail``, as pytest counts it), every one present, zeros included."""
        counts = dict.fromkeys(SHOWN, 0)
        for record in self.tests:
            counts[shown(record)] += 1
        return counts

    def record(self, nodeid: str) -> Record | None:
        return next((record for record in self.tests if record.nodeid == nodeid), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see the README's "JSON report" section)."""
        return {
            "schema": self.schema,
            "complete": self.complete,
            "created": self.created,
            "duration_s": self.duration_s,
            "exit_status": self.exit_status,
            "settings": dict(self.settings),
            "targets": {name: dict(row) for name, row in self.targets.items()},
            "machine": dict(self.machine),
            "warnings": list(self.warnings),
            "merged_from": [dict(part) for part in self.merged_from],
            "unmatched_patterns": [dict(item) for item in self.unmatched_patterns],
            "counts": self.counts,
            "tests": [record.to_dict() for record in self.tests],
        }


def counts_line(counts: Mapping[str, int]) -> str:
    """``"3 tests: 2 pass, 1 fail"``: the verdicts that occur, in their usual order."""
    total = sum(counts.values())
    parts = [f"{number} {verdict}" for verdict, number in counts.items() if number]
    noun = "test" if total == 1 else "tests"
    return f"{total} performance {noun}" + (": " + ", ".join(parts) if parts else "")


def settings_dict(settings: Settings, time_scale: float) -> dict[str, Any]:
    """The settings in force as JSON: every scalar setting, the test patterns and where each came from."""
    values: dict[str, Any] = {}
    for setting in dataclasses.fields(settings):
        value = getattr(settings, setting.name)
        if value is None or isinstance(value, (str, int, float, bool)):
            values[setting.name] = value
    values["time_scale"] = time_scale
    values["tests"] = [
        {
            "pattern": row.pattern,
            "target": row.target,
            "budget": None if row.budget is None else str(row.budget),
        }
        for row in settings.tests
    ]
    values["sources"] = dict(settings.sources)
    return values


def targets_dict(targets: Mapping[str, Budget]) -> dict[str, dict[str, Any]]:
    """The targets table in force (unscaled), each row with its budgets and its spec text."""
    return {
        name: {
            "time_s": budget.time,
            "memory_bytes": budget.memory,
            **({"instructions": budget.instructions} if budget.instructions is not None else {}),
            "spec": str(budget),
        }
        for name, budget in sorted(targets.items())
    }


def by_nodeid(records: Iterable[Record]) -> Sequence[Record]:
    """Records in node-id order (a stable order for files that are diffed)."""
    return sorted(records, key=lambda record: record.nodeid)
