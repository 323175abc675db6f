"""Peak memory of one call, measured apart from the timed rounds: memray where installed, else tracemalloc."""

from __future__ import annotations

import importlib.util
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class MemoryResult:
    """The peak bytes allocated during the call (above what was held before it) and the backend."""

    peak_bytes: int
    backend: str


def memray_available() -> bool:
    return importlib.util.find_spec("memray") is not None


def resolve_backend(setting: str) -> str:
    """``auto`` -> ``memray`` where it is installed, else ``tracemalloc``; raises if memray is missing."""
    if setting == "auto":
        return "memray" if memray_available() else "tracemalloc"
    if setting == "memray" and not memray_available():
        raise ValueError("memory backend 'memray' is not installed (pip install memray)")
    return setting


class Peak:
    """Filled in when a :func:`traced` block ends."""

    result: MemoryResult | None = None


@contextmanager
def traced(backend: str) -> Iterator[Peak]:
    """Trace allocations inside the block with the backend; its peak is set on the yielded object."""
    peak = Peak()
    if backend == "memray":
        import memray

        with tempfile.TemporaryDirectory(prefix="perfgate-") as directory:
            path = Path(directory) / "call.memray"
            with memray.Tracker(path, file_format=memray.FileFormat.AGGREGATED_ALLOCATIONS):
                yield peak
            peak_bytes = memray.FileReader(path).metadata.peak_memory
        peak.result = MemoryResult(peak_bytes=int(peak_bytes), backend="memray")
        return
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        yield peak
        _, top = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    peak.result = MemoryResult(peak_bytes=max(0, top - before), backend="tracemalloc")


def peak_of_call(call: Callable[[], Any], backend: str) -> tuple[Any, MemoryResult]:
    """Run ``call`` once under the backend's tracing; return its result and the peak."""
    with traced(backend) as peak:
        result = call()
    assert peak.result is not None
    return result, peak.result
