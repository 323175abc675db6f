"""Instructions mode, the core: quantities, callgrind's dumps, the relaunch command, counting for real.

The tests marked ``valgrind`` run code under callgrind and are skipped, saying why, where it is missing.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_perfgate.measure import instructions
from pytest_perfgate.measure.instructions import (
    DIR_ENV,
    INSTR_ENV,
    CallgrindError,
    Counter,
    Counts,
    Measurement,
    callgrind_options,
    cycles_estimate,
    parse_dump,
    read_dump,
    steady_gc,
    under_callgrind,
    valgrind_command,
    valgrind_log,
    valgrind_missing,
)
from pytest_perfgate.quantities import format_instructions, parse_instructions

SAMPLE_DUMP = Path(__file__).parent / "data" / "callgrind.out.qsort_r"
SAMPLE_EVENTS = {
    "Ir": 112998,
    "Dr": 32309,
    "Dw": 17960,
    "I1mr": 209,
    "D1mr": 202,
    "D1mw": 9,
    "ILmr": 54,
    "DLmr": 53,
    "DLmw": 3,
}

needs_valgrind = pytest.mark.skipif(
    valgrind_missing() is not None, reason=f"no valgrind here: {valgrind_missing()}"
)


# -- quantities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("25M", 25_000_000),
        ("25m", 25_000_000),
        ("1.5 G", 1_500_000_000),
        ("800K", 800_000),
        ("800k", 800_000),
        ("0.5K", 500),
        ("1e3K", 1_000_000),
        ("  4126621 ", 4_126_621),
        (4_126_621, 4_126_621),
        (2.6, 3),
    ],
)
def test_parse_instructions(text: str | float, count: int) -> None:
    assert parse_instructions(text) == count


@pytest.mark.parametrize(
    "text",
    ["0", "0K", "-1", "-25M", "nan", "NaNM", "inf", "-inf", "infinityG", "1e31", "25T", "25Mi", "25 ms",
     "25MB", "", "  ", "M", "1,000", "25_000", "1.2.3K", "0.4", "0.0004K"],
)  # fmt: skip
def test_bad_instruction_counts_are_value_errors_quoting_the_text(text: str) -> None:
    with pytest.raises(ValueError, match=r"instruction|quantity|zero") as error:
        parse_instructions(text)
    assert repr(text) in str(error.value)


@pytest.mark.parametrize("value", [0, -5, 0.4, float("nan"), float("inf"), 10**40, True, None, [1], b"25M"])
def test_bad_instruction_count_values_are_value_errors(value: object) -> None:
    with pytest.raises(ValueError) as error:
        parse_instructions(value)  # type: ignore[arg-type]
    assert repr(value) in str(error.value)


@given(st.integers(min_value=1, max_value=10**15))
def test_plain_counts_parse_exactly(count: int) -> None:
    assert parse_instructions(str(count)) == count == parse_instructions(count)


@given(st.integers(min_value=1, max_value=10**13))
def test_formatted_counts_parse_back_within_half_a_percent(count: int) -> None:
    assert parse_instructions(format_instructions(count)) == pytest.approx(count, rel=0.005)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (4_126_621, "4.13M"),
        (811_222, "811K"),
        (999, "999"),
        (999_999, "1M"),
        (12_345, "12.3K"),
        (25e9, "25G"),
    ],
)
def test_format_instructions(count: float, text: str) -> None:
    assert format_instructions(count) == text


# -- callgrind's dumps ------------------------------------------------------------------------------


def test_parse_dump_reads_a_real_dump() -> None:
    assert parse_dump(SAMPLE_DUMP.read_text()) == SAMPLE_EVENTS


def test_read_dump_reads_the_head_or_the_whole_file(tmp_path: Path) -> None:
    assert read_dump(SAMPLE_DUMP) == SAMPLE_EVENTS
    assert read_dump(SAMPLE_DUMP, head=40) == SAMPLE_EVENTS  # summary not in the head: reads on
    cut = SAMPLE_DUMP.read_text().index("summary:") + len("summary: 1129")
    assert read_dump(SAMPLE_DUMP, head=cut) == SAMPLE_EVENTS  # summary line cut short: reads on
    without_summary = tmp_path / "dump"
    without_summary.write_text(
        "".join(line for line in SAMPLE_DUMP.read_text().splitlines(True) if not line.startswith("summary:"))
    )
    assert read_dump(without_summary) == SAMPLE_EVENTS  # the totals line at the end


def test_parse_dump_fills_in_trailing_zero_totals() -> None:
    assert parse_dump("events: Ir Dr Dw\nsummary: 5 2\n") == {"Ir": 5, "Dr": 2, "Dw": 0}


@pytest.mark.parametrize(
    "text",
    ["", "events: Ir\n", "summary: 5\n", "events: Ir\nsummary: 5 6\n", "events: Ir\nsummary: five\n"],
)
def test_parse_dump_rejects_what_is_not_a_dump(text: str) -> None:
    with pytest.raises(ValueError):
        parse_dump(text)


def test_cycles_estimate_is_kcachegrinds_formula() -> None:
    expected = 112998 + 10 * (209 + 202 + 9) + 100 * (54 + 53 + 3)
    assert cycles_estimate(SAMPLE_EVENTS) == expected == 128_198
    assert Counts(instructions=112998, events=SAMPLE_EVENTS).cycles_est == expected


def test_no_cycles_estimate_without_cache_simulation() -> None:
    assert cycles_estimate({"Ir": 1000}) is None
    assert Counts(instructions=1000, events={"Ir": 1000}).cycles_est is None


def test_a_measurement_is_the_median_count() -> None:
    counts = [Counts(n, {"Ir": n}) for n in (1003, 1000, 1001)]
    measurement = Measurement(counts=counts, result=None)
    assert measurement.instructions == 1001
    assert measurement.cycles_est is None
    assert Measurement(counts=counts[:2], result=None).instructions == 1000


# -- the relaunch command ---------------------------------------------------------------------------


def test_valgrind_command_reruns_the_same_pytest_under_callgrind(tmp_path: Path) -> None:
    command = valgrind_command(["-q", "tests/test_x.py"], tmp_path, False, valgrind="/usr/bin/valgrind")
    assert Path(command[0]).name == "env"
    assert command[1:5] == [
        f"{DIR_ENV}={tmp_path}",
        f"{INSTR_ENV}=off",
        "PYTHONHASHSEED=0",
        "PYTHONMALLOC=malloc",
    ]
    assert command[5] == "/usr/bin/valgrind"
    assert command[-5:] == [sys.executable, "-m", "pytest", "-q", "tests/test_x.py"]
    options = command[6:-5]
    assert options[0] == "--tool=callgrind"
    for option in (
        "--collect-atstart=no",
        "--toggle-collect=qsort_r",
        "--dump-after=qsort_r",
        "--instr-atstart=no",
        "--cache-sim=no",
        f"--callgrind-out-file={tmp_path}/callgrind.out.%p",
        f"--vgdb-prefix={tmp_path}/vgdb-pipe",
    ):
        assert option in options


def test_valgrind_command_options(tmp_path: Path) -> None:
    command = valgrind_command(
        [],
        tmp_path,
        True,
        instr_atstart=True,
        all_threads=True,
        environ={"PYTHONHASHSEED": "7", "PYTHONMALLOC": "pymalloc"},
    )
    assert f"{INSTR_ENV}=on" in command and "PYTHONHASHSEED=7" in command
    assert "PYTHONMALLOC=pymalloc" in command  # the user's choice is kept
    assert "--instr-atstart=yes" in command and "--cache-sim=yes" in command
    assert "--LL=8388608,16,64" in command  # the same simulated caches on every machine
    assert "--collect-atstart=yes" in command and "--zero-before=qsort_r" in command
    assert not any(option.startswith("--toggle-collect") for option in command)


def test_valgrind_missing_names_the_package() -> None:
    message = valgrind_missing(platform="linux", which=lambda name: None)
    assert message is not None
    assert "'valgrind' package" in message and "apt-get install valgrind" in message
    assert "dnf install valgrind" in message and "--perfgate-measure=instructions" in message
    assert valgrind_missing(platform="linux", which=lambda name: f"/usr/bin/{name}") is None


@pytest.mark.parametrize(("platform", "name"), [("darwin", "macOS"), ("win32", "Windows")])
def test_valgrind_is_not_available_on_macos_or_windows(platform: str, name: str) -> None:
    message = valgrind_missing(platform=platform, which=lambda tool: f"/usr/bin/{tool}")
    assert message is not None and f"not available on {name}" in message and "Linux" in message


def test_valgrind_log_gathers_the_log_files(tmp_path: Path) -> None:
    (tmp_path / "valgrind.log.12").write_text("warning one\n")
    (tmp_path / "valgrind.log.13").write_text("warning two\n")
    assert valgrind_log(tmp_path) == "warning one\nwarning two\n"
    assert valgrind_log(tmp_path / "missing") == ""


# -- the child, outside callgrind -------------------------------------------------------------------


def test_not_under_callgrind_without_the_variable_or_without_valgrind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(DIR_ENV, raising=False)
    assert not under_callgrind()
    monkeypatch.setenv(DIR_ENV, "/nonexistent")  # inherited by a process valgrind did not start
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    assert not under_callgrind()
    monkeypatch.setenv("LD_PRELOAD", "/usr/libexec/valgrind/vgpreload_core-amd64-linux.so")
    assert under_callgrind()


def test_counting_outside_callgrind_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DIR_ENV, raising=False)
    with pytest.raises(CallgrindError, match="not running under callgrind"):
        Counter.from_environment()


def test_the_trampoline_calls_once_and_carries_results_and_errors() -> None:
    trampoline = instructions._Trampoline()
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        return "result"

    assert trampoline.call(fn) == "result"
    assert calls == [1]
    with pytest.raises(ZeroDivisionError):
        trampoline.call(lambda: 1 / 0)
    with pytest.raises(CallgrindError, match="inside it"):
        trampoline.call(lambda: trampoline.call(lambda: None))
    assert trampoline.call(lambda: 42) == 42  # still usable after both


def test_steady_gc_freezes_and_unfreezes() -> None:
    with steady_gc():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


# -- for real, under callgrind ----------------------------------------------------------------------

ONE_CALL = """
import ctypes
Compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
compare = Compare(lambda a, b: sum(range(1000)) and 0)
ctypes.PyDLL(None).qsort((ctypes.c_int * 2)(0, 1), 2, 4, compare)
"""


@pytest.mark.valgrind
@needs_valgrind
@pytest.mark.parametrize("cache_sim", [False, True], ids=["plain", "cache-sim"])
def test_callgrind_writes_one_readable_dump_per_call(tmp_path: Path, cache_sim: bool) -> None:
    options = callgrind_options(str(tmp_path), cache_sim, instr_atstart=True, all_threads=False)
    subprocess.run(["valgrind", *options, sys.executable, "-c", ONE_CALL], check=True, timeout=300)
    dumps = [path for path in tmp_path.glob("callgrind.out.*.*") if path.suffix[1:].isdigit()]
    assert len(dumps) >= 1, valgrind_log(tmp_path)  # ours, and maybe the interpreter's own sorts
    ours = max(dumps, key=lambda path: int(path.suffix[1:]))
    assert "desc: Trigger: --dump-after=qsort_r" in ours.read_text()
    events = read_dump(ours)
    assert 50_000 < events["Ir"] < 500_000  # sum(range(1000)) and the call: ~110K
    estimate = cycles_estimate(events)
    assert (estimate is not None and estimate > events["Ir"]) if cache_sim else estimate is None


INNER_TESTS = """
import os
import threading

