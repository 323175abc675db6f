"""``--perfgate-measure=instructions``: the setting, instruction budgets from every source, the count
verdict, the figures in every report, regressions at 1%, the missing-valgrind error and, for real
under callgrind (marker ``valgrind``), one relaunched session end to end."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from helpers import junit_properties
from pytest_perfgate import budget
from pytest_perfgate.commands.compare import compare
from pytest_perfgate.config.targets import Budget, ResolvedBudget
from pytest_perfgate.history.check import Finding, examine_counts
from pytest_perfgate.history.model import Result, Run
from pytest_perfgate.measure.instructions import Counts, Measurement, valgrind_missing
from pytest_perfgate.record import InstructionFigures, Record
from pytest_perfgate.reports import html, markdown, terminal
from pytest_perfgate.reports.model import Report
from pytest_perfgate.reports.reader import report_from_dict
from pytest_perfgate.verdict.baseline import Baseline
from pytest_perfgate.verdict.decide import Inputs, decide
from pytest_perfgate.verdict.instructions import instruction_figures
from pytest_perfgate.verdict.regression import INSTRUCTIONS, REGRESSED, UNCHANGED, Figures, judge

needs_valgrind = pytest.mark.skipif(
    valgrind_missing() is not None, reason=f"no valgrind here: {valgrind_missing()}"
)

# -- budgets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "count", "time"),
    [
        ("25M", 25_000_000, None),
        ("100ms, 25M", 25_000_000, 0.1),
        ("1.5G, 300s", 1_500_000_000, 300.0),
        ({"instructions": "800K"}, 800_000, None),
        ({"time": "1s", "instructions": 1000}, 1000, 1.0),
    ],
)
def test_budgets_carry_instruction_counts(value: object, count: int, time: float | None) -> None:
    parsed = Budget.parse(value)
    assert (parsed.instructions, parsed.time) == (count, time)
    assert Budget.parse(str(parsed)) == parsed  # the spec text reads back


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("25m", "unknown unit 'm'"),  # never 25 million instructions, nor 25 minutes
        ("25M, 3K", "two instruction counts"),
        ({"instructions": "lots"}, "instructions 'lots' is not an instruction count"),
        ({"instructions": 0}, "greater than zero"),
    ],
)
def test_bad_instruction_budgets_are_clear_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Budget.parse(value)


def test_the_budget_decorator_validates_instructions() -> None:
    assert budget(instructions="25M").kwargs == {"instructions": "25M"}
    with pytest.raises(ValueError, match="instructions '25 apples'"):
        budget(instructions="25 apples")


BUDGETS_FROM_EVERYWHERE = """
import pytest

def loop(n):
    return sum(range(n))

@pytest.mark.performance(instructions="2M")
def test_marker():
    loop(10)

@pytest.mark.performance("counted")
def test_target():
    loop(10)

def test_pattern():
    loop(10)

@pytest.mark.performance(instructions="many")
def test_bad_marker():
    loop(10)
