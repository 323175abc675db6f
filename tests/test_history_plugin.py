"""End to end: ``--perfgate-history`` appends every run, ``--perfgate-history-check`` fails a step up,
and a store that cannot be written never costs the run."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import junit_properties
from pytest_perfgate.cli import main
from pytest_perfgate.history.store import Result, Run, open_store
from pytest_perfgate.measure.machine import this_machine
from pytest_perfgate.record import Record, TimeFigures

TESTS = """
import time
import pytest

@pytest.mark.performance(time="1s")
def test_sleepy(perfgate):
    perfgate.pedantic(time.sleep, args=(0.02,), rounds=5)

@pytest.mark.performance(time="1s")
def test_body():
    time.sleep(0.001)

def test_plain():
    pass
"""


#: Hypothesis's plugin re-imports hypothesis in every in-process run (seconds each); not needed here.
QUICK = ("-p", "no:hypothesispytest")


def run(pytester: pytest.Pytester, *arguments: str) -> pytest.RunResult:
    return pytester.runpytest(*QUICK, *arguments)


def run_subprocess(pytester: pytest.Pytester, *arguments: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*QUICK, *arguments)


def history(pytester: pytest.Pytester, name: str = ".perfgate/history.sqlite") -> list[Run]:
    with open_store(pytester.path / name, readonly=True) as store:
        return store.runs(rounds=True, records=True)


def test_each_run_is_appended_with_its_figures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TESTS)
    store = pytester.path / ".perfgate" / "history.sqlite"
    for number in (1, 2):
        result = run(pytester, "--perfgate-history")
        result.assert_outcomes(passed=3)
        result.stdout.fnmatch_lines(
            [f"perfgate history: {store}", f"perfgate history: run {number} (2 tests) appended to {store}"]
        )
    runs = history(pytester)
    assert len(runs) == 2
    latest = runs[-1]
    assert latest.machine == this_machine()
    assert latest.started_at[:4].isdigit() and latest.started_at.endswith("+00:00")
    sleepy, body = sorted(latest.results, key=lambda result: result.nodeid, reverse=True)
    assert sleepy.nodeid == "test_each_run_is_appended_with_its_figures.py::test_sleepy"
    assert sleepy.verdict == "pass" and sleepy.stat == "median" and sleepy.budget_s == 1.0
    assert sleepy.value_s is not None and sleepy.value_s >= 0.02
    assert len(sleepy.rounds) == 5 and min(sleepy.rounds) >= 0.02
    assert sleepy.record is not None and sleepy.record.time is not None
    assert sleepy.record.time.rounds == 5
    assert body.nodeid.endswith("::test_body") and body.value_s is not None


def test_a_path_of_ones_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TESTS)
    result = run(pytester, "--perfgate-history=runs/perf.sqlite", "-k", "body")
    result.assert_outcomes(passed=1, deselected=2)
    assert len(history(pytester, "runs/perf.sqlite")) == 1
    assert not (pytester.path / ".perfgate").exists()


def test_nothing_is_written_without_the_option_or_without_performance_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(TESTS)
    run(
        pytester,
    ).assert_outcomes(passed=3)
    assert not (pytester.path / ".perfgate").exists()
    result = run(pytester, "--perfgate-history", "-k", "plain")
    result.stdout.fnmatch_lines(["perfgate history: no performance test ran; nothing appended to *"])


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_commit_branch_and_dirty_flag(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TESTS)
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    for arguments in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "tests"]):
        subprocess.run([*git, *arguments], cwd=pytester.path, check=True, capture_output=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=pytester.path, check=True, capture_output=True, text=True
    ).stdout.strip()
    result = run(pytester, "--perfgate-history", "-k", "body")
    result.stdout.fnmatch_lines([f"perfgate history: run 1 (1 tests at commit {head[:10]}) appended to *"])
    (pytester.path / "test_commit_branch_and_dirty_flag.py").write_text(TESTS + "\n# changed\n")
    run(pytester, "--perfgate-history", "-k", "body")
    clean, dirty = history(pytester)
    assert (clean.commit, clean.branch, clean.dirty) == (head, "main", False)
    assert (dirty.commit, dirty.dirty) == (head, True)


def test_only_the_xdist_controller_writes(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.parametrize("n", range(4))
        @pytest.mark.performance(time="1s")
        def test_each(n):
            time.sleep(0.001)
        """
    )
    result = run_subprocess(pytester, "-n", "2", "--perfgate-history")
    result.assert_outcomes(passed=4)
    runs = history(pytester)
    assert len(runs) == 1
    assert sorted(result.nodeid[-3:] for result in runs[0].results) == ["[0]", "[1]", "[2]", "[3]"]