import pytest

from pytest_perfgate.measure.instructions import Counter, under_callgrind

counter = Counter.from_environment()
count_call, measure = counter.count_call, counter.measure
CACHE_SIM = os.environ["INNER_CACHE_SIM"] == "1"
ALL_THREADS = os.environ["INNER_ALL_THREADS"] == "1"


def loop(n):
    total = 0
    for i in range(n):
        total += i
    return total


def test_under_callgrind():
    assert under_callgrind()


def test_a_loop_twice_as_long_counts_twice_as_many_instructions():
    small = measure(lambda: loop(10_000), rounds=3)
    large = measure(lambda: loop(20_000), rounds=3)
    print("\\nFIGURES", [c.instructions for c in small.counts], [c.instructions for c in large.counts])
    assert small.result == sum(range(10_000))
    for measurement in (small, large):
        counts = [count.instructions for count in measurement.counts]
        assert max(counts) - min(counts) <= 1e-4 * min(counts), counts  # equal within 0.01%
        if CACHE_SIM:
            assert measurement.cycles_est >= measurement.instructions
        else:
            assert measurement.cycles_est is None
    assert large.instructions / small.instructions == pytest.approx(2.0, rel=0.01)


def test_an_exception_comes_through_and_counting_goes_on():
    with pytest.raises(ZeroDivisionError):
        measure(lambda: 1 / 0)
    counts, result = count_call(lambda: loop(1000))
    assert result == sum(range(1000)) and counts.instructions > 100_000