"""


def test_instruction_budgets_from_every_source(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_budgets=BUDGETS_FROM_EVERYWHERE)
    pytester.makepyprojecttoml(
        """
        [tool.perfgate.targets]
        counted = { instructions = "3M" }
        option_row = "1s"

        [tool.perfgate.tests]
        "test_budgets.py::test_pattern" = { instructions = "4M" }
        """
    )
    result = pytester.runpytest(
        "--perfgate-json=out.json", "--perfgate-target", "option_row=5G", "-p", "no:randomly"
    )
    result.stdout.fnmatch_lines(["*test_budgets.py::test_bad_marker*instructions 'many'*"])
    report = json.loads((pytester.path / "out.json").read_text())
    assert report["targets"]["counted"]["instructions"] == 3_000_000
    assert report["targets"]["option_row"]["instructions"] == 5_000_000_000
    assert report["settings"]["tests"][0]["budget"] == "4M"
    assert report["settings"]["measure"] == "time"


def test_bad_measure_setting_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nperfgate_measure = cycles\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*perfgate_measure*'cycles' is not one of time, instructions*"])


@pytest.mark.parametrize("where", ["option", "ini", "pyproject"])
def test_without_valgrind_a_usage_error_names_the_package(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    args: list[str] = []
    if where == "option":
        args = ["--perfgate-measure=instructions"]
    elif where == "ini":
        pytester.makeini("[pytest]\nperfgate_measure = instructions\n")
    else:
        pytester.makepyprojecttoml('[tool.perfgate]\nmeasure = "instructions"\n')
    monkeypatch.setenv("PATH", str(pytester.mkdir("empty-path")))
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*valgrind*not on PATH*apt-get install valgrind*"])
    assert "1 passed" not in result.stdout.str()


# -- the verdict -----------------------------------------------------------------------------------


def measurement(*counts: int) -> Measurement[None]:
    events = {"Ir": 0, "I1mr": 10, "D1mr": 0, "D1mw": 0, "ILmr": 1, "DLmr": 0, "DLmw": 0}
    return Measurement([Counts(c, {**events, "Ir": c}) for c in counts], None)


def gate(instructions: int | None = 25_000_000, time: float | None = None) -> ResolvedBudget:
    return ResolvedBudget(
        "counted", time, None, "median", "marker", source="counted", instructions=instructions
    )


def judge_counts(budget: ResolvedBudget, figures: InstructionFigures, mode: str = "enforce") -> Record:
    """The verdict on counts of a test body (whose memory is not measured in this mode)."""
    inputs = Inputs("t.py::test", budget, mode, counted=True, counts=figures, memory_why="counted")
    return decide(inputs)


def test_a_count_over_budget_fails_naming_count_budget_and_ratio() -> None:
    figures = instruction_figures(measurement(26_100_000, 26_100_000, 26_100_000), gate(), "test body")
    record = judge_counts(gate(), figures)
    assert record.verdict == "fail"
    assert record.message == "perfgate: counted: instructions 26.1M > budget 25M (1.04x)"
    assert figures.cycles_est == 26_100_000 + 10 * 10 + 100
    warned = judge_counts(gate(), figures, mode="warn")
    assert warned.verdict == "warn"


def test_a_time_budget_is_a_note_with_the_estimate_not_a_verdict() -> None:
    figures = instruction_figures(measurement(3_000_000), gate(None, 0.0001), "perfgate fixture")
    record = judge_counts(gate(None, 0.0001), figures)
    assert record.verdict == "not-measured"
    assert record.notes == [
        "time budget 100 µs not judged in instructions mode (estimate 1 ms: 3M cycles at 3 GHz)"
    ]


# -- the figures in every report -------------------------------------------------------------------

COUNTED = Record(
    nodeid="t.py::test_counted",
    target="counted",
    verdict="fail",
    message="perfgate: counted: instructions 26.1M > budget 25M (1.04x)",
    instructions=InstructionFigures(26_100_000, 26_500_000, 25_000_000, 1.044, 3, "perfgate fixture"),
)


def test_the_record_carries_the_counts_to_junit_and_json() -> None:
    properties = dict(COUNTED.to_properties())
    assert properties["perfgate.instructions"] == 26_100_000
    assert properties["perfgate.cycles_est"] == 26_500_000
    document = json.loads(str(properties["perfgate.record"]))
    assert document["instructions"] == {
        "count": 26_100_000,
        "cycles_est": 26_500_000,
        "budget": 25_000_000,
        "ratio": 1.044,
        "rounds": 3,
        "method": "perfgate fixture",
    }
    assert Record.from_dict(document) == COUNTED
    assert COUNTED.worst_ratio == 1.044
    read = report_from_dict(Report(tests=(COUNTED,)).to_dict(), "report.json")
    assert read.tests[0] == COUNTED


def test_the_tables_show_count_columns_only_when_a_record_has_counts() -> None:
    plain = Record(nodeid="t.py::test_plain", target=None, verdict="pass")
    assert "instructions" not in terminal.table_lines([plain])[0]
    lines = terminal.table_lines([COUNTED, plain])
    assert lines[0].split()[-6:] == ["instructions", "budget", "ratio", "cycles", "est", "verdict"]
    assert "26.1M" in lines[1] and "25M" in lines[1] and "26.5M" in lines[1] and "1.04x" in lines[1]
    page = markdown.render(Report(tests=(COUNTED, plain)))
    assert "| instructions | budget | ratio | cycles est | verdict |" in page
    assert "| 26.1M | 25M | 1.04x | 26.5M |" in page
    table = html.summary_table([COUNTED, plain])
    assert '<th class="num">instructions</th>' in table and '<td class="num">26.1M</td>' in table


# -- regressions at 1% -----------------------------------------------------------------------------


def counted(count: int, nodeid: str = "t.py::test_counted") -> Record:
    figures = InstructionFigures(count, None, None, None)
    return Record(nodeid=nodeid, target=None, verdict="pass", instructions=figures)


def test_counts_regress_beyond_one_percent_with_no_rank_test() -> None:
    old = Figures.of(counted(10_000_000))
    assert judge(old, Figures.of(counted(10_200_000)), 0.10).status == REGRESSED
    same = judge(old, Figures.of(counted(10_050_000)), 0.10)
    assert (same.status, same.stat, same.max_regression) == (UNCHANGED, INSTRUCTIONS, 0.01)
    assert judge(old, Figures.of(counted(10_200_000)), 0.10, max_count_regression=0.05).status == UNCHANGED


def test_counts_with_no_count_budget_still_meet_the_baseline() -> None:
    held = Baseline.of(Report(tests=(counted(10_000_000),)), "old.json")
    no_budget = gate(instructions=None)
    figures = instruction_figures(measurement(10_200_000), no_budget, "benchmark fixture")
    inputs = Inputs("t.py::test_counted", no_budget, "enforce", counted=True, counts=figures, baseline=held)
    record = decide(inputs)
    assert record.verdict == "fail" and record.reason == "regressed against the baseline"
    assert "instructions 10.2M vs baseline 10M: +2.00% > allowed +1.00%" in record.message
    same = instruction_figures(measurement(10_000_000), no_budget, "benchmark fixture")
    unchanged = decide(replace(inputs, counts=same))
    assert unchanged.verdict == "not-measured" and unchanged.baseline["status"] == "unchanged"


def test_perfgate_compare_judges_counts_at_one_percent() -> None:
    old = Report(tests=(counted(10_000_000), counted(5_000_000, "t.py::test_same")))
    new = Report(tests=(counted(10_200_000), counted(5_010_000, "t.py::test_same")))
    rows = {row.nodeid: row for row in compare(old, new, 0.10, None)}
    assert rows["t.py::test_counted"].status == "slower"
    assert rows["t.py::test_same"].status == "same"


# -- for real, under callgrind ---------------------------------------------------------------------

PROJECT = """
import os

