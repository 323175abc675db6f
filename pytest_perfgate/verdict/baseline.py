"""``--perfgate-baseline OLD.json``: fail a test that got slower than it was in an earlier report.

A test regressed when its statistic is more than ``--perfgate-max-regression`` (default 10%) above the
baseline's and the rounds are significantly slower (one-sided Mann-Whitney U on the raw rounds,
p < 0.01). Where either side has too few rounds for the rank test to ever reach that level (fewer than
five a side, say), the ratio alone decides and the record says so. A test missing from the baseline is
reported as new.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from ..quantities import format_time
from ..record import FAIL, NOT_MEASURED, WARN, Record
from ..runtest import session as keys
from ..stats.ranks import p_greater, smallest_p
from ..stats.summary import statistic

SCHEMA = "pytest-perfgate/1"
#: Significance level of the rank test.
ALPHA = 0.01


class BaselineError(ValueError):
    """The baseline file cannot be used: missing, not JSON, another schema, malformed records."""


@dataclass(frozen=True)
class BaselineTime:
    """A test's time figures in the baseline report."""

    stat: str
    value_s: float
    data: tuple[float, ...]

    def value_for(self, stat: str) -> float | None:
        """The baseline's value of ``stat``: recomputed from its rounds, or as reported if it is that stat."""
        if self.data:
            return statistic(self.data, stat)
        return self.value_s if stat == self.stat else None


@dataclass(frozen=True)
class Baseline:
    """The tests of a baseline report, by node id (those without time figures map to None)."""

    path: str
    tests: Mapping[str, BaselineTime | None]
    max_regression: float = 0.10

    def limit(self, nodeid: str, stat: str) -> float | None:
        """The time the statistic must stay under not to count as a regression, if the test has one."""
        old = self.tests.get(nodeid)
        value = None if old is None else old.value_for(stat)
        return None if value is None else value * (1 + self.max_regression)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BaselineError(f"{where} is {value!r}, not a finite number")
    return float(value)


def _time_of(entry: Mapping[str, Any], where: str) -> BaselineTime | None:
    time = entry.get("time")
    if time is None:
        return None
    if not isinstance(time, Mapping):
        raise BaselineError(f"{where}: 'time' must be an object, not {type(time).__name__}")
    stat = time.get("stat")
    if not isinstance(stat, str):
        raise BaselineError(f"{where}: time.stat must be a string, not {stat!r}")
    data = time.get("data") or []
    if not isinstance(data, list):
        raise BaselineError(f"{where}: time.data must be a list of seconds")
    rounds = tuple(_number(value, f"{where}: time.data item") for value in data)
    return BaselineTime(
        stat=stat, value_s=_number(time.get("value_s"), f"{where}: time.value_s"), data=rounds
    )


def parse(document: object, max_regression: float = 0.10, path: str = "") -> Baseline:
    """A baseline from a decoded report; raises :class:`BaselineError` saying what is wrong."""
    if not isinstance(document, Mapping):
        raise BaselineError("not a pytest-perfgate report (the document is not a JSON object)")
    schema = document.get("schema")
    if schema != SCHEMA:
        raise BaselineError(f"schema is {schema!r}, expected {SCHEMA!r}")
    entries = document.get("tests")
    if not isinstance(entries, list):
        raise BaselineError("'tests' must be a list of test records")
    tests: dict[str, BaselineTime | None] = {}
    for index, entry in enumerate(entries):
        where = f"tests[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("nodeid"), str):
            raise BaselineError(f"{where} is not a test record with a 'nodeid'")
        tests[entry["nodeid"]] = _time_of(entry, f"{where} ({entry['nodeid']})")
    return Baseline(path=path, tests=tests, max_regression=max_regression)


def load(path: str | Path, max_regression: float = 0.10) -> Baseline:
    """Read a baseline report; raises :class:`BaselineError` naming the file and the problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path} is not valid JSON: {error}") from None
    try:
        return parse(document, max_regression, str(path))
    except BaselineError as error:
        raise BaselineError(f"{path}: {error}") from None


def configure(config: pytest.Config, max_regression: float) -> None:
    """Load ``--perfgate-baseline`` into ``config.stash``; a bad file is a usage error."""
    path = config.getoption("perfgate_baseline", None)
    if not path:
        return
    try:
        config.stash[keys.BASELINE] = load(path, max_regression)
    except BaselineError as error:
        raise pytest.UsageError(f"perfgate: --perfgate-baseline: {error}") from None


def limit_for(config: pytest.Config, nodeid: str, stat: str) -> float | None:
    """The baseline's limit on the test's statistic, when a baseline holds the test."""
    baseline = config.stash.get(keys.BASELINE, None)
    return None if baseline is None else baseline.limit(nodeid, stat)


def compare(
    value: float, data: Sequence[float], stat: str, old: BaselineTime, max_regression: float
) -> dict[str, Any]:
    """The comparison of the new figures with the baseline's, as the record's ``baseline`` entry."""
    base = old.value_for(stat)
    if base is None or base <= 0:
        return {"status": "incomparable", "reason": f"the baseline has no {stat} for this test"}
    change = value / base - 1
    p_value = None
    if data and old.data and smallest_p(len(data), len(old.data)) < ALPHA:
        p_value = p_greater(data, old.data)
    significant = p_value is None or p_value < ALPHA
    if change > max_regression and significant:
        status = "regressed"
    elif change > max_regression:
        status = "not-significant"
    elif change < -max_regression:
        status = "faster"
    else:
        status = "unchanged"
    return {
        "status": status,
        "stat": stat,
        "value_s": value,
        "baseline_s": base,
        "change": change,
        "max_regression": max_regression,
        "p_value": p_value,
        "rounds": len(data),
        "baseline_rounds": len(old.data),
    }


def _phrase(result: Mapping[str, Any]) -> str:
    p_value = result["p_value"]
    test = "too few rounds for a rank test" if p_value is None else f"Mann-Whitney p={p_value:.2g}"
    return (
        f"time {result['stat']} {format_time(result['value_s'])} vs baseline "
        f"{format_time(result['baseline_s'])}: {result['change']:+.0%} > allowed "
        f"+{result['max_regression']:.0%} ({test})"
    )


def review(config: pytest.Config, record: Record, mode: str) -> Record:
    """The record with its comparison against the baseline; a regression fails it (or warns)."""
    baseline = config.stash.get(keys.BASELINE, None)
    if baseline is None or mode == "off" or record.verdict == NOT_MEASURED or record.time is None:
        return record
    if record.nodeid not in baseline.tests:
        return replace(record, baseline={"status": "new"}, notes=[*record.notes, "new since the baseline"])
    old = baseline.tests[record.nodeid]
    if old is None:
        result: dict[str, Any] = {
            "status": "incomparable",
            "reason": "the baseline has no time for this test",
        }
    else:
        time = record.time
        result = compare(time.value_s, time.data, time.stat, old, baseline.max_regression)
    result["path"] = baseline.path
    if result["status"] != "regressed":
        return replace(record, baseline=result)
    phrase = _phrase(result)
    label = record.target or "baseline"
    message = f"{record.message}; {phrase}" if record.message else f"perfgate: {label}: {phrase}"
    verdict = record.verdict if record.verdict == FAIL else (FAIL if mode == "enforce" else WARN)
    reason = record.reason if record.verdict == FAIL else "regressed against the baseline"
    return replace(record, baseline=result, verdict=verdict, message=message, reason=reason)