def test_work_on_another_thread_counts_only_when_asked():
    def on_a_thread():
        thread = threading.Thread(target=loop, args=(100_000,))
        thread.start()
        thread.join()

    here = measure(lambda: loop(100_000)).instructions
    there = measure(on_a_thread).instructions
    assert there > here if ALL_THREADS else there < here / 10
"""

CONFIGS = {
    "switched": {"cache_sim": False, "instr_atstart": False, "all_threads": False},
    "cache-sim-all-threads": {"cache_sim": True, "instr_atstart": False, "all_threads": True},
    "instrumented-from-start": {"cache_sim": False, "instr_atstart": True, "all_threads": False},
}


def run_under_callgrind(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    cache_sim: bool = False,
    instr_atstart: bool = False,
    all_threads: bool = False,
) -> pytest.RunResult:
    """``python -m pytest -s <path>`` relaunched under callgrind, without plugins that are not needed."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    out_dir = pytester.mkdir("callgrind-out")
    command = valgrind_command(
        ["-s", "-p", "no:cacheprovider", path],
        out_dir,
        cache_sim,
        instr_atstart=instr_atstart,
        all_threads=all_threads,
    )
    result = pytester.run(*command, timeout=1200)
    assert result.ret == 0, valgrind_log(out_dir)
    return result


