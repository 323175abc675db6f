"""End to end: ``perfgate.leaks`` fails on memory still held after repeated calls, names where."""

from __future__ import annotations

import json

import pytest
from neighbours import neighbours

from helpers import junit_properties
from pytest_perfgate.gates import leaks as leak_gate
from pytest_perfgate.measure import memory

KiB = 1024
MiB = 1024**2

LEAKY = """
    _held = []

    def leaky():
        _held.append(bytearray(100 * 1024))

    def tidy(n, *, scale=1):
        return [str(i) * scale for i in range(n)]

    def test_leaky(perfgate):
        perfgate.leaks(leaky)

    def test_tidy(perfgate):
        perfgate.leaks(tidy, 1000, scale=3, calls=20)
        assert perfgate.measurement.extra["leaks"]["calls"] == 20
"""


@pytest.mark.parametrize("backend", [memory.MEMRAY, memory.TRACEMALLOC])
def test_a_leak_fails_naming_the_line_and_no_leak_passes(pytester: pytest.Pytester, backend: str) -> None:
    path = pytester.makepyfile(test_leaks=LEAKY)
    line = 1 + path.read_text().splitlines().index("    _held.append(bytearray(100 * 1024))")
    result = pytester.runpytest(f"--perfgate-memory-backend={backend}", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*perfgate: budget: leaks: memory grew 4.* MiB over 45 calls > max_growth 1 MiB (4.*x)"
            f"; held by test_leaks.py:{line} (4.* MiB)*",
            "*Captured perfgate allocations call*",
            f"allocations still held after the calls ({backend}):",
            f"*4.* MiB*test_leaks.py:{line}*",
        ]
    )
    result.stdout.fnmatch_lines(["test_leaks.py::test_tidy: leaks: * still held after 18 calls*"])
    assert "Benchmark fixture was not used" not in result.stdout.str()
    cases = junit_properties(pytester.path / "junit.xml")
    leaky, tidy = cases["test_leaky"], cases["test_tidy"]
    assert leaky["perfgate.verdict"] == "fail"
    assert 45 * 100 * KiB <= int(leaky["perfgate.leaks.growth_bytes"]) < 46 * 100 * KiB
    assert int(leaky["perfgate.leaks.max_growth_bytes"]) == MiB
    assert int(leaky["perfgate.leaks.calls"]) == 50
    assert int(leaky["perfgate.leaks.warmup_calls"]) == 5
    assert leaky["perfgate.leaks.backend"] == backend
    record = json.loads(leaky["perfgate.record"])
    assert record["allocations"][0]["location"] == f"test_leaks.py:{line}"
    assert record["memory"]["backend"] == backend
    assert tidy["perfgate.verdict"] == "pass"
    assert int(tidy["perfgate.leaks.growth_bytes"]) < 64 * KiB
    assert json.loads(tidy["perfgate.record"])["allocations"] == []


def test_leaks_in_warn_and_off_modes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        _held = []

        def leaky():
            _held.append(bytearray(100 * 1024))

        def test_leaky(perfgate):
            perfgate.leaks(leaky, calls=30)
            assert len(_held) in (1, 30)
        """
    )
    result = pytester.runpytest("--perfgate-mode=warn", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PerfgateWarning: perfgate: budget: leaks: memory grew*"])
    assert junit_properties(pytester.path / "junit.xml")["test_leaky"]["perfgate.verdict"] == "warn"
    result = pytester.runpytest("--perfgate-mode=off", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    assert junit_properties(pytester.path / "junit.xml")["test_leaky"]["perfgate.verdict"] == "not-measured"


def test_bad_arguments_fail_the_test_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_one_call(perfgate):
            perfgate.leaks(list, calls=1)

        def test_calls_text(perfgate):
            perfgate.leaks(list, calls="50")

        def test_growth_text(perfgate):
            perfgate.leaks(list, max_growth="lots")

        def test_growth_negative(perfgate):
            perfgate.leaks(list, max_growth=-1)

        def test_not_callable(perfgate):
            perfgate.leaks("list")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=5)
    result.stdout.fnmatch_lines_random(
        [
            "*ValueError: perfgate.leaks: calls must be at least 2 (warm-up calls, then measured*), not 1",
            "*TypeError: perfgate.leaks: calls must be a whole number, not '50'",
            "*ValueError: perfgate.leaks: max_growth: 'lots' is not a memory*",
            "*ValueError: perfgate.leaks: max_growth: -1 must be greater than zero",
            "*TypeError: perfgate.leaks: fn must be callable, not 'list'",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_max_growth_takes_numbers_and_specs() -> None:
    assert leak_gate.validate(len, 10, 2048) == (10, 2048)
    assert leak_gate.validate(len, 2, "1.5 MiB") == (2, 3 * MiB // 2)
    with pytest.raises(TypeError, match="calls must be a whole number, not True"):
        leak_gate.validate(len, True, "1MB")


def test_a_busy_machine_does_not_change_the_leak_verdict(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_leaks=LEAKY)
    with neighbours() as loaders:
        result = pytester.runpytest("--junitxml=junit.xml")
    assert all(loader.poll() is not None for loader in loaders)
    result.assert_outcomes(passed=1, failed=1)
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_leaky"]["perfgate.verdict"] == "fail"
    assert cases["test_tidy"]["perfgate.verdict"] == "pass"
