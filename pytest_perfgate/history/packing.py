"""Runs and results to and from the rows of the store's tables, and the queries that read them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..measure.machine import Machine
from . import rows
from .model import Result, Run

RUN_COLUMNS = (
    "started_at",
    "commit_id",
    "branch",
    "dirty",
    "hostname",
    "cpu",
    "cores",
    "os",
    "python",
    "perfgate",
)
RESULT_COLUMNS = (
    "nodeid",
    "target",
    "verdict",
    "stat",
    "value_s",
    "budget_s",
    "ratio",
    "peak_bytes",
    "memory_budget_bytes",
)


def queries(where: str, limited: bool, detailed: bool) -> tuple[str, str]:
    """The queries of :meth:`Store.runs`: its runs (the last ones, if ``limited``), and their results."""
    limit = " LIMIT ?" if limited else ""
    run_columns = ", ".join(RUN_COLUMNS)
    runs_query = (
        f"SELECT id, {run_columns} FROM runs WHERE id IN (SELECT DISTINCT run_id FROM results "
        f"WHERE {where} ORDER BY run_id DESC{limit}) ORDER BY id"
    )
    result_columns = ", ".join(f"results.{column}" for column in RESULT_COLUMNS)
    results_query = (
        f"SELECT results.run_id, {result_columns}"
        + (
            ", details.rounds, details.record FROM results LEFT JOIN details ON "
            "details.run_id = results.run_id AND details.nodeid = results.nodeid"
            if detailed
            else " FROM results"
        )
        + f" WHERE results.run_id >= ? AND {where} ORDER BY results.run_id, results.id"
    )
    return runs_query, results_query


def result_row(result: Result) -> tuple[object, ...]:
    return (
        result.nodeid,
        result.target,
        result.verdict,
        result.stat,
        result.value_s,
        result.budget_s,
        result.ratio,
        result.peak_bytes,
        result.memory_budget_bytes,
    )


def details_row(result: Result) -> tuple[object, ...]:
    record = result.record
    data: dict[str, Any] = record.to_dict() if record is not None else {"nodeid": result.nodeid}
    if data.get("time"):
        data["time"]["data"] = []  # the rounds have their own column
    return (result.nodeid, rows.pack_rounds(result.rounds), json.dumps(data, separators=(",", ":")))


def result(row: Sequence[Any], detailed: bool, with_record: bool, store: str) -> Result:
    """A result from ``run_id, <result columns>[, rounds, record]`` (positional: a history has many)."""
    nodeid, target, verdict, stat, value_s, budget_s, ratio, peak, budget = rows.result_columns(row[1:10])
    if not detailed:
        return Result(nodeid, verdict, target, stat, value_s, budget_s, ratio, peak, budget)
    rounds = rows.unpack_rounds(row[10])
    record = rows.record_of(row[11], rounds, store) if with_record and row[11] else None
    return Result(nodeid, verdict, target, stat, value_s, budget_s, ratio, peak, budget, rounds, record)


def run(row: Sequence[Any], results: tuple[Result, ...]) -> Run:
    started_at, commit, branch, dirty, hostname, cpu, cores, os_name, python, perfgate = rows.run_columns(
        row[1:]
    )
    return Run(
        id=int(row[0]),
        started_at=started_at,
        commit=commit,
        branch=branch,
        dirty=dirty,
        machine=Machine(hostname, cpu, cores, os_name, python),
        perfgate=perfgate,
        results=results,
    )
