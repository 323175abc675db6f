"""perfgate in pytest-benchmark's reports: the budget and verdict in ``extra_info`` (for
``--benchmark-json`` consumers), and benchmarks measured on xdist workers carried to the controller,
whose pytest-benchmark session shows them in its table and writes them to its files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..record import Record


def extra_info(record: Record) -> dict[str, Any]:
    """``perfgate_*`` keys for a benchmark's ``extra_info`` (those that apply)."""
    info: dict[str, Any] = {"perfgate_verdict": record.verdict, "perfgate_target": record.target}
    if record.reason:
        info["perfgate_reason"] = record.reason
    if record.marginal:
        info["perfgate_marginal"] = True
    time, memory = record.time, record.memory
    if time is not None:
        info["perfgate_stat"] = time.stat
        info["perfgate_value_s"] = time.value_s
        if time.budget_s is not None:
            info["perfgate_budget_s"] = time.budget_s
        if time.ratio is not None:
            info["perfgate_ratio"] = round(time.ratio, 4)
        if time.raw_value_s is not None and time.raw_value_s != time.value_s:
            info["perfgate_raw_value_s"] = time.raw_value_s  # the stats beside these, as measured
        if time.corrected:
            info["perfgate_corrected"] = True
    if memory is not None:
        if memory.peak_bytes is not None:
            info["perfgate_memory_peak_bytes"] = memory.peak_bytes
        if memory.budget_bytes is not None:
            info["perfgate_memory_budget_bytes"] = memory.budget_bytes
    return info


def annotate(benchmark: Any, record: Record) -> None:
    """Add the record's ``perfgate_*`` keys to a benchmark fixture's ``extra_info`` (if it has one)."""
    info = getattr(benchmark, "extra_info", None)
    if isinstance(info, dict):
        info.update(extra_info(record))


def shipped(benchmark: Any, rounds: bool = False) -> dict[str, Any] | None:
    """The benchmark's figures as pytest-benchmark writes them (with the ``rounds`` if asked), as
    plain JSON data; None where the fixture measured nothing."""
    metadata = getattr(benchmark, "stats", None)
    if not metadata or not hasattr(metadata, "as_dict"):
        return None
    data = metadata.as_dict(include_data=rounds, flat=False, stats=True)
    loaded: dict[str, Any] = json.loads(json.dumps(data, default=str))  # parameters may be any objects
    return loaded


class ShippedBenchmark:
    """A benchmark measured on an xdist worker, as pytest-benchmark's session reads its own."""

    has_error = False

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)
        self.stats: dict[str, Any] = dict(self.data.get("stats") or {})
        self.fullname = str(self.data.get("fullname", ""))

    def __bool__(self) -> bool:
        return bool(self.stats.get("rounds"))

    def __getitem__(self, key: str) -> Any:
        return self.stats[key] if key in self.stats else self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def as_dict(
        self, include_data: bool = True, flat: bool = False, stats: bool = True, cprofile: Any = None
    ) -> dict[str, Any]:
        """What ``Metadata.as_dict`` gives for a benchmark of this session (``cprofile`` as shipped)."""
        result = {key: value for key, value in self.data.items() if key != "stats"}
        if stats:
            figures = dict(self.stats)
            if not include_data:
                figures.pop("data", None)
            if flat:
                result.update(figures)
            else:
                result["stats"] = figures
        return result
