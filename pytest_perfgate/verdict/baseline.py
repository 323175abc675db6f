"""``--perfgate-baseline OLD.json``: a test that got slower than in an earlier report fails, by the
rule of :mod:`.regression` (as ``perfgate compare``); a test missing from the baseline is new."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .regression import (
    COUNT_MAX_REGRESSION,
    INCOMPARABLE,
    INSTRUCTIONS,
    REGRESSED,
    Figures,
    Regression,
    judge,
    shown_change,
    shown_figure,
)

if TYPE_CHECKING:
    from ..reports.model import Report


@dataclass(frozen=True)
class Baseline:
    """The tests of a baseline report, by node id (those without time figures map to None)."""

    path: str
    tests: Mapping[str, Figures | None]
    max_regression: float = 0.10
    max_count_regression: float = COUNT_MAX_REGRESSION

    @classmethod
    def of(
        cls, report: Report, path: str, max_regression: float = 0.10, max_count: float = COUNT_MAX_REGRESSION
    ) -> Baseline:
        tests = {record.nodeid: Figures.of(record) for record in report.tests}
        return cls(path, tests, max_regression, max_count)

    def limit(self, nodeid: str, stat: str) -> float | None:
        """The time the statistic must stay under not to count as a regression, if the test has one."""
        old = self.tests.get(nodeid)
        value = None if old is None else old.value_for(stat)
        return None if value is None else value * (1 + self.max_regression)


def load(path: str | Path, max_regression: float = 0.10, max_count: float = COUNT_MAX_REGRESSION) -> Baseline:
    """Read a baseline report; raises ``ReportError`` naming the file (and the field) at fault."""
    from ..reports.reader import read_report

    return Baseline.of(read_report(path), str(path), max_regression, max_count)


def _phrase(result: Regression) -> str:
    assert result.new_s is not None and result.old_s is not None and result.ratio is not None
    stat = result.stat
    what = "instructions" if stat == INSTRUCTIONS else f"time {stat}"
    return (
        f"{what} {shown_figure(stat, result.new_s)} vs baseline {shown_figure(stat, result.old_s)}: "
        f"{shown_change(stat, result.ratio - 1)} > allowed {shown_change(stat, result.max_regression)} "
        f"({result.basis})"
    )


def review(baseline: Baseline, nodeid: str, new: Figures) -> tuple[dict[str, Any], str | None, str | None]:
    """The test's comparison with the baseline: its ``baseline`` entry, a note, and the phrase of a
    regression (None when it did not regress). Instruction counts are compared when both sides have them."""
    if nodeid not in baseline.tests:
        return {"status": "new"}, "new since the baseline", None
    old = baseline.tests[nodeid]
    result = judge(old, new, baseline.max_regression, None, baseline.max_count_regression)
    entry: dict[str, Any] = {**result.to_dict(), "path": baseline.path}
    if old is None:
        entry["reason"] = "the baseline has no time for this test"
    elif result.status == INCOMPARABLE:
        entry["reason"] = f"the baseline has no {result.stat} for this test"
    return entry, None, _phrase(result) if result.status == REGRESSED else None