def test_on_a_postgresql_server(pytester: pytest.Pytester, postgres_url: str) -> None:
    pytester.makepyfile(TESTS)
    result = run(pytester, f"--perfgate-history={postgres_url}")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"perfgate history: run 1 (2 tests) appended to {postgres_url}"])
    with open_store(postgres_url, readonly=True) as store:
        (stored,) = store.runs()
    assert len(stored.results) == 2


# -- a store that cannot be written ---------------------------------------------------------------


def _newer_schema(path: Path) -> str:
    with open_store(path) as store, store._transaction() as cursor:
        cursor.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    return "schema version 99, newer than this pytest-perfgate understands (2); upgrade pytest-perfgate"


@pytest.mark.parametrize("problem", ["bad url", "newer schema", "no folder", "unreachable server"])
def test_a_store_that_cannot_be_written_never_costs_the_run(pytester: pytest.Pytester, problem: str) -> None:
    pytester.makepyfile(TESTS + "\ndef test_broken():\n    assert False\n")
    if problem == "bad url":
        location, expected = "mysql://db/perf", "history store mysql://db/perf: unsupported URL"
    elif problem == "newer schema":
        location = str(pytester.path / "h.sqlite")
        expected = f"history store {location} has " + _newer_schema(Path(location))
    elif problem == "no folder":
        (pytester.path / "taken").write_text("")
        location = "taken/h.sqlite"
        expected = f"history store {pytester.path / location}: cannot create its folder"
    else:
        pytest.importorskip("psycopg", reason="psycopg is not installed")
        location = "postgresql://perfgate:secret@127.0.0.1:1/perf"
        expected = "history store postgresql://perfgate:***@127.0.0.1:1/perf: cannot connect"
    result = run(pytester, f"--perfgate-history={location}", "--junitxml=junit.xml")
    result.assert_outcomes(passed=3, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # as it would be without the history
    result.stdout.fnmatch_lines(
        ["*= perfgate =*", "*::test_sleepy*pass*", f"perfgate warning: the run was not recorded: {expected}*"]
    )
    assert "secret" not in result.stdout.str()
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_sleepy"]["perfgate.verdict"] == "pass"


# -- --perfgate-history-check ---------------------------------------------------------------------


def _record(nodeid: str, value: float, rng: random.Random) -> Record:
    data = [value * (1 + rng.uniform(-0.03, 0.03)) for _ in range(5)]
    ordered = sorted(data)
    return Record(
        nodeid=nodeid,
        target=None,
        verdict="pass",
        time=TimeFigures(
            stat="median",
            value_s=ordered[2],
            budget_s=1.0,
            ratio=ordered[2],
            rounds=5,
            min=ordered[0],
            median=ordered[2],
            mean=sum(data) / 5,
            max=ordered[-1],
            stddev=0.0,
            data=data,
        ),
    )


def prefill(
    location: str | Path, nodeid: str, levels: list[tuple[float, str, str]], noise: float = 0.03
) -> None:
    """One run per (level in seconds, commit, time), on this machine, with run-to-run ``noise``."""
    rng = random.Random(1)
    with open_store(location) as store:
        for level, commit, when in levels:
            run_level = level * (1 + rng.uniform(-noise, noise))
            record = _record(nodeid, run_level, rng)
            store.append_run(
                Run(
                    started_at=when,
                    commit=commit,
                    branch="main",
                    dirty=False,
                    machine=this_machine(),
                    results=(Result.from_record(record),),
                )
            )


CHECKED = """
import time
import pytest

@pytest.mark.performance(time="1s")
def test_sleepy(perfgate):
    perfgate.pedantic(time.sleep, args=(0.02,), rounds=5)
"""

STEPPED = [(0.002, "a" * 40, f"2024-05-{day:02d}T09:00:00+00:00") for day in range(1, 31)] + [
    (0.02, "b" * 40, "2024-06-01T10:22:00+00:00"),
    (0.02, "c" * 40, "2024-06-02T10:22:00+00:00"),
]


def test_a_step_up_fails_naming_the_run_and_commit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKED)
    nodeid = "test_a_step_up_fails_naming_the_run_and_commit.py::test_sleepy"
    prefill(pytester.path / ".perfgate/history.sqlite", nodeid, STEPPED)
    result = run(pytester, "--perfgate-history-check", "--junitxml=junit.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "perfgate history check: *history.sqlite (steps up of 10% or more fail)",
            "perfgate: history: time median 2* ms is a step up from * ms (*x the median of 30 earlier "
            "runs, * standard errors) since the run of 2024-06-01 10:22 UTC, commit bbbbbbbbbb (main); "
            "if it is the new normal: perfgate history --accept --test "
            "test_a_step_up_fails_naming_the_run_and_commit.py::test_sleepy",
        ]
    )
    properties = junit_properties(pytester.path / "junit.xml")["test_sleepy"]
    assert properties["perfgate.verdict"] == "fail"
    assert float(properties["perfgate.history.ratio"]) > 5
    assert properties["perfgate.history.since_commit"] == "b" * 40
    assert len(history(pytester)) == len(STEPPED)  # read-only: nothing appended


