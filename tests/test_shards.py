"""The shard recipe (docs/shards.md, docs/ci/perfgate-shards.yml) run as written: three shards of one
project split by pytest-split, each writing its JSON report into one shared history, then the final
job's merge and summary. Every test is in the merged report exactly once, with the verdict and figures
its shard gave it; the merged report is complete only when every shard was."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import workflows
from doccheck import perfgate_script
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


def run_report_job(pytester: pytest.Pytester) -> tuple[Any, str, Any]:
    """The final job's merge and summary steps; the merged report, the summary and the merge's run."""
    workflow = load(SHARDS)
    summary = pytester.path / "summary.md"
    summary.write_text("earlier steps' summary\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    merged = workflows.run(step(workflow, "report", "Merge"), pytester.path, env)
    if merged.returncode != 0:
        return None, summary.read_text(), merged
    shown = workflows.run(step(workflow, "report", "Step summary"), pytester.path, env)
    assert shown.returncode == 0, shown.stderr
    return json.loads((pytester.path / "merged.json").read_text()), summary.read_text(), merged


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

    merged, summary, _ = run_report_job(pytester)
    assert merged["complete"] is True
    nodeids = [test["nodeid"] for test in merged["tests"]]
    assert sorted(nodeids) == sorted(EXPECTED), "every test exactly once"
    assert {test["nodeid"]: test["verdict"] for test in merged["tests"]} == EXPECTED
    by_shard = {test["nodeid"]: test for report in shards.values() for test in report["tests"]}
    for test in merged["tests"]:
        assert test == by_shard[test["nodeid"]], f"{test['nodeid']} changed in the merge"
    assert [part["path"] for part in merged["merged_from"]] == [f"shard{group}.json" for group in GROUPS]
    assert {verdict: n for verdict, n in merged["counts"].items() if n} == {"pass": 3, "fail": 3}

    # The final job's summary: appended after what was there, a table with every test.
    assert summary.startswith("earlier steps' summary\n```text\nperfgate report merged.json\n")
    assert "INCOMPLETE" not in summary
    assert all(nodeid in summary for nodeid in EXPECTED)

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

    merged, summary, _ = run_report_job(pytester)
    assert merged["complete"] is False
    assert [part["complete"] for part in merged["merged_from"]] == [False, True, True]
    nodeids = [test["nodeid"] for test in merged["tests"]]
    assert len(nodeids) == len(set(nodeids)) == len(EXPECTED) - 1
    assert {test["nodeid"]: test["verdict"] for test in merged["tests"]} == {
        nodeid: verdict for nodeid, verdict in EXPECTED.items() if nodeid in nodeids
    }
    assert "INCOMPLETE: the run stopped before its end" in summary


def test_a_shard_without_a_report_stops_the_merge(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """A shard whose runner died wrote nothing: the merge alone could not tell, the recipe's count can."""
    make_project(pytester)
    for group in GROUPS[:2]:
        run_shard(pytester, group, str(tmp_path / "history.sqlite"))
    merged, summary, completed = run_report_job(pytester)
    assert merged is None and completed.returncode != 0
    assert "a shard wrote no report" in completed.stdout
    assert not (pytester.path / "merged.json").exists()
    assert summary == "earlier steps' summary\n"
