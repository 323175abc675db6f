"""The budget and verdict in pytest-benchmark's ``extra_info``, so ``--benchmark-json`` consumers see them."""

from __future__ import annotations

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