def test_a_step_up_in_this_run_and_recording_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKED)
    nodeid = "test_a_step_up_in_this_run_and_recording_it.py::test_sleepy"
    prefill(pytester.path / ".perfgate/history.sqlite", nodeid, STEPPED[:30])
    result = run(pytester, "--perfgate-history-check", "--perfgate-history")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*perfgate: history: time median * is a step up from * in this run; *"])
    latest = history(pytester)[-1].results[0]
    assert latest.verdict == "fail"  # the run is recorded with the check's verdict
    assert latest.record is not None and latest.record.extra["history"]["since_run"] is None


def test_a_steady_or_faster_test_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKED)
    run(pytester, "--perfgate-history-check").assert_outcomes(passed=1)  # no store yet
    nodeid = "test_a_steady_or_faster_test_passes.py::test_sleepy"
    slower_before = [(0.08, "a" * 40, f"2024-05-{day:02d}T09:00:00+00:00") for day in range(1, 31)]
    prefill(pytester.path / ".perfgate/history.sqlite", nodeid, slower_before)
    run(pytester, "--perfgate-history-check").assert_outcomes(passed=1)


def test_warn_mode_warns(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKED)
    nodeid = "test_warn_mode_warns.py::test_sleepy"
    prefill(pytester.path / ".perfgate/history.sqlite", nodeid, STEPPED)
    result = run(pytester, "--perfgate-history-check", "--perfgate-mode=warn")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PerfgateWarning: perfgate: history: time median * is a step up*"])


def test_the_check_runs_on_xdist_workers(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(CHECKED)
    nodeid = "test_the_check_runs_on_xdist_workers.py::test_sleepy"
    prefill(pytester.path / ".perfgate/history.sqlite", nodeid, STEPPED)
    result = run_subprocess(pytester, "-n", "2", "--perfgate-history-check")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*perfgate: history: * since the run of 2024-06-01 10:22 UTC, commit bbbbbbbbbb*"]
    )


