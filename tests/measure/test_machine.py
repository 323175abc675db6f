"""Machine speed: ``perfgate calibrate`` and ``reference_score`` scaling the time budgets."""

from __future__ import annotations

import json
import re

import pytest

from helpers import junit_properties
from pytest_perfgate.cli import main
from pytest_perfgate.config.timescale import machine_factor


def test_calibrate_prints_a_score_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    match = re.search(r"machine score: (\d+)", out)
    assert match is not None and int(match.group(1)) > 0
    assert "reference_score" in out


def test_calibrate_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--repeat", "1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["score"] > 0 and len(document["scores"]) == 1


def test_calibrate_bad_repeat_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--repeat", "0"]) == 2
    assert "perfgate calibrate: error: --repeat must be at least 1" in capsys.readouterr().err


def test_machine_factor() -> None:
    assert machine_factor(1000, 500) == 2.0
    with pytest.raises(ValueError, match="greater than zero"):
        machine_factor(1000, 0)


@pytest.mark.timing_sensitive
def test_reference_score_scales_budgets_and_shows_in_the_header(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject="""
        [tool.perfgate]
        reference_score = 1000
        scale = 2
        """,
    )
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="100ms")
        def test_quick(perfgate):
            perfgate.pedantic(time.sleep, args=(0.001,), rounds=6)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    header = re.search(
        r"perfgate: machine score (\d+) \(reference 1000\): time budgets x([\d.]+)", result.stdout.str()
    )
    assert header is not None
    score = int(header.group(1))
    budget = float(junit_properties(pytester.path / "junit.xml")["test_quick"]["perfgate.time.budget_s"])
    assert budget == pytest.approx(0.1 * 2 * 1000 / score, rel=0.01)


def test_bad_reference_score_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject="""
        [tool.perfgate]
        reference_score = -3
        """,
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*reference_score*must be a finite number greater than zero*"])


def test_calibrate_prints_the_median_and_warns_when_measurements_disagree(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_perfgate.commands import calibrate

    scores = iter([900.0, 450.0, 880.0])
    monkeypatch.setattr(calibrate, "machine_score", lambda: next(scores))
    monkeypatch.setattr(calibrate, "PAUSE_S", 0.0)
    assert main(["calibrate", "--repeat", "3"]) == 0
    out = capsys.readouterr().out
    assert "machine score: 880" in out
    assert "450 to 900" in out
    assert "warning: the measurements disagree by 51%" in out


def test_calibrate_is_quiet_about_steady_measurements(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_perfgate.commands import calibrate

    scores = iter([900.0, 905.0, 895.0])
    monkeypatch.setattr(calibrate, "machine_score", lambda: next(scores))
    monkeypatch.setattr(calibrate, "PAUSE_S", 0.0)
    assert main(["calibrate", "--repeat", "3"]) == 0
    out = capsys.readouterr().out
    assert "machine score: 900" in out and "warning" not in out
