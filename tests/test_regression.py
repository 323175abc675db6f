"""The one regression rule: ratio and rank test, and ``perfgate compare`` agreeing with the baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportdata import sample_report

from pytest_perfgate import cli
from pytest_perfgate.commands import compare as compare_command
from pytest_perfgate.commands import load
from pytest_perfgate.config.targets import ResolvedBudget
from pytest_perfgate.measure.timing import Timing
from pytest_perfgate.record import Record, TimeFigures
from pytest_perfgate.reports.jsonfile import write_report
from pytest_perfgate.stats.summary import statistic, summary
from pytest_perfgate.verdict import baseline
from pytest_perfgate.verdict.decide import Inputs, decide
from pytest_perfgate.verdict.regression import Figures, judge


def figures(data: list[float], stat: str = "median", corrected: bool = False) -> Figures:
    return Figures(stat, statistic(data, stat), tuple(data), corrected=corrected)


def timed(nodeid: str, data: list[float], stat: str = "median", **fields: Any) -> Record:
    figures = summary(data)
    time = TimeFigures(stat, statistic(data, stat), None, None, len(data), data=data, **figures)
    return Record(nodeid=nodeid, target=None, verdict="pass", time=time, **fields)


def test_a_bigger_statistic_needs_significant_rounds_too() -> None:
    old = figures([1.0] * 10 + [2.0] * 10)
    # One round moved from 1.0 to 2.0: the median jumps by a third, the rounds are the same.
    noisy = judge(old, figures([1.0] * 9 + [2.0] * 11), 0.10)
    assert noisy.ratio == pytest.approx(4 / 3)
    assert noisy.status == "not-significant"
    assert noisy.p_value is not None and noisy.p_value > 0.01
    assert noisy.basis.startswith("Mann-Whitney p=0.") and noisy.basis.endswith("on 20 vs 20 rounds")
    clear = judge(old, figures([3.0] * 20), 0.10)
    assert clear.status == "regressed" and clear.p_value is not None and clear.p_value < 0.01
    assert judge(old, figures([1.55] * 20), 0.10).status == "unchanged"
    assert judge(old, figures([1.0] * 20), 0.10).status == "faster"


def test_too_few_rounds_leave_the_ratio_to_decide() -> None:
    result = judge(figures([1.0] * 4), figures([2.0] * 4), 0.10)
    assert result.status == "regressed" and result.p_value is None
    assert result.basis == "too few rounds for a rank test (4 vs 4)"
    bare = judge(Figures("median", 1.0), Figures("median", 2.0), 0.10)
    assert bare.status == "regressed" and bare.basis == "no raw rounds for a rank test"


def test_the_statistic_is_the_judged_one_else_from_rounds_else_the_summary() -> None:
    old = Figures("mean", 1.0, (1.0, 1.0, 1.0, 1.0, 10.0), {"median": 7.0})
    assert old.value_for("mean") == 1.0  # as judged (the rounds may have been corrected since)
    assert old.value_for("median") == 1.0  # from the rounds
    assert Figures("mean", 1.0, (), {"median": 7.0}).value_for("median") == 7.0
    assert Figures("mean", 1.0).value_for("p90") is None
    result = judge(Figures("mean", 1.0), Figures("mean", 2.0), 0.1, "p90")
    assert result.status == "incomparable" and result.reason == "no p90 on both sides"


def test_contention_corrected_rounds_are_used_and_named() -> None:
    busy = timed("t", [2.0] * 10, contention={"action": "corrected", "factor": 2.0})
    assert Figures.of(busy) is not None and Figures.of(busy).corrected  # type: ignore[union-attr]
    result = judge(figures([1.0] * 10), Figures.of(busy), 0.10)
    assert result.figures == "judged" and "rounds corrected for contention" in result.basis
    assert judge(figures([1.0] * 10), figures([2.0] * 10), 0.1).figures == "measured"


def review(old: Record, new: Record, max_regression: float) -> str:
    """The baseline's status for ``new`` against a baseline holding ``old``."""
    held = baseline.Baseline.of(sample_report(tests=(old,)), "old.json", max_regression)
    assert new.time is not None
    figures = Figures.of(new)
    assert figures is not None
    entry, _, _ = baseline.review(held, new.nodeid, figures)
    status: str = entry["status"]
    return status


def compared(tmp_path: Path, old: Record, new: Record, max_regression: float) -> tuple[int, str]:
    """``perfgate compare``'s exit status and the row's status for the two records."""
    paths = []
    for name, record in (("old", old), ("new", new)):
        write_report(tmp_path / f"{name}.json", sample_report(tests=(record,)))
        paths.append(str(tmp_path / f"{name}.json"))
    rows = compare_command.compare(load(paths[0]), load(paths[1]), max_regression, None)
    return cli.main(["compare", *paths, "--max-regression", str(max_regression)]), rows[0].status


CASES = {
    "regressed": ([1.0] * 10, [2.0] * 10),
    "noisy": ([1.0] * 10 + [2.0] * 10, [1.0] * 9 + [2.0] * 11),
    "few rounds": ([1.0] * 3, [1.5] * 3),
    "faster": ([2.0] * 10, [1.0] * 10),
    "same": ([1.0] * 10, [1.05] * 10),
}
AGREEMENT = {
    "regressed": "slower",
    "not-significant": "not significant",
    "faster": "faster",
    "unchanged": "same",
}


@pytest.mark.parametrize("case", CASES)
def test_compare_and_the_baseline_agree(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = CASES[case]
    old, new = timed("t.py::test_x", before), timed("t.py::test_x", after)
    status = review(old, new, 0.10)
    exit_status, shown = compared(tmp_path, old, new, 0.10)
    assert AGREEMENT[status] == shown
    assert exit_status == (1 if status == "regressed" else 0)
    if case == "noisy":  # the disagreement that was: the ratio alone called it slower
        assert "t.py::test_x: median +33% > +10%: Mann-Whitney p=" in capsys.readouterr().out


rounds = st.lists(st.floats(0.5, 2.0).map(lambda value: round(value, 2)), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=rounds,
    after=rounds,
    stat=st.sampled_from(["median", "mean", "p90"]),
    limit=st.sampled_from([0.0, 0.1]),
)
def test_agreement_on_generated_rounds(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    before: list[float],
    after: list[float],
    stat: str,
    limit: float,
) -> None:
    old, new = timed("t.py::test_x", before, stat), timed("t.py::test_x", after, stat)
    status = review(old, new, limit)
    exit_status, shown = compared(tmp_path, old, new, limit)
    capsys.readouterr()
    assert AGREEMENT.get(status, "not comparable") == shown
    assert exit_status == (1 if status == "regressed" else 0)


def test_record_entry_names_the_basis() -> None:
    old = timed("t", [1.0] * 10)
    held = baseline.Baseline.of(sample_report(tests=(old,)), "old.json", 0.1)
    new = timed("t", [2.0] * 10)
    assert new.time is not None
    budget = ResolvedBudget("ui", None, None, "median", "marker")
    timing = Timing(new.time.data, "pytest-benchmark")
    reviewed = decide(Inputs(new.nodeid, budget, "enforce", timing=timing, baseline=held))
    assert reviewed.verdict == "fail"
    assert reviewed.baseline is not None and reviewed.baseline["basis"].startswith("Mann-Whitney p=")
    assert reviewed.message.startswith("perfgate: ui: time median 2 s vs baseline 1 s: +100% > allowed +10%")
