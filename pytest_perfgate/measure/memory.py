"""Memory of calls, measured apart from the timed rounds: the peak of one call, the growth over many.

With memray (C allocators) or tracemalloc (Python's allocators); see the internals page."""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import memray

MEMRAY = "memray"
TRACEMALLOC = "tracemalloc"
AUTO = "auto"
BACKENDS = (MEMRAY, TRACEMALLOC)

#: Allocation sites kept in a record.
SITES_KEPT = 10
#: Sites holding less than this share of the total are left out.
SITE_SHARE = 0.01
#: Frames kept per allocation when sites are wanted (enough to step out of libraries).
_SITE_FRAMES = 32
#: Frames tracemalloc keeps during a leak check: fewer, as its cost grows with them on every allocation.
_LEAK_FRAMES = 12
#: memray records looked at when grouping sites (the largest first); the rest are too small to matter.
_RECORDS_EXAMINED = 5000

_LIBRARY_DIRS = ("site-packages", "dist-packages")


def package_dirs() -> tuple[str, ...]:
    """perfgate's own files (as code objects name them, and with links resolved): never an allocation site."""
    here = Path(__file__)
    return tuple({str(path.parents[1]) + os.sep for path in (here, here.resolve())})


BUSY_NOTE = (
    "another memray tracker was already running in this process (only one can run at a time): "
    "memory measured with tracemalloc"
)

UNFOLLOWED_NOTE = (
    "allocation sites: what the call still held when it returned (a running memray tracker keeps "
    "perfgate from following tracemalloc's peak)"
)

Frame = tuple[str, str, int]  # (function, file name, line), as memray gives them


def memray_available() -> bool:
    """Whether memray can be imported here (it does not exist on Windows)."""
    try:
        import memray  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_backend(setting: str) -> str:
    """``auto`` -> ``memray`` where it is installed, else ``tracemalloc``.

    Raises ValueError for an unknown name, or for ``memray`` where it is not installed.
    """
    if setting == AUTO:
        return MEMRAY if memray_available() else TRACEMALLOC
    if setting not in BACKENDS:
        raise ValueError(f"unknown memory backend {setting!r}; known: auto, {', '.join(BACKENDS)}")
    if setting == MEMRAY and not memray_available():
        raise ValueError(
            "memory backend 'memray' is not installed here (pip install memray; it does not exist on "
            "Windows); use 'auto' or 'tracemalloc'"
        )
    return setting


