"""End to end: memory budgets, measured apart from timing, with either backend, beside pytest-memray."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import junit_properties, without_contention
from pytest_perfgate.measure import memory

MiB = 1024**2
BACKENDS = [memory.MEMRAY, memory.TRACEMALLOC]

ALLOCATING = """
    import pytest

    MiB = 1024 ** 2

    def build():
        return bytearray(100 * MiB)

    @pytest.mark.performance(memory="50MB")
    def test_over(perfgate):
        perfgate.pedantic(build, rounds=2)

    @pytest.mark.performance(memory="500MB")
    def test_under(perfgate):
        perfgate.pedantic(build, rounds=2)
"""


def records(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    """testcase name -> its perfgate record (as JSON data) from junit.xml."""
    cases = junit_properties(pytester.path / "junit.xml")
    return {name: json.loads(props["perfgate.record"]) for name, props in cases.items() if props}


@pytest.mark.parametrize("backend", BACKENDS)
def test_over_memory_budget_fails_in_mib_naming_the_allocating_line(
    pytester: pytest.Pytester, backend: str
) -> None:
    path = pytester.makepyfile(test_alloc=ALLOCATING)
    line = 1 + path.read_text().splitlines().index("    return bytearray(100 * MiB)")
    result = pytester.runpytest(f"--perfgate-memory-backend={backend}", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            f"perfgate: *memory={backend}*",
            "*perfgate: marker: memory 100 MiB > budget 50 MiB (2.00x)"
            f"; largest allocation site test_alloc.py:{line} (100 MiB)*",
            "*Captured perfgate allocations call*",
            f"top allocation sites at the memory peak ({backend}):",
            f"*100 MiB*test_alloc.py:{line}*",
        ]
    )
    cases = junit_properties(pytester.path / "junit.xml")
    over, under = cases["test_over"], cases["test_under"]
    assert abs(int(over["perfgate.memory.peak_bytes"]) - 100 * MiB) <= 0.005 * 100 * MiB
    assert int(over["perfgate.memory.budget_bytes"]) == 50 * MiB
    assert int(under["perfgate.memory.budget_bytes"]) == 500 * MiB
    found = records(pytester)
    assert found["test_over"]["verdict"] == "fail"
    assert found["test_over"]["memory"]["backend"] == backend
    assert found["test_over"]["allocations"][0]["location"] == f"test_alloc.py:{line}"
    assert found["test_over"]["allocations"][0]["bytes"] >= 100 * MiB
    assert len(found["test_over"]["allocations"]) <= 10
    assert found["test_under"]["verdict"] == "pass"
    assert found["test_under"]["allocations"] == []
    assert found["test_under"]["memory"]["ratio"] == pytest.approx(0.2, rel=0.01)


@pytest.mark.parametrize("backend", BACKENDS)
def test_memory_is_measured_apart_from_the_timed_rounds(pytester: pytest.Pytester, backend: str) -> None:
    """The timed rounds run untraced; one more call of fn alone is traced after them."""
    pytester.makepyfile(
        """
        import os
        import sys
        import tempfile
        import tracemalloc
        import pytest

        def memray_tracing():
            import memray
            with tempfile.TemporaryDirectory() as directory:
                try:
                    with memray.Tracker(os.path.join(directory, "probe.bin")):
                        return False
                except RuntimeError:  # only one tracker can run at a time
                    return True

        seen = []

        def probe():
            seen.append(memray_tracing() or tracemalloc.is_tracing())
            return bytearray(1024 * 1024)

        @pytest.mark.performance(memory="10MB")
        def test_probe(perfgate):
            perfgate.pedantic(probe, rounds=3)
            assert seen == [False, False, False, True]
        """
    )
    pytester.runpytest(f"--perfgate-memory-backend={backend}").assert_outcomes(passed=1)


def test_every_performance_test_is_held_to_memory_usage(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def build():
            return bytearray(100 * 1024 ** 2)

        @pytest.mark.performance
        def test_marked(perfgate):
            perfgate.pedantic(build, rounds=1)

        @pytest.mark.performance("ui_response")
        def test_time_target(perfgate):
            perfgate.pedantic(build, rounds=1)

        def test_fixture_only(perfgate):
            perfgate.pedantic(build, rounds=1)
        """
    )
    result = pytester.runpytest("--perfgate-target", "memory_usage=50MB")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*memory 100 MiB > budget 50 MiB (2.00x)*"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_test_body_is_traced_as_one_call(pytester: pytest.Pytester, backend: str) -> None:
    path = pytester.makepyfile(
        test_body="""
        import pytest

        @pytest.mark.performance(memory="50MB")
        def test_big():
            data = bytearray(100 * 1024 ** 2)
            assert data

        @pytest.mark.performance(memory="500MB")
        def test_small():
            assert bytearray(1024)
        """
    )
    line = 1 + path.read_text().splitlines().index("    data = bytearray(100 * 1024 ** 2)")
    result = pytester.runpytest(f"--perfgate-memory-backend={backend}", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*perfgate: marker: memory 100 MiB > budget 50 MiB (2.00x)*",
            "test_body.py::test_small: time taken under memory tracing",
        ]
    )
    found = records(pytester)
    assert found["test_big"]["time"]["traced"] is True
    assert found["test_big"]["memory"]["backend"] == backend
    if backend == memory.MEMRAY:
        assert found["test_big"]["allocations"][0]["location"] == f"test_body.py:{line}"
        result.stdout.fnmatch_lines([f"*100 MiB*test_body.py:{line} in test_big*"])
    else:
        assert found["test_big"]["allocations"] == []
        assert any("no allocation sites" in note for note in found["test_big"]["notes"])


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        ({}, ["--perfgate-memory-backend=tracemalloc"], "tracemalloc"),
        ({"pytest.ini": "[pytest]\nperfgate_memory_backend = tracemalloc\n"}, [], "tracemalloc"),
        ({"pyproject.toml": '[tool.perfgate]\nmemory_backend = "tracemalloc"\n'}, [], "tracemalloc"),
        (
            {"pytest.ini": "[pytest]\nperfgate_memory_backend = tracemalloc\n"},
            ["--perfgate-memory-backend=memray"],
            "memray",
        ),
        ({}, [], "memray"),
    ],
    ids=["option", "ini", "pyproject", "option-beats-ini", "auto"],
)
def test_backend_choice(
    pytester: pytest.Pytester, files: dict[str, str], args: list[str], expected: str
) -> None:
    for name, text in files.items():
        pytester.path.joinpath(name).write_text(text)
    pytester.makepyfile(
        """
        def test_it(perfgate):
            perfgate.pedantic(bytearray, args=(1024,), rounds=1)
        """
    )
    result = pytester.runpytest(*args, "--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"perfgate: *memory={expected}, *"])
    assert records(pytester)["test_it"]["memory"]["backend"] == expected


@pytest.mark.parametrize(
    ("files", "args", "source"),
    [
        ({}, ["--perfgate-memory-backend=valgrind"], "option --perfgate-memory-backend"),
        ({"pytest.ini": "[pytest]\nperfgate_memory_backend = valgrind\n"}, [], "ini key"),
        ({"pyproject.toml": '[tool.perfgate]\nmemory_backend = "valgrind"\n'}, [], "[[]tool.perfgate]"),
    ],
    ids=["option", "ini", "pyproject"],
)
def test_unknown_backend_is_a_usage_error(
    pytester: pytest.Pytester, files: dict[str, str], args: list[str], source: str
) -> None:
    for name, text in files.items():
        pytester.path.joinpath(name).write_text(text)
    pytester.makepyfile("def test_it(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*perfgate: {source}*'valgrind' is not one of auto, memray, tracemalloc*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_memray_where_it_is_not_installed(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "memray_available", lambda: False)
    pytester.makepyfile(
        """
        def test_it(perfgate):
            perfgate.pedantic(bytearray, args=(1024 * 1024,), rounds=1)
        """
    )
    result = pytester.runpytest("--perfgate-memory-backend=memray")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*perfgate: option --perfgate-memory-backend: memory backend 'memray' is not installed here*"]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["perfgate: *memory=tracemalloc, *"])
    assert records(pytester)["test_it"]["memory"]["backend"] == "tracemalloc"


PYTEST_MEMRAY = """
    import pytest

    def build():
        return bytearray(10 * 1024 ** 2)

    @pytest.mark.limit_memory("1GB")
    @pytest.mark.performance(memory="500MB")
    def test_marked_fixture(perfgate):
        perfgate.pedantic(build, rounds=2)

    @pytest.mark.limit_memory("1GB")
    @pytest.mark.performance(memory="500MB")
    def test_marked_body():
        assert build()

    @pytest.mark.performance(memory="500MB")
    def test_plain(perfgate):
        perfgate.pedantic(build, rounds=2)

    @pytest.mark.limit_memory("1GB")
    @pytest.mark.performance(time="10s")
    def test_benchmark(benchmark):
        benchmark.pedantic(build, rounds=2)
"""


@pytest.mark.timing_sensitive
def test_pytest_memray_marker_on_a_perfgate_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PYTEST_MEMRAY)
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=4)
    found = records(pytester)
    for name in ("test_marked_fixture", "test_marked_body"):
        assert found[name]["memory"]["backend"] == "tracemalloc"
        assert abs(found[name]["memory"]["peak_bytes"] - 10 * MiB) <= 0.005 * 10 * MiB
        assert any(
            "pytest-memray traces this test (@pytest.mark.limit_memory)" in note
            and "memory measured with tracemalloc" in note
            for note in found[name]["notes"]
        ), found[name]["notes"]
    assert found["test_plain"]["memory"]["backend"] == "memray"
    # A busy machine adds a contention note to any test; no other note may appear.
    assert without_contention(found["test_plain"]["notes"]) == []
    # its memory is measured on one more call of its function, so with tracemalloc too
    assert found["test_benchmark"]["memory"]["backend"] == "tracemalloc"
    assert without_contention(found["test_benchmark"]["notes"]) == [
        "pytest-memray traces this test (@pytest.mark.limit_memory): memory measured with tracemalloc "
        "(two memray trackers cannot run at once); its times were taken under memray's tracing"
    ]