import pytest

N = int(os.environ.get("LOOP", "10000"))


def loop(n):
    total = 0
    for i in range(n):
        total += i
    return total


@pytest.mark.performance(instructions="20M")
def test_fixture(perfgate):
    assert perfgate(loop, N) == sum(range(N))


@pytest.mark.performance(instructions="20M")
def test_benchmark(benchmark):
    assert benchmark(loop, N) == sum(range(N))


@pytest.mark.performance(instructions="20M")
def test_body():
    assert loop(N) == sum(range(N))


@pytest.mark.performance(instructions="1M")
def test_over_budget(perfgate):
    perfgate(loop, N)
"""


@pytest.mark.valgrind
@needs_valgrind
def test_a_session_relaunched_under_callgrind_counts_every_kind_of_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_counted=PROJECT)
    args = ["--perfgate-measure=instructions", "-p", "no:randomly", "-p", "no:cacheprovider"]
    result = pytester.runpytest_subprocess(
        *args, "--perfgate-json=old.json", "--junitxml=junit.xml", timeout=900
    )
    result.stdout.fnmatch_lines(
        ["perfgate: measure=instructions (counts under callgrind*", "*1 failed, 3 passed*"]
    )
    result.stdout.fnmatch_lines(
        ["*_ test_over_budget _*", "perfgate: marker: instructions *M > budget 1M (*x)"]
    )
    tests = {
        test["nodeid"].split("::")[1]: test
        for test in json.loads((pytester.path / "old.json").read_text())["tests"]
    }
    for name in ("test_fixture", "test_benchmark", "test_body"):
        counts = tests[name]["instructions"]
        assert 1_000_000 < counts["count"] < 20_000_000 and counts["cycles_est"] >= counts["count"], name
        assert tests[name]["verdict"] == "pass"
    assert tests["test_over_budget"]["verdict"] == "fail"
    properties = junit_properties(pytester.path / "junit.xml")
    assert int(properties["test_body"]["perfgate.instructions"]) > 1_000_000
    assert "perfgate.cycles_est" in properties["test_fixture"]
    # 2% more work against that baseline: caught at 1%.
    monkeypatch.setenv("LOOP", "10200")
    again = pytester.runpytest_subprocess(*args, "--perfgate-baseline=old.json", "-k", "fixture", timeout=900)
    again.stdout.fnmatch_lines(["*instructions *M vs baseline *M: +2.0*% > allowed +1.00%*"])
    assert again.ret == pytest.ExitCode.TESTS_FAILED


# -- the history check on counts -------------------------------------------------------------------


def counted_run(run_id: int, count: int) -> Run:
    figures = InstructionFigures(count, None, None, None)
    record = Record(nodeid="t.py::test", target=None, verdict="pass", instructions=figures)
    result = Result(nodeid="t.py::test", verdict="pass", record=record)
    return Run(started_at=f"2026-01-01T00:00:{run_id:02d}", id=run_id, results=(result,))


def count_check(counts: list[int], latest: int, accepted: tuple[int, ...] = ()) -> Finding | None:
    history = [counted_run(index + 1, count) for index, count in enumerate(counts)]
    return examine_counts("t.py::test", latest, history, list(accepted), 0.01)


def test_the_history_check_on_counts_needs_no_statistics() -> None:
    level = [1_000_000] * 3
    assert count_check(level, 1_009_000) is None  # +0.9%: within 1%
    step = count_check(level, 1_020_000)  # +2% after 3 runs: caught on the first run
    assert step is not None and step.since is None
    assert step.step.before == 1_000_000 and step.step.runs_before == 3
    assert count_check([1_000_000], 1_020_000) is not None  # one earlier run is enough
    assert count_check([], 1_020_000) is None  # nothing to set it against


def test_a_count_step_fails_every_later_run_until_accepted() -> None:
    history = [1_000_000] * 3 + [1_020_000] * 4
    later = count_check(history, 1_020_000)
    assert later is not None and later.step.runs_before == 3 and later.step.runs_after == 5
    assert later.since is not None and later.since.id == 4  # named with the run where it appeared
    assert count_check(history, 1_000_000) is None  # back at the old level: passes
    assert count_check(history, 1_020_000, accepted=(4,)) is None  # accepted after run 4: new level
    assert count_check(history, 1_040_000, accepted=(4,)) is not None  # a second step after it
    assert count_check([1_000_000, 900_000], 1_000_000) is not None  # the faster level is the reference


def test_a_count_step_message_names_figures_and_how_to_accept() -> None:
    step = count_check([1_000_000] * 3, 1_020_000)
    assert step is not None
    message = step.message(None, None, "abc", "perfgate history --accept --test t.py::test")
    assert message.startswith("perfgate: history: instructions 1.02M is a step up from 1M (1.0200x")
    assert message.endswith("if it is the new normal: perfgate history --accept --test t.py::test")
    assert json.dumps(step.summary(), allow_nan=False)


@pytest.mark.valgrind
@needs_valgrind
def test_the_history_check_fails_a_counted_step_for_real(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_counted=PROJECT)
    args = [
        "--perfgate-measure=instructions",
        "-p",
        "no:randomly",
        "-k",
        "body",
        "--perfgate-history=h.sqlite",
    ]
    for _ in range(2):
        assert pytester.runpytest_subprocess(*args, timeout=900).ret == pytest.ExitCode.OK
    same = pytester.runpytest_subprocess(*args, "--perfgate-history-check", timeout=900)
    assert same.ret == pytest.ExitCode.OK
    monkeypatch.setenv("LOOP", "10300")  # 3% more work
    step = pytester.runpytest_subprocess(*args, "--perfgate-history-check", timeout=900)
    step.stdout.fnmatch_lines(["*perfgate: history: instructions *M is a step up from *M (1.0*x the lowest*"])
    assert step.ret == pytest.ExitCode.TESTS_FAILED


GATES = """
import pytest


