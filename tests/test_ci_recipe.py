"""The GitHub Actions workflows users copy (docs/ci/*.yml): valid YAML with the steps the recipe
promises, only commands and options that exist, and a step summary that is appended to, never
replaced."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import workflows
from doccheck import command_lines, command_problems
from workflows import SHARDS, SINGLE, action, load, script, step, steps

#: ``${{ matrix.* }}`` values to check the shard job's commands with.
MATRIX = {"group": 1}


def pytest_words(workflow: dict[str, Any], job: str) -> list[str]:
    """The words of the job's one pytest command."""
    (command,) = [
        line
        for found in steps(workflow, job)
        if "run" in found
        for line in command_lines(script(found, MATRIX))
        if "pytest" in line.split()
    ]
    return shlex.split(command)


def option(words: list[str], name: str) -> str:
    (value,) = [word.split("=", 1)[1] for word in words if word.startswith(f"{name}=")]
    return value


@pytest.mark.parametrize("path", [SINGLE, SHARDS], ids=["single", "shards"])
def test_every_command_and_option_in_the_workflow_exists(path: Path) -> None:
    workflow = load(path)
    assert workflow["on"], "the workflow says when it runs"
    lines = [
        line
        for job in workflow["jobs"]
        for found in steps(workflow, job)
        if "run" in found
        for line in command_lines(script(found, MATRIX))
    ]
    assert any(line.startswith("python -m pytest ") for line in lines)
    problems = [problem for line in lines for problem in command_problems(line)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", [SINGLE, SHARDS], ids=["single", "shards"])
def test_the_step_summary_is_appended_to_never_replaced(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    uses = re.findall(r"(>>?|--perfgate-markdown=)\s*\"?\$GITHUB_STEP_SUMMARY", text)
    assert uses and set(uses) == {">>"}, uses


def test_the_single_job_checks_out_installs_runs_summarises_and_uploads() -> None:
    workflow = load(SINGLE)
    (job,) = workflow["jobs"]
    found = steps(workflow, job)
    actions = [action(each) for each in found]
    assert actions[:2] == ["actions/checkout", "actions/setup-python"]
    assert found[1]["with"]["python-version"]
    install = step(workflow, job, "Install")
    assert "pip install" in install["run"] and "pytest-perfgate" in install["run"]

    words = pytest_words(workflow, job)
    assert words[:3] == ["python", "-m", "pytest"]
    junit, report, markdown, page = (
        option(words, name)
        for name in ("--junitxml", "--perfgate-json", "--perfgate-markdown", "--perfgate-html")
    )

    summary = step(workflow, job, "Step summary")
    assert script(summary).strip() == f'cat {markdown} >> "$GITHUB_STEP_SUMMARY"'
    upload = next(each for each in found if action(each) == "actions/upload-artifact")
    assert {page, report, junit} <= set(upload["with"]["path"].split())

    order = [found.index(each) for each in (install, step(workflow, job, "Performance"), summary, upload)]
    assert order == sorted(order), "install, run, then summarise and upload"
    # The reports matter most when a test failed: those steps run after a failing step too.
    for each in (summary, upload):
        assert "!cancelled()" in each["if"] or "always()" in each["if"]


def test_the_summary_step_keeps_what_was_there(tmp_path: Path) -> None:
    """Run as a runner runs it: the earlier steps' summary stays, the Markdown table follows it."""
    workflow = load(SINGLE)
    (job,) = workflow["jobs"]
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("## build\n\nall good\n", encoding="utf-8")
    tmp_path.joinpath("perfgate.md").write_text("## perfgate\n\n| test |\n|---|\n| `t` |\n", encoding="utf-8")
    completed = workflows.run(
        step(workflow, job, "Step summary"), tmp_path, {"GITHUB_STEP_SUMMARY": str(summary_file)}
    )
    assert completed.returncode == 0, completed.stderr
    assert summary_file.read_text() == "## build\n\nall good\n## perfgate\n\n| test |\n|---|\n| `t` |\n"


def test_the_shard_workflow_splits_records_and_merges() -> None:
    workflow = load(SHARDS)
    shard, report = workflow["jobs"]["shard"], workflow["jobs"]["report"]
    groups = shard["strategy"]["matrix"]["group"]
    assert groups == [1, 2, 3]
    assert shard["strategy"]["fail-fast"] is False, "one shard's failure must not cancel the others"

    words = pytest_words(workflow, "shard")
    assert option(words, "--perfgate-json") == "shard1.json"
    assert words[words.index("--splits") + 1] == str(len(groups))
    assert words[words.index("--group") + 1] == "1"
    assert option(words, "--perfgate-history") == "$PERFGATE_HISTORY_URL"
    assert "PERFGATE_HISTORY_URL" in step(workflow, "shard", "Performance")["env"]
    upload = next(each for each in steps(workflow, "shard") if action(each) == "actions/upload-artifact")
    assert "shard1.json" in script({"run": upload["with"]["path"]}, MATRIX).split()
    assert upload["with"]["name"].startswith("perfgate-shard-")

    assert report["needs"] == "shard" and "!cancelled()" in report["if"]
    download = next(each for each in steps(workflow, "report") if action(each) == "actions/download-artifact")
    assert download["with"]["pattern"] == "perfgate-shard-*" and download["with"]["merge-multiple"] is True
    (merge,) = command_lines(step(workflow, "report", "Merge")["run"])
    words = shlex.split(merge)
    assert words[:3] == ["perfgate", "merge", "shard*.json"]
    assert words[words.index("--expect") + 1] == str(len(groups)), "a missing shard is named, not missed"
    assert words[words.index("-o") + 1] == "merged.json"
    markdown, page = (words[words.index(name) + 1] for name in ("--markdown", "--html"))

    summary = step(workflow, "report", "Step summary")
    assert script(summary).strip() == f'cat {markdown} >> "$GITHUB_STEP_SUMMARY"'
    upload = next(each for each in steps(workflow, "report") if action(each) == "actions/upload-artifact")
    assert {page, "merged.json"} <= set(upload["with"]["path"].split())
    # A merge that names missing shards fails its step: the summary and the upload still run.
    for each in (summary, upload):
        assert "!cancelled()" in each["if"]
