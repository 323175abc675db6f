"""Memory around a test: the backend that measures it (tracemalloc where pytest-memray already traces the
test), its peak, and the allocation sites of a failure."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from ..measure import memory
from ..measure.memory import AllocationSite, Attribution, MemoryResult, Peak
from ..quantities import format_memory
from ..record import FAIL, WARN, Record
from .session import PerfgateSession, call_allowed, state

#: pytest-memray's markers; each makes it trace the test's call.
PYTEST_MEMRAY_MARKERS = ("limit_memory", "limit_leaks", "limit_leaked_objects")
#: The name pytest-memray registers its plugin object under.
PYTEST_MEMRAY_PLUGIN = "memray_manager"
SECTION = "perfgate allocations"


def _ini_flag(config: pytest.Config, name: str) -> bool:
    try:
        return bool(config.getini(name))
    except (ValueError, KeyError):
        return False


def memray_traces_all(config: pytest.Config) -> bool:
    """pytest-memray traces every test (``--memray``)."""
    if not config.pluginmanager.has_plugin(PYTEST_MEMRAY_PLUGIN):
        return False
    return bool(config.getoption("memray", False)) or _ini_flag(config, "memray")


def pytest_memray_reason(item: pytest.Item) -> str | None:
    """Why pytest-memray traces this test's call (a marker or ``--memray``), or None if it does not."""
    if not isinstance(item, pytest.Function):
        return None
    if not item.config.pluginmanager.has_plugin(PYTEST_MEMRAY_PLUGIN):
        return None
    for name in PYTEST_MEMRAY_MARKERS:
        if item.get_closest_marker(name) is not None:
            return f"@pytest.mark.{name}"
    return "--memray" if memray_traces_all(item.config) else None


def header(config: pytest.Config) -> str:
    """The backend for the report header, e.g. ``memray`` or ``tracemalloc (--memray)``."""
    backend = PerfgateSession.of(config).memory_backend
    if backend == memory.MEMRAY and memray_traces_all(config):
        return f"{memory.TRACEMALLOC} (--memray)"
    return backend


def pytest_memray_notes(item: pytest.Item, *, timed: bool = True, substituted: bool = False) -> list[str]:
    """The note for a test pytest-memray traces: its times are inflated, its memory backend changed."""
    reason = pytest_memray_reason(item)
    parts = []
    if substituted:
        parts.append("memory measured with tracemalloc (two memray trackers cannot run at once)")
    if timed:
        parts.append("its times were taken under memray's tracing")
    if reason is None or not parts:
        return []
    return [f"pytest-memray traces this test ({reason}): {'; '.join(parts)}"]


def backend_for(item: pytest.Item, *, timed: bool = True) -> tuple[str, list[str]]:
    """The backend this test is measured with, and notes for its record (``timed``: it has times)."""
    backend = PerfgateSession.of(item.config).memory_backend
    if pytest_memray_reason(item) is None:
        return backend, []
    substituted = backend == memory.MEMRAY
    return memory.TRACEMALLOC, pytest_memray_notes(item, timed=timed, substituted=substituted)


def attribution(config: pytest.Config) -> Attribution:
    """Allocation sites are charged to the project's own lines under the rootdir."""
    return Attribution(root=str(config.rootpath))


def measure_call(item: pytest.Item, budget: int | None, call: Callable[[], Any]) -> MemoryResult | None:
    """The peak of one call of ``call`` with the test's backend, with sites when over ``budget``; None
    when the test's deadline has passed (why goes to the test's state, for the verdict)."""
    why = call_allowed(item, "memory could be measured")
    if why:
        state(item).memory_why = why
        return None
    backend, notes = backend_for(item)
    result = memory.measure_call(
        call,
        backend,
        sites_over=budget,
        attribution=attribution(item.config),
        memray_running=pytest_memray_reason(item) is not None,
    )
    return replace(result, notes=(*notes, *result.notes))


@contextmanager
def traced_body(item: pytest.Item, budget: int | None) -> Iterator[Peak]:
    """Trace the block (a test body) with the test's backend; the peak lands on the yielded object."""
    backend, notes = backend_for(item)
    with memory.traced(backend, sites_over=budget, attribution=attribution(item.config)) as peak:
        yield peak
    result = peak.result
    assert result is not None
    if result.backend == memory.TRACEMALLOC and budget is not None and result.peak_bytes > budget:
        notes.append(
            "no allocation sites: tracemalloc keeps no record of what made a test body's peak "
            "(memray does; or measure with the perfgate fixture)"
        )
    peak.result = replace(result, notes=(*notes, *peak.notes, *result.notes))


def sites_text(sites: Sequence[AllocationSite | dict[str, Any]], heading: str) -> str:
    """An aligned list of allocation sites under a heading."""
    rows = [site if isinstance(site, dict) else site.to_dict() for site in sites]
    lines = [heading]
    for row in rows:
        count = int(row["count"])
        where = row["location"] + (f" in {row['function']}" if row.get("function") else "")
        lines.append(
            f"  {format_memory(int(row['bytes'])):>10}  "
            f"{count:>7} allocation{'s' if count != 1 else ' '}  {where}"
        )
    return "\n".join(lines) + "\n"


def report_allocations(item: pytest.Item, record: Record) -> None:
    """Add the record's allocation sites as a section of the test's report when it is over budget."""
    if not record.allocations or record.verdict not in (FAIL, WARN):
        return
    backend = record.memory.backend if record.memory is not None else None
    if "leaks" in record.extra:
        heading = "allocations still held after the calls"
    else:
        heading = "top allocation sites at the memory peak"
    if backend:
        heading += f" ({backend})"
    item.add_report_section("call", SECTION, sites_text(record.allocations, heading + ":"))