def linear(data):
    return sum(data)


def quadratic(data):
    return sum(a * b for a in data for b in data)


def make(n):
    return list(range(int(n)))


@pytest.mark.performance(instructions="1G")
def test_linear_scales(perfgate):
    perfgate.scaling(linear, sizes=[1000, 2000, 4000], make_input=make, max_exponent=1.3)


@pytest.mark.performance(instructions="1G")
def test_quadratic_scales(perfgate):
    perfgate.scaling(quadratic, sizes=[20, 40, 80], make_input=make, max_exponent=1.3)


@pytest.mark.performance(instructions="1G")
def test_compare(perfgate):
    assert perfgate.compare(linear, quadratic, [1, 2, 3], min_speedup=1.2) == 6


@pytest.mark.performance(instructions="1G")
def test_concurrent(perfgate):
    perfgate.concurrent(linear, [1, 2], workers=2)


@pytest.mark.performance(instructions="1G")
def test_leaks(perfgate):
    perfgate.leaks(linear, [1, 2], calls=20)
"""


@pytest.mark.valgrind
@needs_valgrind
def test_the_gates_beyond_one_call_in_instructions_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_gates=GATES)
    args = ["--perfgate-measure=instructions", "-p", "no:randomly", "--perfgate-json=gates.json"]
    result = pytester.runpytest_subprocess(*args, timeout=900)
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*_ test_quadratic_scales _*", "*instructions ∝ n^k*"])
    tests = {
        test["nodeid"].split("::")[1]: test
        for test in json.loads((pytester.path / "gates.json").read_text())["tests"]
    }
    linear = tests["test_linear_scales"]["extra"]["scaling"]
    assert linear["stat"] == "instructions" and 0.9 < linear["exponent"] < 1.1
    assert tests["test_quadratic_scales"]["extra"]["scaling"]["exponent"] > 1.8
    for name in ("test_compare", "test_concurrent", "test_leaks"):
        assert tests[name]["verdict"] == "not-measured", name
        assert tests[name]["reason"].startswith("instructions mode counts single calls"), name


HISTORY_FREE = """
import tracemalloc

