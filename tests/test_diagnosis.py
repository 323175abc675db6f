"""End to end: an over-budget test says why it is slow (a profile, CPU beside wall time)."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from helpers import junit_properties
from pytest_perfgate.runtest import profile
from pytest_perfgate.runtest.session import PerfgateSession, state

SLEEPY = """
    import time
    import pytest

    def slow_helper():
        time.sleep(0.05)

    def work():
        slow_helper()
        return sum(range(100))

    def busy():
        return sum(i * i for i in range(100_000))

    @pytest.mark.performance(time="5ms")
    def test_sleepy(perfgate):
        perfgate.pedantic(work, rounds=2)

    @pytest.mark.performance(time="1ms")
    def test_busy(perfgate):
        perfgate.pedantic(busy, rounds=2)

    @pytest.mark.performance(time="10s")
    def test_quick(perfgate):
        perfgate.pedantic(work, rounds=1)
"""


def line_of(source: str, text: str) -> int:
    """The line number of ``text`` in the file pytester writes from ``source``."""
    return textwrap.dedent(source).strip("\n").splitlines().index(text) + 1


HELPER_LINE = line_of(SLEEPY, "def slow_helper():")


def records(path: Path) -> dict[str, dict[str, Any]]:
    """testcase name -> the perfgate record (as JSON data) of a junit XML file."""
    return {
        name: json.loads(properties["perfgate.record"])
        for name, properties in junit_properties(path).items()
        if "perfgate.record" in properties
    }


#: On a busy machine the time verdict may wait for the CPU and measure again; the default
#: --perfgate-max-time (10 s) could then be spent before the profiled call these tests look at.
ROOM_TO_PROFILE = ("--perfgate-max-time=60s",)


@pytest.mark.timing_sensitive
def test_an_over_budget_test_names_its_slow_helper(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SLEEPY)
    result = pytester.runpytest("--junitxml=junit.xml", "-k", "sleepy or quick", *ROOM_TO_PROFILE)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*perfgate: marker: time median 5* ms > budget 5 ms (*x); cpu * of 5* ms wall*",
            "*- perfgate profile -*",
            "cProfile of one more call of work (after the timed rounds): the * functions *",
            "*calls*total*cumulative*function*file:line",
            f"*1*slow_helper*test_app.py:{HELPER_LINE}",
        ]
    )
    found = records(pytester.path / "junit.xml")
    profile = found["test_sleepy"]["profile"]
    helper = next(row for row in profile if row["function"] == "slow_helper")
    assert helper == {**helper, "file": "test_app.py", "line": HELPER_LINE, "calls": 1}
    assert helper["cumulative_s"] >= 0.04
    assert 1 <= len(profile) <= 15
    time = found["test_sleepy"]["time"]
    assert time["cpu_s"] < 0.5 * time["value_s"]  # asleep, not computing
    assert found["test_quick"]["profile"] == []  # passed: not profiled by default
    assert found["test_quick"]["time"]["cpu_s"] is not None


@pytest.mark.timing_sensitive
def test_cpu_time_tells_computing_from_waiting(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SLEEPY)
    result = pytester.runpytest("--junitxml=junit.xml", "-k", "sleepy or busy", *ROOM_TO_PROFILE)
    result.assert_outcomes(failed=2)
    found = records(pytester.path / "junit.xml")
    sleepy, busy = found["test_sleepy"]["time"], found["test_busy"]["time"]
    assert sleepy["cpu_s"] < 0.5 * sleepy["value_s"]
    # computing: CPU time is most of the wall time judged, busy machine or quiet (others' wait is
    # taken out of the wall time, and the CPU share is of the rounds as measured, wait and all)
    assert busy["cpu_s"] > 0.5 * busy["value_s"]
    assert sleepy["cpu_s"] / sleepy["value_s"] < busy["cpu_s"] / busy["value_s"] / 10
    assert "<genexpr>" in [row["function"] for row in found["test_busy"]["profile"]]
    result.stdout.fnmatch_lines(["test*target*stat*time*cpu*budget*ratio*memory*budget*verdict"])


def test_always_profiles_passing_tests_and_off_none(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SLEEPY)
    result = pytester.runpytest("--junitxml=always.xml", "-k", "sleepy or quick", "--perfgate-profile=always")
    result.assert_outcomes(passed=1, failed=1)
    found = records(pytester.path / "always.xml")
    assert "slow_helper" in [row["function"] for row in found["test_quick"]["profile"]]
    assert "slow_helper" in [row["function"] for row in found["test_sleepy"]["profile"]]

    result = pytester.runpytest("--junitxml=off.xml", "-k", "sleepy or quick", "--perfgate-profile=off")
    result.assert_outcomes(passed=1, failed=1)
    assert "perfgate profile" not in result.stdout.str()
    found = records(pytester.path / "off.xml")
    assert found["test_sleepy"]["profile"] == found["test_quick"]["profile"] == []
    assert found["test_sleepy"]["time"]["cpu_s"] is not None  # CPU time is not part of the profile


def test_profile_setting_from_pyproject(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.perfgate]\nprofile = "off"\n')
    pytester.makepyfile(test_app=SLEEPY)
    result = pytester.runpytest("--junitxml=junit.xml", "-k", "sleepy")
    result.assert_outcomes(failed=1)
    assert records(pytester.path / "junit.xml")["test_sleepy"]["profile"] == []


@pytest.mark.parametrize(
    ("args", "files", "source"),
    [
        (["--perfgate-profile=sometimes"], {}, "option --perfgate-profile"),
        ([], {"ini": "[pytest]\nperfgate_profile = never\n"}, "ini key perfgate_profile"),
        ([], {"pyproject": '[tool.perfgate]\nprofile = "yes"\n'}, "[tool.perfgate] profile"),
    ],
)
def test_an_unknown_profile_mode_is_a_usage_error(
    pytester: pytest.Pytester, args: list[str], files: dict[str, str], source: str
) -> None:
    if "ini" in files:
        pytester.makeini(files["ini"])
    if "pyproject" in files:
        pytester.makepyprojecttoml(files["pyproject"])
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*perfgate: {source.replace('[', '[[]')}*is not one of fail, always, off*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


BENCHMARK_AND_BODY = """
    import time
    import pytest

    def slow_helper():
        time.sleep(0.05)

    def work():
        slow_helper()

    @pytest.mark.performance(time="5ms")
    def test_with_benchmark(benchmark):
        benchmark.pedantic(work, rounds=2)

    @pytest.mark.performance(time="5ms")
    def test_body():
        work()
