"""The memory backends: peaks of one call, sites of a peak, growth over many calls, fallbacks."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from pytest_perfgate.measure import memory
from pytest_perfgate.measure.memory import Attribution

MiB = 1024**2
BACKENDS = [memory.MEMRAY, memory.TRACEMALLOC]
HERE = str(Path(__file__).resolve().parent)

_held: list[bytearray] = []


def allocate_mib(n: int) -> int:
    data = bytearray(n * MiB)  # the allocating line
    return len(data)


def allocate_and_free() -> int:
    total = 0
    for _ in range(3):
        total += allocate_mib(8)
    return total


def hold_100_kib() -> None:
    _held.append(bytearray(100 * 1024))  # the leaking line


def churn() -> int:
    scratch = {i: str(i) * 3 for i in range(2000)}
    return len(scratch)


def _line_of(function: object, marker: str) -> int:
    import inspect

    lines, start = inspect.getsourcelines(function)  # type: ignore[arg-type]
    return start + next(i for i, line in enumerate(lines) if marker in line)


def test_auto_prefers_memray_where_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert memory.resolve_backend("auto") == memory.MEMRAY
    monkeypatch.setattr(memory, "memray_available", lambda: False)
    assert memory.resolve_backend("auto") == memory.TRACEMALLOC
    assert memory.resolve_backend("tracemalloc") == memory.TRACEMALLOC


def test_memray_requested_where_missing_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "memray_available", lambda: False)
    with pytest.raises(ValueError, match="'memray' is not installed"):
        memory.resolve_backend("memray")


def test_unknown_backend_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown memory backend 'valgrind'"):
        memory.resolve_backend("valgrind")


@pytest.mark.parametrize("backend", BACKENDS)
def test_peak_of_a_call_is_what_it_allocates(backend: str) -> None:
    result = memory.measure_call(lambda: allocate_mib(20), backend)
    assert result.backend == backend
    assert abs(result.peak_bytes - 20 * MiB) <= 0.005 * 20 * MiB
    assert result.sites == ()  # only asked for over a budget


@pytest.mark.parametrize("backend", BACKENDS)
def test_peak_counts_memory_freed_inside_the_call(backend: str) -> None:
    result = memory.measure_call(allocate_and_free, backend)
    assert 8 * MiB <= result.peak_bytes < 9 * MiB


@pytest.mark.parametrize("backend", BACKENDS)
def test_sites_of_a_peak_over_budget_name_the_allocating_line(backend: str) -> None:
    result = memory.measure_call(
        allocate_and_free, backend, sites_over=4 * MiB, attribution=Attribution(root=HERE)
    )
    assert result.sites, result
    top = result.sites[0]
    assert top.location == f"test_measure_memory.py:{_line_of(allocate_mib, 'the allocating line')}"
    assert 8 * MiB <= top.bytes < 9 * MiB
    assert len(result.sites) <= memory.SITES_KEPT


def test_sites_are_not_computed_under_budget() -> None:
    result = memory.measure_call(lambda: allocate_mib(2), memory.MEMRAY, sites_over=100 * MiB)
    assert result.sites == ()


def test_a_running_memray_tracker_falls_back_to_tracemalloc() -> None:
    import memray

    with tempfile.TemporaryDirectory() as directory, memray.Tracker(Path(directory) / "outer.bin"):
        result = memory.measure_call(lambda: allocate_mib(4), memory.MEMRAY)
        leaks = memory.leak_check(hold_100_kib, calls=4, backend=memory.MEMRAY)
    assert result.backend == memory.TRACEMALLOC
    assert result.notes == (memory.BUSY_NOTE,)
    assert abs(result.peak_bytes - 4 * MiB) <= 0.005 * 4 * MiB
    assert leaks.backend == memory.TRACEMALLOC
    assert leaks.notes == (memory.BUSY_NOTE,)


def test_traced_block_sets_the_peak_after_it() -> None:
    with memory.traced(memory.MEMRAY, sites_over=MiB, attribution=Attribution(root=HERE)) as peak:
        assert peak.result is None
        allocate_mib(3)
    assert peak.result is not None
    assert peak.result.backend == memory.MEMRAY
    assert abs(peak.result.peak_bytes - 3 * MiB) <= 0.005 * 3 * MiB
    assert peak.result.sites[0].location.startswith("test_measure_memory.py:")


def test_tracemalloc_already_running_is_left_running() -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        result = memory.measure_call(lambda: allocate_mib(5), memory.TRACEMALLOC)
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()
    assert abs(result.peak_bytes - 5 * MiB) <= 0.005 * 5 * MiB


@pytest.mark.parametrize("backend", BACKENDS)
def test_leak_check_measures_what_the_calls_keep(backend: str) -> None:
    _held.clear()
    result = memory.leak_check(
        hold_100_kib, calls=20, backend=backend, sites_over=MiB, attribution=Attribution(root=HERE)
    )
    kept = 100 * 1024 * (20 - result.warmup_calls)
    assert result.warmup_calls == 2
    assert kept <= result.growth_bytes < kept * 1.05
    assert len(_held) == 20
    assert result.sites[0].location == f"test_measure_memory.py:{_line_of(hold_100_kib, 'the leaking line')}"
    _held.clear()


@pytest.mark.parametrize("backend", BACKENDS)
def test_leak_check_of_a_function_that_keeps_nothing(backend: str) -> None:
    result = memory.leak_check(churn, calls=10, backend=backend, sites_over=MiB)
    assert result.growth_bytes < 64 * 1024
    assert result.sites == ()


def test_leak_check_needs_two_calls() -> None:
    with pytest.raises(ValueError, match="calls >= 2"):
        memory.leak_check(churn, calls=1, backend=memory.TRACEMALLOC)


@pytest.mark.parametrize(("calls", "warmup"), [(2, 1), (10, 1), (50, 5), (1000, 100)])
def test_warmup_is_a_tenth_and_at_least_one(calls: int, warmup: int) -> None:
    assert memory.warmup_calls(calls) == warmup


def test_attribution_prefers_the_projects_innermost_frame() -> None:
    root = "/project"
    attribution = Attribution(root=root)
    library = f"{root}/.venv/lib/python3.11/site-packages/numpy/_core/numeric.py"
    frames = [
        ("ones", library, 232),
        ("helper", f"{root}/src/app.py", 7),
        ("test_it", f"{root}/tests/test_app.py", 3),
    ]
    assert attribution.pick(frames) == ("src/app.py:7", "helper")
    assert attribution.pick(frames[:1]) == ("numpy/_core/numeric.py:232", "ones")
    perfgate_frame = ("measure_call", memory.__file__, 1)
    assert attribution.pick([perfgate_frame]) == ("<unknown>", "")
    assert Attribution().pick([("f", "/elsewhere/x.py", 2)]) == ("/elsewhere/x.py:2", "f")


@pytest.mark.skipif(sys.platform == "win32", reason="numba's runtime allocator differs on Windows")
@pytest.mark.parametrize("backend", BACKENDS)
def test_numba_allocations_are_seen(backend: str) -> None:
    """numba's runtime allocates through PyMem_RawMalloc: memray (malloc) and tracemalloc both see it."""
    np = pytest.importorskip("numpy")
    numba = pytest.importorskip("numba")

    @numba.njit(cache=False)
    def temporary_sum(n: int) -> float:
        data = np.ones(n // 8)
        return float(data.sum())

    temporary_sum(64)  # compile outside the measurement
    result = memory.measure_call(lambda: temporary_sum(16 * MiB), backend)
    assert abs(result.peak_bytes - 16 * MiB) <= 0.005 * 16 * MiB


@pytest.mark.parametrize("backend", BACKENDS)
def test_peak_of_call_returns_the_result_too(backend: str) -> None:
    result, peak = memory.peak_of_call(lambda: allocate_mib(6), backend)
    assert result == 6 * MiB
    assert peak.backend == backend
    assert abs(peak.peak_bytes - 6 * MiB) <= 0.005 * 6 * MiB


def test_sites_without_following_the_peak_see_what_the_call_returns() -> None:
    def build_and_drop() -> bytearray:
        allocate_mib(8)  # freed before the call returns
        return bytearray(2 * MiB)

    followed, _ = memory.tracemalloc_sites_at_peak(build_and_drop, Attribution(root=HERE))
    returned, _ = memory.tracemalloc_sites_at_peak(build_and_drop, Attribution(root=HERE), follow_peak=False)
    assert followed[0].bytes >= 8 * MiB
    assert sum(site.bytes for site in returned) < 3 * MiB
    assert returned[0].bytes >= 2 * MiB
