"""The shard recipe (docs/shards.md, docs/ci/perfgate-shards.yml) run as written: three shards of one
project split by pytest-split, each writing its JSON report into one shared history, then the final
job's merge (JSON, Markdown, HTML) and summary. Every test is in the merged reports exactly once, with
the verdict and figures its shard gave it; the merged report is complete only when every expected
shard's report is there and complete."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import workflows
from doccheck import perfgate_script
from rendered import code_text, html_nodeids, markdown_table
from workflows import SHARDS, load, step

GROUPS = (1, 2, 3)

#: Quick measuring for the runs here: the shards' own command lines stay as the workflow writes them.
QUICK = (
    "-p no:hypothesispytest -p no:cacheprovider --benchmark-max-time=0.02 --benchmark-min-rounds=3"
    " --perfgate-confirm=0 --perfgate-max-time=1 --perfgate-profile=off"
)

#: Each file: a test far over its budget first, then one far under it, then an ordinary test.
TESTS = """
import pytest


def work(n):
    return sum(range(n))


@pytest.mark.performance(time="1us")
def test_{name}_slow(perfgate):
    perfgate(work, 100_000)


@pytest.mark.performance(time="1s")
def test_{name}_fast(perfgate):
    perfgate(work, 100)


def test_{name}_plain():
    assert work(10) == 45
"""

EXPECTED = {
    f"test_{name}.py::test_{name}_{kind}": verdict
    for name in ("alpha", "beta", "gamma")
    for kind, verdict in (("slow", "fail"), ("fast", "pass"))
}


def make_project(pytester: pytest.Pytester) -> None:
    for name in ("alpha", "beta", "gamma"):
        pytester.makepyfile(**{f"test_{name}": TESTS.format(name=name)})


def run_shard(pytester: pytest.Pytester, group: int, history: str, extra: str = "") -> Any:
    """The shard job's pytest step for one matrix group; its JSON report."""
    workflow = load(SHARDS)
    completed = workflows.run(
        step(workflow, "shard", "Performance"),
        pytester.path,
        {"PERFGATE_HISTORY_URL": history, "PYTEST_ADDOPTS": f"{QUICK} {extra}"},
        matrix={"group": group},
    )
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr  # 1: a test over budget
    return json.loads((pytester.path / f"shard{group}.json").read_text())


@dataclass
class ReportJob:
    """What the final job left: the merge step's run, the merged JSON (None when it wrote none), the
    step summary and the HTML page."""

    merge: subprocess.CompletedProcess[str]
    merged: Any
    summary: str
    page: str | None


