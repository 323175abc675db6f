"""The JSON report: its schema end to end, atomic writing, interrupted runs, reading it back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from reportdata import sample_report

from pytest_perfgate.reports.files import ReportPathError, check_writable, write_atomically
from pytest_perfgate.reports.jsonfile import dumps, write_report
from pytest_perfgate.reports.model import SCHEMA
from pytest_perfgate.reports.reader import read_report

SUITE = """
import time
import pytest

@pytest.mark.performance("ui_response")
def test_quick(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=3)

@pytest.mark.performance(time="5ms")
def test_slow(perfgate):
    perfgate.pedantic(time.sleep, args=(0.05,), rounds=2)

def test_not_performance():
    pass
"""


def test_report_schema_end_to_end(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.mkdir("out")
    result = pytester.runpytest("--perfgate-json=out/report.json", "--perfgate-target=ui_response=80ms")
    result.assert_outcomes(passed=2, failed=1)
    path = pytester.path / "out" / "report.json"
    result.stdout.fnmatch_lines([f"perfgate: wrote the json report to {path}"])
    document = json.loads(path.read_text())
    assert document["schema"] == SCHEMA
    assert document["complete"] is True
    assert document["exit_status"] == 1
    assert document["settings"]["stat"] == "median"
    assert document["settings"]["mode"] == "enforce"
    assert document["settings"]["time_scale"] == 1.0
    assert document["targets"]["ui_response"]["time_s"] == pytest.approx(0.08)
    assert document["targets"]["memory_usage"]["memory_bytes"] == 500 * 1024**2
    machine = document["machine"]
    for key in ("cpu", "cores", "os", "python", "packages", "commit"):
        assert key in machine
    assert machine["cores"] == os.cpu_count()
    assert {"pytest", "pytest-benchmark", "memray", "pytest-perfgate"} <= set(machine["packages"])
    assert document["counts"] == {
        "pass": 1,
        "fail": 1,
        "warn": 0,
        "not-measured": 0,
        "xfail": 0,
        "xpass": 0,
        "skip": 0,
    }
    assert {test["outcome"] for test in document["tests"]} == {"passed", "failed"}
    tests = {test["nodeid"]: test for test in document["tests"]}
    assert set(tests) == {
        "test_report_schema_end_to_end.py::test_quick",
        "test_report_schema_end_to_end.py::test_slow",
    }
    quick = tests["test_report_schema_end_to_end.py::test_quick"]
    assert quick["target"] == "ui_response"
    assert quick["verdict"] == "pass"
    time = quick["time"]
    assert time["stat"] == "median"
    assert time["budget_s"] == pytest.approx(0.08)
    assert time["rounds"] == len(time["data"]) == 3
    assert time["min"] <= time["median"] <= time["max"]
    assert time["value_s"] == time["median"] >= 0.001
    assert time["ratio"] == pytest.approx(time["value_s"] / 0.08)
    assert quick["memory"]["budget_bytes"] == 500 * 1024**2
    assert quick["memory"]["backend"] in ("memray", "tracemalloc")
    assert isinstance(quick["memory"]["peak_bytes"], int)
    slow = tests["test_report_schema_end_to_end.py::test_slow"]
    assert slow["verdict"] == "fail"
    assert slow["time"]["value_s"] >= 0.05
    assert "budget 5 ms" in slow["message"]
    assert read_report(path).counts["fail"] == 1


def test_machine_names_the_git_commit(pytester: pytest.Pytester) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    pytester.makepyfile(SUITE)
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a"}
    env["GIT_COMMITTER_EMAIL"] = "a@b"
    for args in (["init", "-q", "-b", "trunk"], ["add", "."], ["commit", "-q", "-m", "x"]):
        subprocess.run([git, *args], cwd=pytester.path, env=env, check=True)
    commit = subprocess.run(
        [git, "rev-parse", "HEAD"], cwd=pytester.path, capture_output=True, text=True, check=True
    ).stdout.strip()
    pytester.runpytest("--perfgate-json=report.json", "-k", "quick")
    machine = json.loads((pytester.path / "report.json").read_text())["machine"]
    assert machine["commit"] == commit
    assert machine["branch"] == "trunk"
    assert machine["dirty"] is False


def test_interrupted_run_writes_what_it_has(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="1s")
        def test_first(perfgate):
            perfgate.pedantic(time.sleep, args=(0.001,), rounds=2)

        def test_stopped():
            raise KeyboardInterrupt

        @pytest.mark.performance(time="1s")
        def test_never_runs(perfgate):
            perfgate.pedantic(time.sleep, args=(0.001,), rounds=2)
        """
    )
    result = pytester.runpytest_inprocess(
        "--perfgate-json=report.json", "--perfgate-markdown=report.md", no_reraise_ctrlc=True
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    document = json.loads((pytester.path / "report.json").read_text())
    assert document["complete"] is False
    assert document["exit_status"] == 2
    assert [test["nodeid"].split("::")[1] for test in document["tests"]] == ["test_first"]
    assert "Incomplete" in (pytester.path / "report.md").read_text()


def test_run_stopped_by_maxfail_is_incomplete(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance(time="1s")
        def test_first():
            assert False

        @pytest.mark.performance(time="1s")
        def test_second():
            pass
        """
    )
    pytester.runpytest("-x", "--perfgate-json=report.json")
    document = json.loads((pytester.path / "report.json").read_text())
    assert document["complete"] is False
    assert len(document["tests"]) == 1


@pytest.mark.parametrize("option", ["--perfgate-json", "--perfgate-markdown", "--perfgate-html"])
@pytest.mark.parametrize(
    ("target", "problem"),
    [
        (".", "is a directory"),
        ("missing/report.out", "does not exist"),
        ("afile/report.out", "is not a directory"),
    ],
)
def test_bad_report_path_is_a_usage_error(
    pytester: pytest.Pytester, option: str, target: str, problem: str
) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    pytester.path.joinpath("afile").write_text("")
    result = pytester.runpytest(f"{option}={target}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: perfgate: option {option}: *{problem}*"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    assert "INTERNALERROR" not in result.stderr.str() + result.stdout.str()


def test_report_that_cannot_be_written_at_the_end_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import shutil
        import pytest

        @pytest.mark.performance(time="1s")
        def test_removes_the_report_directory():
            shutil.rmtree("out")
        """
    )
    pytester.mkdir("out")
    result = pytester.runpytest("--perfgate-json=out/report.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["perfgate: option --perfgate-json: cannot write */out/report.json: *"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_nothing_is_written_under_collect_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.runpytest("--collect-only", "--perfgate-json=report.json")
    assert not (pytester.path / "report.json").exists()


def test_round_trip(tmp_path: Path) -> None:
    report = sample_report(warnings=("w",), complete=False, duration_s=1.5, exit_status=1)
    path = tmp_path / "report.json"
    write_report(path, report)
    loaded = read_report(path)
    assert loaded == report
    assert {verdict: n for verdict, n in loaded.counts.items() if n} == {
        "pass": 1,
        "fail": 1,
        "warn": 1,
        "not-measured": 1,
    }


def test_non_finite_numbers_become_null() -> None:
    report = sample_report(duration_s=float("nan"))
    assert json.loads(dumps(report))["duration_s"] is None


def test_atomic_write_replaces_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old")
    write_atomically(path, "new")
    assert path.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_atomic_write_failure_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "report.json"
    with pytest.raises(ReportPathError, match=rf"^cannot write {path}: "):
        write_atomically(path, "x")


def test_check_writable_accepts_a_new_file(tmp_path: Path) -> None:
    check_writable(tmp_path / "new.json")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
