"""End to end: ``perfgate.concurrent`` compares a call alone with ``workers`` copies at once."""

from __future__ import annotations

import json
import sys

import pytest
from neighbours import neighbours

from helpers import junit_properties
from pytest_perfgate.gates.load import available_cores

pytestmark = pytest.mark.timing_sensitive

WORKLOADS = """
import threading
import time

LOCK = threading.Lock()


def spin():
    total = 0
    for i in range(20000):
        total += i * i
    return total


def nap():
    time.sleep(0.01)


def locked_nap():
    with LOCK:
        time.sleep(0.005)


def nap_for(seconds, *, times=1):
    for _ in range(times):
        time.sleep(seconds)


def explode():
    raise ZeroDivisionError("boom in the worker")
"""


def test_gil_or_lock_bound_threads_fail_and_sleeping_threads_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(workloads=WORKLOADS)
    pytester.makepyfile(
        """
        import pytest
        from workloads import locked_nap, nap, spin

        @pytest.mark.performance
        def test_spin(perfgate):
            perfgate.concurrent(spin, workers=4, max_slowdown=1.2)

        @pytest.mark.performance
        def test_locked(perfgate):
            perfgate.concurrent(locked_nap, workers=4, max_slowdown=1.2)

        @pytest.mark.performance
        def test_nap(perfgate):
            result = perfgate.concurrent(nap, workers=4, max_slowdown=1.2)
            assert result.measured and result.kind == "thread" and result.workers == 4
            assert result.alone_s >= 0.01 and result.together_s >= 0.01
            assert result.calls_per_s_together > 2 * result.calls_per_s_alone  # sleeping overlaps
            assert perfgate.measurement.extra["concurrent"]["workers"] == 4
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", "--perfgate-confirm=0")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*perfgate: budget: concurrent slowdown *x > max 1.2x (*x): median call * alone, "
            "* with 4 threads at once; throughput * calls/s alone, * calls/s together",
            "*alone: * median call *, * calls/s (1 thread, * calls)",
            "*together: median call *, * calls/s (4 threads, * calls each)",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*::test_spin*slowdown*x*1.20x*x*FAIL*", "*::test_nap*slowdown*x*1.20x*x*pass*"]
    )
    # what the gate saw of the machine: in the failure and in a note of every test
    result.stdout.fnmatch_lines(
        [
            "*slowdown: median over * rounds of together / alone*; wall clock *x, CPU time *x",
            "*machine:  * cores; * independent work (zlib) ran *x slower side by side",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*::test_nap: concurrent: *x with other processes' wait taken out, *x on the wall clock; machine: *"]
    )
    assert "Benchmark fixture was not used" not in result.stdout.str()
    cases = junit_properties(pytester.path / "junit.xml")
    spin, locked, nap = cases["test_spin"], cases["test_locked"], cases["test_nap"]
    assert spin["perfgate.verdict"] == "fail"
    assert float(spin["perfgate.concurrent.slowdown"]) > 1.2  # about 4: the GIL runs one thread at a time
    assert float(spin["perfgate.concurrent.least_slowdown"]) > 1.2  # even if every wait was passed on
    assert (
        float(spin["perfgate.concurrent.machine_slowdown"]) < 2.0
    )  # independent work scales: not the machine
    assert locked["perfgate.verdict"] == "fail"
    assert float(locked["perfgate.concurrent.slowdown"]) > 2.0  # about 4: one thread at a time holds the lock
    assert nap["perfgate.verdict"] == "pass"
    assert float(nap["perfgate.concurrent.slowdown"]) < 1.2  # about 1
    for case in (spin, locked, nap):
        assert float(case["perfgate.concurrent.max_slowdown"]) == 1.2
        assert case["perfgate.concurrent.workers"] == "4"
        assert case["perfgate.concurrent.kind"] == "thread"
        assert float(case["perfgate.concurrent.together_s"]) > 0
        assert float(case["perfgate.concurrent.alone_s"]) > 0
        assert float(case["perfgate.concurrent.calls_per_s_alone"]) > 0


def test_workers_beyond_the_cores_are_noted(pytester: pytest.Pytester) -> None:
    import os

    workers = (os.cpu_count() or 1) + 1
    pytester.makepyfile(workloads=WORKLOADS)
    pytester.makepyfile(
        f"""
        import pytest
        from workloads import nap_for

        @pytest.mark.performance
        def test_nap(perfgate):
            perfgate.concurrent(nap_for, 0.02, times=2, workers={workers}, max_slowdown=1.2)
        """
    )
    result = pytester.runpytest("--perfgate-mode=warn", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*::test_nap: {workers} workers on * cores: *"])
    record = json.loads(junit_properties(pytester.path / "junit.xml")["test_nap"]["perfgate.record"])
    assert record["extra"]["concurrent"]["cores"] < workers


def test_processes_run_a_module_level_function(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(workloads=WORKLOADS)
    pytester.makepyfile(
        """
        import pytest
        from workloads import nap

        @pytest.mark.performance
        def test_nap(perfgate):
            result = perfgate.concurrent(nap, workers=2, max_slowdown=1.2, kind="process")
            assert result.kind == "process" and result.alone_s >= 0.01
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*::test_nap*slowdown*x*1.20x*pass*"])
    properties = junit_properties(pytester.path / "junit.xml")["test_nap"]
    assert properties["perfgate.concurrent.kind"] == "process"
    assert float(properties["perfgate.concurrent.slowdown"]) < 1.2


def test_processes_import_a_function_of_the_test_module_itself(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        def nap(seconds):
            time.sleep(seconds)

        @pytest.mark.performance
        def test_nap(perfgate):
            result = perfgate.concurrent(nap, 0.01, workers=2, max_slowdown=1.2, kind="process")
            assert result.measured
        """
    )
    result = pytester.runpytest_subprocess("--junitxml=junit.xml", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)
    assert junit_properties(pytester.path / "junit.xml")["test_nap"]["perfgate.verdict"] == "pass"


def test_a_lambda_for_processes_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading
        import pytest

        pytestmark = pytest.mark.performance

        def test_lambda(perfgate):
            perfgate.concurrent(lambda: None, workers=2, kind="process")

        def test_local(perfgate):
            def work():
                pass
            perfgate.concurrent(work, workers=2, kind="process")

        def test_argument(perfgate):
            perfgate.concurrent(print, threading.Lock(), workers=2, kind="process")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines_random(
        [
            "E *TypeError: perfgate.concurrent(kind='process'): fn test_a_lambda*.test_lambda.<locals>."
            "<lambda> cannot be pickled for the worker processes (*); define it at module level*, "
            "or use kind='thread'",
            "E *TypeError: perfgate.concurrent(kind='process'): fn test_a_lambda*.test_local.<locals>.work "
            "cannot be pickled*",
            "E *TypeError: perfgate.concurrent(kind='process'): args cannot be pickled*lock*",
        ]
    )
    result.stdout.no_fnmatch_line("*INTERNALERROR*")


def test_a_function_the_workers_cannot_import_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys
        import types
        import pytest

        ghost = types.ModuleType("perfgate_ghost_module")
        exec("def work():\\n    pass\\n", ghost.__dict__)
        sys.modules["perfgate_ghost_module"] = ghost  # importable here, not in a fresh interpreter

        @pytest.mark.performance
        def test_ghost(perfgate):
            perfgate.concurrent(ghost.work, workers=1, kind="process")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *RuntimeError: perfgate.concurrent: perfgate_ghost_module.work failed in worker process 0 "
            "(the function must be importable by a fresh interpreter*",
            "*ModuleNotFoundError: No module named 'perfgate_ghost_module'*",
        ]
    )


def test_an_error_in_a_worker_thread_fails_the_test_with_that_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(workloads=WORKLOADS)
    pytester.makepyfile(
        """
        import pytest
        from workloads import explode

        @pytest.mark.performance
        def test_explode(perfgate):
            perfgate.concurrent(explode, workers=2)
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E *ZeroDivisionError: boom in the worker"])
    properties = junit_properties(pytester.path / "junit.xml")["test_explode"]
    assert properties["perfgate.verdict"] == "not-measured"


@pytest.mark.parametrize(
    ("option", "reason"),
    [
        ("--perfgate-mode=off", "perfgate mode is off"),
        ("--benchmark-disable", "pytest-benchmark is disabled (--benchmark-disable)"),
    ],
)
def test_nothing_measured_calls_once(pytester: pytest.Pytester, option: str, reason: str) -> None:
    pytester.makepyfile(
        """
        import pytest

        calls = []

        @pytest.mark.performance
        def test_concurrent(perfgate):
            result = perfgate.concurrent(calls.append, 1, workers=3, kind="process")
            assert calls == [1]
            assert not result.measured and result.slowdown is None
        """
    )
    result = pytester.runpytest(option)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*::test_concurrent*not-measured: {reason}*"])


BAD_CALLS = [
    ("workers=0", "ValueError: perfgate.concurrent: workers must be at least 1, not 0"),
    ("workers=2.5", "TypeError: perfgate.concurrent: workers must be a whole number, not 2.5"),
    ("max_slowdown=0.9", "ValueError: perfgate.concurrent: max_slowdown must be at least 1, not 0.9"),
    ("max_slowdown='fast'", "TypeError: perfgate.concurrent: max_slowdown must be a number, not 'fast'"),
    ("kind='fiber'", "ValueError: perfgate.concurrent: kind must be 'thread' or 'process', not 'fiber'"),
]


def test_bad_arguments_fail_the_test_with_a_message_naming_them(pytester: pytest.Pytester) -> None:
    tests = "\n".join(
        f"def test_bad_{index}(perfgate):\n    perfgate.concurrent(len, [1], {argument})\n"
        for index, (argument, _) in enumerate(BAD_CALLS)
    )
    pytester.makepyfile(
        f"""
import pytest

pytestmark = pytest.mark.performance

{tests}
def test_fn_not_callable(perfgate):
    perfgate.concurrent("len", [1])
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=len(BAD_CALLS) + 1)
    result.stdout.fnmatch_lines_random(
        [f"E *{message}" for _, message in BAD_CALLS]
        + ["E *TypeError: perfgate.concurrent: fn must be callable, not 'len'"]
    )
    result.stdout.no_fnmatch_line("*INTERNALERROR*")


def test_a_busy_machine_does_not_fail_the_gate(pytester: pytest.Pytester) -> None:
    """CPU-bound processes, one per core, and sleeping threads, with more loaders than cores running."""
    pytester.makepyfile(workloads=WORKLOADS)
    pytester.makepyfile(
        f"""
        import pytest
        from workloads import nap, spin

        @pytest.mark.performance
        def test_processes(perfgate):
            perfgate.concurrent(spin, workers={available_cores()}, max_slowdown=1.2, kind="process")

        @pytest.mark.performance
        def test_sleeping_threads(perfgate):
            perfgate.concurrent(nap, workers=4, max_slowdown=1.2)
        """
    )
    with neighbours() as loaders:
        result = pytester.runpytest("--junitxml=junit.xml", "-p", "no:randomly")
    assert all(loader.poll() is not None for loader in loaders)
    result.assert_outcomes(passed=2)
    cases = junit_properties(pytester.path / "junit.xml")
    for name in ("test_processes", "test_sleeping_threads"):
        # a warning only where the gate says the machine could not judge; never a failure
        assert cases[name]["perfgate.verdict"] in ("pass", "warn"), cases[name]
        assert int(cases[name]["perfgate.concurrent.cores"]) == available_cores()
    result.stdout.fnmatch_lines(
        [
            "*::test_processes: concurrent: *x with other processes' wait taken out, *x on the wall clock; "
            "machine: * cores; *"
        ]
    )
    if sys.platform.startswith("linux"):
        processes = cases["test_processes"]
        assert float(processes["perfgate.concurrent.others_cores"]) > 0.5  # the loaders were seen
        assert float(processes["perfgate.concurrent.waited_share"]) > 0.2  # and their time taken out
        result.stdout.fnmatch_lines(
            [
                "*::test_processes: * other processes used * cores and kept the workers waiting for a CPU "
                "*% of the time (taken out)"
            ]
        )