def run_report_job(pytester: pytest.Pytester) -> ReportJob:
    """The final job's merge and summary steps, the summary step as its ``if:`` says (after a failed
    merge too, when the merge wrote its Markdown)."""
    workflow = load(SHARDS)
    summary = pytester.path / "summary.md"
    summary.write_text("earlier steps' summary\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    merge = workflows.run(step(workflow, "report", "Merge"), pytester.path, env)
    assert "Traceback" not in merge.stderr, merge.stderr
    if (pytester.path / "merged.md").exists():
        shown = workflows.run(step(workflow, "report", "Step summary"), pytester.path, env)
        assert shown.returncode == 0, shown.stderr
    merged, page = pytester.path / "merged.json", pytester.path / "merged.html"
    return ReportJob(
        merge,
        json.loads(merged.read_text()) if merged.exists() else None,
        summary.read_text(encoding="utf-8"),
        page.read_text(encoding="utf-8") if page.exists() else None,
    )


def check_rendered(job: ReportJob, nodeids: list[str]) -> None:
    """The summary: what was there, then a table GitHub renders with one row per test, each once, and
    as many cells as its header; the HTML page: a row per test, each once."""
    assert job.summary.startswith("earlier steps' summary\n## perfgate\n")
    headers, rows = markdown_table(job.summary)
    assert all(len(cells) == len(headers) for cells in rows)
    assert sorted(code_text(cells[0]) for cells in rows) == sorted(nodeids)
    assert job.page is not None
    assert sorted(html_nodeids(job.page)) == sorted(nodeids)


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One history store all shards record into: a SQLite file, or a PostgreSQL database."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return str(tmp_path / "shared-history.sqlite")


def test_three_shards_merge_into_one_complete_report(pytester: pytest.Pytester, history: str) -> None:
    make_project(pytester)
    shards = {group: run_shard(pytester, group, history) for group in GROUPS}

    # pytest-split ran every performance test in exactly one shard, and each shard ran some.
    ran = [test["nodeid"] for report in shards.values() for test in report["tests"]]
    assert sorted(ran) == sorted(EXPECTED)
    assert all(report["tests"] and report["complete"] for report in shards.values())

    job = run_report_job(pytester)
    assert job.merge.returncode == 0, job.merge.stderr
    merged = job.merged
    assert merged["complete"] is True
    nodeids = [test["nodeid"] for test in merged["tests"]]
    assert sorted(nodeids) == sorted(EXPECTED), "every test exactly once"
    assert {test["nodeid"]: test["verdict"] for test in merged["tests"]} == EXPECTED
    by_shard = {test["nodeid"]: test for report in shards.values() for test in report["tests"]}
    for test in merged["tests"]:
        assert test == by_shard[test["nodeid"]], f"{test['nodeid']} changed in the merge"
    assert [part["path"] for part in merged["merged_from"]] == [f"shard{group}.json" for group in GROUPS]
    assert {verdict: n for verdict, n in merged["counts"].items() if n} == {"pass": 3, "fail": 3}
    # Shards run side by side: the merged run took as long as the longest, and failed as they did.
    assert merged["duration_s"] == max(report["duration_s"] for report in shards.values())
    assert merged["exit_status"] == 1 == max(report["exit_status"] for report in shards.values())
    assert merged["warnings"] == []

    # The final job's summary: appended after what was there, a table with every test; the HTML too.
    check_rendered(job, list(EXPECTED))
    assert "Incomplete" not in job.summary
    verdicts = {code_text(cells[0]): cells[-1] for cells in markdown_table(job.summary)[1]}
    assert verdicts == {
        nodeid: "<strong>FAIL</strong>" if verdict == "fail" else verdict
        for nodeid, verdict in EXPECTED.items()
    }

    # The one shared history holds the three shards' runs and every test.
    shown = subprocess.run(
        [perfgate_script(), "history", "--db", history],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert shown.returncode == 0, shown.stderr
    assert "6 tests, 3 runs" in shown.stdout.splitlines()[0], shown.stdout
    assert all(nodeid in shown.stdout for nodeid in EXPECTED)


def test_one_stopped_shard_makes_the_merged_report_incomplete(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    make_project(pytester)
    history = str(tmp_path / "history.sqlite")
    # Shard 1 stops at its first failure (-x): its second test never runs.
    shards = {group: run_shard(pytester, group, history, "-x" if group == 1 else "") for group in GROUPS}
    assert [shards[group]["complete"] for group in GROUPS] == [False, True, True]
    assert len(shards[1]["tests"]) < len(shards[2]["tests"])

    job = run_report_job(pytester)
    assert job.merge.returncode == 0, job.merge.stderr  # every expected report is there
    merged = job.merged
    assert merged["complete"] is False
    assert [part["complete"] for part in merged["merged_from"]] == [False, True, True]
    nodeids = [test["nodeid"] for test in merged["tests"]]
    assert len(nodeids) == len(set(nodeids)) == len(EXPECTED) - 1
    assert {test["nodeid"]: test["verdict"] for test in merged["tests"]} == {
        nodeid: verdict for nodeid, verdict in EXPECTED.items() if nodeid in nodeids
    }
    check_rendered(job, nodeids)
    assert "**Incomplete:** the run stopped before its end" in job.summary


def test_a_shard_without_a_report_fails_the_merge_and_is_named(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """A shard whose runner died wrote nothing: ``--expect 3`` names it as missing and fails the step,
    and the other shards' tests are still merged, summarised and kept, marked incomplete."""
    make_project(pytester)
    shards = {group: run_shard(pytester, group, str(tmp_path / "history.sqlite")) for group in GROUPS[:2]}
    assert all(report["complete"] for report in shards.values())
    job = run_report_job(pytester)
    assert job.merge.returncode == 1
    warning = (
        "1 of 3 expected shard reports is missing (--expect 3, 2 given): their tests are not in this report"
    )
    assert job.merge.stderr == f"perfgate merge: warning: {warning}\n"
    merged = job.merged
    assert merged["complete"] is False
    assert merged["warnings"] == [warning]
    nodeids = [test["nodeid"] for test in merged["tests"]]
    assert sorted(nodeids) == sorted(test["nodeid"] for report in shards.values() for test in report["tests"])
    check_rendered(job, nodeids)
    assert "**Incomplete:**" in job.summary and f"**Warning:** {warning}" in job.summary


def test_no_shard_report_at_all_is_a_clear_error(pytester: pytest.Pytester) -> None:
    """No report arrived: the glob stays as typed, and the merge names it, exit 2, writing nothing."""
    job = run_report_job(pytester)
    assert job.merge.returncode == 2
    assert job.merge.stderr == "perfgate merge: error: shard*.json: no such file\n"
    assert job.merged is None and job.page is None
    assert job.summary == "earlier steps' summary\n"