@dataclass(frozen=True)
class AllocationSite:
    """Bytes allocated (at the peak, or still held) from one line, and in how many allocations."""

    location: str
    bytes: int
    count: int
    function: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MemoryResult:
    """The peak bytes allocated during the call (above what was held before it) and the backend.

    ``sites`` are filled in only when asked for (a peak over budget).
    """

    peak_bytes: int
    backend: str
    sites: tuple[AllocationSite, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeakResult:
    """Bytes allocated by the measured calls and still held after them (warm-up calls excluded)."""

    growth_bytes: int
    calls: int
    warmup_calls: int
    backend: str
    sites: tuple[AllocationSite, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribution:
    """Which line an allocation is charged to: the innermost frame of the project (under ``root``,
    not an installed library), else the innermost frame outside perfgate itself."""

    root: str | None = None
    package_dirs: tuple[str, ...] = field(default_factory=package_dirs)

    def pick(self, frames: Iterable[Frame]) -> tuple[str, str]:
        """(``file:line``, function) for a stack given innermost frame first."""
        outside = [frame for frame in frames if not frame[1].startswith(self.package_dirs)]
        chosen = next((frame for frame in outside if self._in_project(frame[1])), None)
        if chosen is None and outside:
            chosen = outside[0]
        if chosen is None:
            return "<unknown>", ""
        function, filename, line = chosen
        return f"{self.short_path(filename)}:{line}", function

    def _in_project(self, filename: str) -> bool:
        if self.root is None or not filename.startswith(self.root.rstrip(os.sep) + os.sep):
            return False
        parts = Path(filename).parts
        return not any(part in _LIBRARY_DIRS for part in parts)

    def short_path(self, filename: str) -> str:
        """From the package on for installed libraries; else relative to the root when under it."""
        path = Path(filename)
        parts = path.parts
        for index in range(len(parts) - 1, -1, -1):
            if parts[index] in _LIBRARY_DIRS:
                return Path(*parts[index + 1 :]).as_posix()
        if self.root is not None:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return filename


@dataclass
class Peak:
    """Filled in when a :func:`traced` block ends."""

    result: MemoryResult | None = None
    notes: list[str] = field(default_factory=list)


def _top_sites(groups: dict[tuple[str, str], list[int]]) -> tuple[AllocationSite, ...]:
    """The largest sites, leaving out those under 1% of the total (interpreter and pytest crumbs)."""
    ordered = sorted(groups.items(), key=lambda item: (-item[1][0], item[0]))
    total = sum(size for size, _ in groups.values() if size > 0)
    return tuple(
        AllocationSite(location=location, bytes=size, count=count, function=function)
        for (location, function), (size, count) in ordered[:SITES_KEPT]
        if size > 0 and size >= total * SITE_SHARE
    )


def _add(groups: dict[tuple[str, str], list[int]], key: tuple[str, str], size: int, count: int) -> None:
    entry = groups.setdefault(key, [0, 0])
    entry[0] += size
    entry[1] += count


# -- memray ---------------------------------------------------------------------------------------


def _memray_sites(
    records: Iterable[memray.AllocationRecord], attribution: Attribution
) -> tuple[AllocationSite, ...]:
    largest = sorted(records, key=lambda record: record.size, reverse=True)[:_RECORDS_EXAMINED]
    groups: dict[tuple[str, str], list[int]] = {}
    for record in largest:
        try:
            # With max_stacks, memray keeps the frames above the tracker's start (the test's own).
            frames: Sequence[Frame] = record.stack_trace(max_stacks=_SITE_FRAMES)
        except NotImplementedError:  # deallocations carry no stack
            continue
        _add(groups, attribution.pick(frames), record.size, record.n_allocations)
    return _top_sites(groups)


@contextmanager
def _memray_tracking(path: Path, *, python_allocators: bool = False) -> Iterator[bool]:
    """Track into ``path`` inside the block; yields False (and tracks nothing) if a tracker is running."""
    import memray

    tracker = memray.Tracker(
        path,
        file_format=memray.FileFormat.AGGREGATED_ALLOCATIONS,
        trace_python_allocators=python_allocators,
    )
    try:
        tracker.__enter__()
    except RuntimeError:
        yield False
        return
    try:
        yield True
    finally:
        tracker.__exit__(None, None, None)


def _memray_peak(path: Path, sites_over: int | None, attribution: Attribution) -> MemoryResult:
    import memray

    with memray.FileReader(path) as reader:
        peak = int(reader.metadata.peak_memory)
        sites: tuple[AllocationSite, ...] = ()
        if sites_over is not None and peak > sites_over:
            records = reader.get_high_watermark_allocation_records(merge_threads=True)
            sites = _memray_sites(records, attribution)
    return MemoryResult(peak_bytes=peak, backend=MEMRAY, sites=sites)


# -- tracemalloc ----------------------------------------------------------------------------------


def _tracemalloc_sites(
    snapshot: tracemalloc.Snapshot, attribution: Attribution, before: tracemalloc.Snapshot | None = None
) -> tuple[AllocationSite, ...]:
    groups: dict[tuple[str, str], list[int]] = {}
    if before is None:
        for statistic in snapshot.statistics("traceback"):
            frames = _tracemalloc_frames(statistic.traceback)
            _add(groups, attribution.pick(frames), statistic.size, statistic.count)
    else:
        for difference in snapshot.compare_to(before, "traceback"):
            frames = _tracemalloc_frames(difference.traceback)
            _add(groups, attribution.pick(frames), difference.size_diff, max(0, difference.count_diff))
    return _top_sites(groups)


def _tracemalloc_frames(traceback: tracemalloc.Traceback) -> list[Frame]:
    """Innermost frame first (tracemalloc lists the oldest first); it keeps no function names."""
    return [("", frame.filename, frame.lineno) for frame in reversed(list(traceback))]


@contextmanager
def _tracemalloc_tracing(frames: int = 1) -> Iterator[bool]:
    """tracemalloc on inside the block; yields whether it was already on (then it is left on)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start(frames)
    try:
        yield was_tracing
    finally:
        if not was_tracing:
            tracemalloc.stop()


def tracemalloc_sites_at_peak(
    call: Callable[[], Any], attribution: Attribution, *, follow_peak: bool = True
) -> tuple[tuple[AllocationSite, ...], int]:
    """Run ``call`` once more, snapshotting the traced allocations as they reach a new peak.

    tracemalloc records only the peak's size, not what made it; a profile hook looks at the traced
    total whenever a function returns and takes a snapshot when it has grown. Returns the sites of the
    largest snapshot and the size it covers. Slower than the measured call: used on failures only.

    ``follow_peak=False`` installs no hook (memray tracks Python frames with its own profile function,
    which a hook would displace) and looks only at what the call still holds when it returns.
    """
    with _tracemalloc_tracing(_SITE_FRAMES) as was_tracing:
        before = tracemalloc.take_snapshot() if was_tracing else None
        base = tracemalloc.get_traced_memory()[0]
        best: list[Any] = [base, None]  # traced bytes at the best snapshot, the snapshot

        def look(*_: object) -> None:
            current = tracemalloc.get_traced_memory()[0]
            if current - base > (best[0] - base) * 1.02 + 4096:
                best[0], best[1] = current, tracemalloc.take_snapshot()

        def hook(frame: FrameType, event: str, arg: object) -> None:
            if event in ("return", "c_return"):
                look()

        previous = sys.getprofile()
        if follow_peak:
            sys.setprofile(hook)
        try:
            result = call()
            look()  # the result is still held here
        finally:
            if follow_peak:
                sys.setprofile(previous)
        del result
        if best[1] is None:
            return (), 0
        return _tracemalloc_sites(best[1], attribution, before), best[0] - base


# -- one call -------------------------------------------------------------------------------------


@contextmanager
def traced(
    backend: str, *, sites_over: int | None = None, attribution: Attribution | None = None
) -> Iterator[Peak]:
    """Trace allocations inside the block with the backend; its peak is set on the yielded object.

    With memray, the top allocation sites at the peak are filled in when the peak exceeds
    ``sites_over``. tracemalloc keeps no record of what made the peak, so a traced block gets no sites
    (:func:`measure_call` can run a call again to find them).
    """
    peak = Peak()
    attribution = attribution or Attribution()
    if backend == MEMRAY:
        with tempfile.TemporaryDirectory(prefix="perfgate-") as directory:
            path = Path(directory) / "call.memray"
            with _memray_tracking(path) as tracking:
                if tracking:
                    yield peak
            if tracking:
                peak.result = _memray_peak(path, sites_over, attribution)
                return
        peak.notes.append(BUSY_NOTE)
    with _tracemalloc_tracing():
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        yield peak
        _, top = tracemalloc.get_traced_memory()
    peak.result = MemoryResult(peak_bytes=max(0, top - before), backend=TRACEMALLOC)


def measure_call(
    call: Callable[[], Any],
    backend: str,
    *,
    sites_over: int | None = None,
    attribution: Attribution | None = None,
    memray_running: bool = False,
) -> MemoryResult:
    """The peak of one call of ``call`` (its result is dropped), with sites when over ``sites_over``.

    With tracemalloc, the sites come from one more call (see :func:`tracemalloc_sites_at_peak`);
    ``memray_running`` says another memray tracker runs, so that call cannot follow the peak.
    """
    attribution = attribution or Attribution()
    with traced(backend, sites_over=sites_over, attribution=attribution) as peak:
        call()
    result = peak.result
    assert result is not None
    notes = list(peak.notes)
    if result.backend == TRACEMALLOC and sites_over is not None and result.peak_bytes > sites_over:
        follow_peak = not memray_running and BUSY_NOTE not in notes
        sites, _ = tracemalloc_sites_at_peak(call, attribution, follow_peak=follow_peak)
        result = MemoryResult(result.peak_bytes, result.backend, sites)
        if not follow_peak:
            notes.append(UNFOLLOWED_NOTE)
    return MemoryResult(result.peak_bytes, result.backend, result.sites, tuple(notes))


def peak_of_call(call: Callable[[], Any], backend: str) -> tuple[Any, MemoryResult]:
    """Run ``call`` once under the backend's tracing; return its result and the peak."""
    with traced(backend) as peak:
        result = call()
    assert peak.result is not None
    return result, MemoryResult(peak.result.peak_bytes, peak.result.backend, notes=tuple(peak.notes))


# -- many calls -----------------------------------------------------------------------------------


def warmup_calls(calls: int) -> int:
    """Calls left out of a leak check's growth (caches filling, numba compiling): a tenth, at least one."""
    return max(1, calls // 10)


def _repeat(call: Callable[[], Any], times: int) -> None:
    for _ in range(times):
        call()  # the result is dropped before the next call


def leak_check(
    call: Callable[[], Any],
    *,
    calls: int,
    backend: str,
    sites_over: int | None = None,
    attribution: Attribution | None = None,
) -> LeakResult:
    """Call ``call`` ``calls`` times; the growth is what the calls after the warm-up still hold.

    The warm-up calls run untraced; the rest run traced; after a garbage collection, the bytes they
    allocated and still hold are the growth (memray: its leaked allocations, with Python's allocators
    traced one object at a time; tracemalloc: the traced total). Sites when the growth exceeds
    ``sites_over``.
    """
    if calls < 2:
        raise ValueError(f"a leak check needs calls >= 2 (warm-up and measured calls), not {calls}")
    attribution = attribution or Attribution()
    warmup = warmup_calls(calls)
    _repeat(call, warmup)
    gc.collect()
    notes: tuple[str, ...] = ()
    if backend == MEMRAY:
        with tempfile.TemporaryDirectory(prefix="perfgate-") as directory:
            path = Path(directory) / "leaks.memray"
            with _memray_tracking(path, python_allocators=True) as tracking:
                if tracking:
                    _repeat(call, calls - warmup)
                    gc.collect()
            if tracking:
                return _memray_leaks(path, calls, warmup, sites_over, attribution)
        notes = (BUSY_NOTE,)
    with _tracemalloc_tracing(_LEAK_FRAMES) as was_tracing:
        before_snapshot = tracemalloc.take_snapshot() if was_tracing else None
        before = tracemalloc.get_traced_memory()[0]
        _repeat(call, calls - warmup)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
        sites: tuple[AllocationSite, ...] = ()
        if sites_over is not None and growth > sites_over:
            sites = _tracemalloc_sites(tracemalloc.take_snapshot(), attribution, before_snapshot)
    return LeakResult(growth, calls, warmup, TRACEMALLOC, sites, notes)


def _memray_leaks(
    path: Path, calls: int, warmup: int, sites_over: int | None, attribution: Attribution
) -> LeakResult:
    import memray

    with memray.FileReader(path) as reader:
        records = list(reader.get_leaked_allocation_records(merge_threads=True))
        growth = sum(record.size for record in records)
        sites: tuple[AllocationSite, ...] = ()
        if sites_over is not None and growth > sites_over:
            sites = _memray_sites(records, attribution)
    return LeakResult(growth, calls, warmup, MEMRAY, sites)