def test_pytest_memray_traces_every_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PYTEST_MEMRAY)
    result = pytester.runpytest("--memray", "--junitxml=junit.xml")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["perfgate: *memory=tracemalloc (--memray), *", "*MEMRAY REPORT*"])
    found = records(pytester)
    assert {record["memory"]["backend"] for record in found.values()} == {"tracemalloc"}
    assert any("(--memray)" in note for note in found["test_plain"]["notes"])


def test_pytest_memray_over_budget_still_fails_on_perfgates_budget(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.limit_memory("1GB")
        @pytest.mark.performance(memory="50MB")
        def test_it(perfgate):
            perfgate.pedantic(bytearray, args=(100 * 1024 ** 2,), rounds=1)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*memory 100 MiB > budget 50 MiB (2.00x)*"])
    record = records(pytester)["test_it"]
    assert record["memory"]["backend"] == "tracemalloc"
    assert record["allocations"][0]["bytes"] >= 100 * MiB  # bytearray returns what it allocates
    assert memory.UNFOLLOWED_NOTE in record["notes"]


def test_bad_memory_specs_are_clear_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance(memory="50 parsecs")
        def test_it(perfgate):
            pass
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*test_it*'50 parsecs' has an unknown memory unit*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result = pytester.runpytest("--perfgate-target", "memory_usage=-5MB")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--perfgate-target 'memory_usage=-5MB'*greater than zero*"])


def test_pedantic_setup_is_not_counted(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def make_input():
            return (bytearray(100 * 1024 ** 2),), {}

        @pytest.mark.performance(memory="50MB")
        def test_it(perfgate):
            perfgate.pedantic(len, setup=make_input, rounds=2)
            assert perfgate.measurement.memory.peak_bytes < 1024 ** 2
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