"""


def test_benchmark_and_body_tests_say_why_they_have_no_profile(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=BENCHMARK_AND_BODY)
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*- perfgate profile -*",
            "no profile: pytest-benchmark's benchmark fixture cannot call the function again "
            "(run with --benchmark-cprofile=cumtime*",
            "*- perfgate profile -*",
            "no profile: the test body was measured as one call and cannot be run again*",
        ]
    )
    found = records(pytester.path / "junit.xml")
    for name in ("test_with_benchmark", "test_body"):
        record = found[name]
        assert record["profile"] == []
        assert any(note.startswith("no profile:") for note in record["notes"])
        assert record["time"]["cpu_s"] < 0.5 * record["time"]["value_s"]


def test_benchmark_cprofile_is_used_when_given(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=BENCHMARK_AND_BODY)
    result = pytester.runpytest("--junitxml=junit.xml", "--benchmark-cprofile=cumtime", "-k", "benchmark")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "cProfile taken by pytest-benchmark (--benchmark-cprofile)*",
            f"*slow_helper*test_app.py:{line_of(BENCHMARK_AND_BODY, 'def slow_helper():')}",
        ]
    )
    profile = records(pytester.path / "junit.xml")["test_with_benchmark"]["profile"]
    assert "slow_helper" in [row["function"] for row in profile]


def test_profile_reaches_the_controller_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=SLEEPY)
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "no:hypothesispytest", "--junitxml=junit.xml", "-k", "sleepy or quick"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*- perfgate profile -*", f"*slow_helper*test_app.py:{HELPER_LINE}"])
    profile = records(pytester.path / "junit.xml")["test_sleepy"]["profile"]
    assert "slow_helper" in [row["function"] for row in profile]


def test_a_profiled_call_that_raises_leaves_a_note(pytester: pytest.Pytester) -> None:
    item = pytester.getitem("def test_func():\n    pass\n")

    def explode() -> None:
        raise RuntimeError("only once")

    taken = profile.fixture_call(item, lambda: (explode, (), {}))
    assert taken.rows == []
    assert taken.note == "no profile: the profiled call raised RuntimeError: only once"
    assert state(item).profile_section == taken.note


def test_only_over_budget_times_are_profiled_by_default(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure()
    settings = PerfgateSession.of(config).settings
    assert profile.wants_profile(settings, over_time=True)
    assert not profile.wants_profile(settings, over_time=False)  # within budget, or failed on memory only
    assert profile.wants_profile(replace(settings, profile="always"), over_time=False)
    assert not profile.wants_profile(replace(settings, mode="off"), over_time=True)