@pytest.mark.valgrind
@needs_valgrind
@pytest.mark.parametrize("config", list(CONFIGS))
def test_counts_in_a_pytest_session_relaunched_under_callgrind(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, config: str
) -> None:
    pytester.makepyfile(test_inner=INNER_TESTS)
    monkeypatch.setenv("INNER_CACHE_SIM", "1" if CONFIGS[config]["cache_sim"] else "0")
    monkeypatch.setenv("INNER_ALL_THREADS", "1" if CONFIGS[config]["all_threads"] else "0")
    result = run_under_callgrind(pytester, monkeypatch, "test_inner.py", **CONFIGS[config])
    result.stdout.fnmatch_lines(["FIGURES *", "*4 passed*"])


NUMBA_TESTS = """
import numpy as np
import pytest
from numba import njit

from pytest_perfgate.measure.instructions import Counter

measure = Counter.from_environment().measure

@njit
def moving_average(values, window):
    out = np.empty(values.size)
    out[: window - 1] = np.nan
    total = 0.0
    for i in range(values.size):
        total += values[i]
        if i >= window:
            total -= values[i - window]
        if i >= window - 1:
            out[i] = total / window
    return out


def test_compiled_code_is_counted_and_compilation_is_not():
    values = np.random.default_rng(1).random(200_000)
    small = measure(lambda: moving_average(values[:100_000], 20), rounds=3)  # compiles in its warm-up
    large = measure(lambda: moving_average(values, 20), rounds=3)
    print("\\nFIGURES", small.instructions, large.instructions)
    assert 500_000 < small.instructions < 5_000_000  # compiling would be hundreds of millions
    assert large.instructions / small.instructions == pytest.approx(2.0, rel=0.05)
    np.testing.assert_allclose(large.result[19:25], np.convolve(values[:25], np.ones(20) / 20, "valid"))
"""


@pytest.mark.valgrind
@needs_valgrind
def test_numba_compiled_code_is_counted(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numba")
    pytester.makepyfile(test_numba_inner=NUMBA_TESTS)
    result = run_under_callgrind(pytester, monkeypatch, "test_numba_inner.py")
    result.stdout.fnmatch_lines(["FIGURES *", "*1 passed*"])