import pytest


def workload(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


@pytest.mark.performance(instructions="1G")
def test_a_first(perfgate):
    perfgate(workload, 20_000)


@pytest.mark.performance(instructions="1G")
def test_b_after_allocations_elsewhere(perfgate):
    tracemalloc.start()
    kept = [bytes(100) for _ in range(100_000)]  # new arenas: later blocks land elsewhere
    tracemalloc.stop()
    perfgate(workload, 20_000)
    del kept


@pytest.mark.performance(instructions="1G")
def test_c_benchmark(benchmark):
    benchmark(workload, 20_000)
"""


@pytest.mark.valgrind
@needs_valgrind
def test_a_count_does_not_hang_on_what_the_process_did_before(pytester: pytest.Pytester) -> None:
    # pymalloc's free costs more or less by where its arena lies (1.5% on this loop): perfgate runs the
    # counted session on the system allocator, so the same call counts the same after anything.
    pytester.makepyfile(test_history_free=HISTORY_FREE)
    args = ["--perfgate-measure=instructions", "-p", "no:randomly", "--perfgate-json=counts.json"]
    pytester.runpytest_subprocess(*args, timeout=900).assert_outcomes(passed=3)
    counts = [
        test["instructions"]["count"]
        for test in json.loads((pytester.path / "counts.json").read_text())["tests"]
    ]
    assert len(counts) == 3 and max(counts) / min(counts) < 1.0001, counts
