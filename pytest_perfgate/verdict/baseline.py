"""``--perfgate-baseline OLD.json``: a test that got slower than in an earlier report fails, by the
rule of :mod:`.regression` (as ``perfgate compare``); a test missing from the baseline is new."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..quantities import format_time
from ..record import FAIL, NOT_MEASURED, WARN, Record
from ..runtest import session as keys
from .regression import INCOMPARABLE, REGRESSED, Figures, Regression, judge

if TYPE_CHECKING:
    from ..reports.model import Report


@dataclass(frozen=True)
class Baseline:
    """The tests of a baseline report, by node id (those without time figures map to None)."""

    path: str
    tests: Mapping[str, Figures | None]
    max_regression: float = 0.10

    @classmethod
    def of(cls, report: Report, path: str, max_regression: float = 0.10) -> Baseline:
        return cls(path, {record.nodeid: Figures.of(record) for record in report.tests}, max_regression)

    def limit(self, nodeid: str, stat: str) -> float | None:
        """The time the statistic must stay under not to count as a regression, if the test has one."""
        old = self.tests.get(nodeid)
        value = None if old is None else old.value_for(stat)
        return None if value is None else value * (1 + self.max_regression)


def load(path: str | Path, max_regression: float = 0.10) -> Baseline:
    """Read a baseline report; raises ``ReportError`` naming the file (and the field) at fault."""
    from ..reports.reader import read_report

    return Baseline.of(read_report(path), str(path), max_regression)


def configure(config: pytest.Config, max_regression: float) -> None:
    """Load ``--perfgate-baseline`` into ``config.stash``; a bad file is a usage error."""
    path = config.getoption("perfgate_baseline", None)
    if not path:
        return
    from ..reports.reader import ReportError

    try:
        config.stash[keys.BASELINE] = load(path, max_regression)
    except ReportError as error:
        raise pytest.UsageError(f"perfgate: --perfgate-baseline: {error}") from None


def limit_for(config: pytest.Config, nodeid: str, stat: str) -> float | None:
    """The baseline's limit on the test's statistic, when a baseline holds the test."""
    baseline = config.stash.get(keys.BASELINE, None)
    return None if baseline is None else baseline.limit(nodeid, stat)


def _phrase(result: Regression) -> str:
    assert result.new_s is not None and result.old_s is not None and result.ratio is not None
    return (
        f"time {result.stat} {format_time(result.new_s)} vs baseline {format_time(result.old_s)}: "
        f"{result.ratio - 1:+.0%} > allowed +{result.max_regression:.0%} ({result.basis})"
    )


def review(config: pytest.Config, record: Record, mode: str) -> Record:
    """The record with its comparison against the baseline; a regression fails it (or warns)."""
    baseline = config.stash.get(keys.BASELINE, None)
    if baseline is None or mode == "off" or record.verdict == NOT_MEASURED or record.time is None:
        return record
    if record.nodeid not in baseline.tests:
        return replace(record, baseline={"status": "new"}, notes=[*record.notes, "new since the baseline"])
    old = baseline.tests[record.nodeid]
    result = judge(old, Figures.of(record), baseline.max_regression, record.time.stat)
    entry: dict[str, Any] = {**result.to_dict(), "path": baseline.path}
    if old is None:
        entry["reason"] = "the baseline has no time for this test"
    elif result.status == INCOMPARABLE:
        entry["reason"] = f"the baseline has no {result.stat} for this test"
    if result.status != REGRESSED:
        return replace(record, baseline=entry)
    phrase = _phrase(result)
    label = record.target or "baseline"
    message = f"{record.message}; {phrase}" if record.message else f"perfgate: {label}: {phrase}"
    verdict = record.verdict if record.verdict == FAIL else (FAIL if mode == "enforce" else WARN)
    reason = record.reason if record.verdict == FAIL else "regressed against the baseline"
    return replace(record, baseline=entry, verdict=verdict, message=message, reason=reason)