def test_an_unreadable_store_skips_the_check_with_a_warning(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKED)
    location = pytester.path / ".perfgate" / "history.sqlite"
    location.parent.mkdir()
    location.write_text("not a database " * 100)
    result = run(pytester, "--perfgate-history-check")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [f"perfgate warning: history check skipped: history store {location}: *not a perfgate history*"]
    )


LEVEL = """
import time
import pytest

@pytest.mark.performance(time="1s")
def test_level(perfgate):
    perfgate.pedantic(time.sleep, args=({seconds},), rounds=5)
"""


def check_run(pytester: pytest.Pytester, seconds: float, *arguments: str) -> pytest.RunResult:
    """One recorded and checked run of ``test_level`` sleeping ``seconds`` a round."""
    pytester.makepyfile(test_level=LEVEL.format(seconds=seconds))
    return run(pytester, "--perfgate-history", "--perfgate-history-check", *arguments)


def test_a_step_fails_every_later_run_until_it_is_accepted(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """10 runs at 10 ms, then 50 ms: every run at 50 ms fails (a run at 10 ms between passes) until
    ``perfgate history --accept``; then 50 ms is the level that later runs are judged against."""
    nodeid = "test_level.py::test_level"
    store = pytester.path / ".perfgate" / "history.sqlite"
    days = [(0.01, "a" * 40, f"2024-05-{day:02d}T09:00:00+00:00") for day in range(1, 11)]
    prefill(store, nodeid, days, noise=0.05)
    first = check_run(pytester, 0.05)
    first.assert_outcomes(failed=1)
    first.stdout.fnmatch_lines(
        ["*perfgate: history: time median 5* ms is a step up from 1* ms * in this run; *"]
    )
    for _ in range(2):
        later = check_run(pytester, 0.05)
        later.assert_outcomes(failed=1)
        later.stdout.fnmatch_lines(
            ["*is a step up from 1* ms (*x the median of 10 earlier runs, *) since the run of 20*; "
             f"if it is the new normal: perfgate history --accept --test {nodeid}"]
        )  # fmt: skip
    check_run(pytester, 0.01).assert_outcomes(passed=1)  # back at the old level
    check_run(pytester, 0.05).assert_outcomes(failed=1)  # the step is still there
    assert [result.verdict for run in history(pytester) for result in run.results][10:] == [
        "fail", "fail", "fail", "pass", "fail"
    ]  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(pytester.path)
        assert main(["history", "--accept", "--test", "test_level"]) == 0
    out = capsys.readouterr().out
    assert f"perfgate history: accepted the level of 1 test as of their latest run in {store}" in out
    assert f"  {nodeid}: time median 1" in out and " ms -> 5" in out
    check_run(pytester, 0.05).assert_outcomes(passed=1)  # the new normal
    with open_store(store, readonly=True) as reader:
        assert reader.accepted(nodeid) == [15]


def test_too_short_a_history_says_how_many_runs_it_has_and_needs(pytester: pytest.Pytester) -> None:
    nodeid = "test_level.py::test_level"
    result = check_run(pytester, 0.01, "--perfgate-json=report.json")
    result.assert_outcomes(passed=1)
    needs = "history check: not judged yet: {} of this test before this one on this kind of machine, 8 needed"
    result.stdout.fnmatch_lines([f"{nodeid}: {needs.format('0 runs')} (time median)"])
    prefill(
        pytester.path / ".perfgate" / "history.sqlite",
        nodeid,
        [(0.01, "a" * 40, "2024-05-01T09:00:00+00:00")],
    )
    result = check_run(pytester, 0.01, "--perfgate-json=report.json")
    result.stdout.fnmatch_lines([f"{nodeid}: {needs.format('2 runs')} (time median)"])
    notes = json.loads((pytester.path / "report.json").read_text())["tests"][0]["notes"]
    assert f"{needs.format('2 runs')} (time median)" in notes
