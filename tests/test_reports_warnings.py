"""Run warnings reach every report file: a ``[tool.perfgate.tests]`` pattern that matched no test is
in the JSON (with its file and line), the Markdown and the HTML, under xdist too."""

from __future__ import annotations

import json
from html import escape

import pytest

from pytest_perfgate.reports.reader import read_report

PYPROJECT = """
    [tool.perfgate.tests]
    "bench/test_parse.py::test_json" = "10s"
    "bench/test_parse.py::test_jsno" = "10s"
"""
TYPO = "pattern 'bench/test_parse.py::test_jsno' matched no collected test"
OPTIONS = (
    "--benchmark-max-time=0.01",
    "-p",
    "no:hypothesispytest",
    "--perfgate-json=report.json",
    "--perfgate-markdown=report.md",
    "--perfgate-html=report.html",
)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_an_unmatched_pattern_is_in_every_report(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makepyprojecttoml(PYPROJECT)
    bench = pytester.mkdir("bench")
    bench.joinpath("test_parse.py").write_text(
        "import json\n\ndef test_json(benchmark):\n    benchmark(json.loads, '[1, 2]')\n"
    )
    result = pytester.runpytest_subprocess(*OPTIONS, *workers)
    result.assert_outcomes(passed=1, warnings=1)
    document = json.loads((pytester.path / "report.json").read_text())
    pyproject = str(pytester.path / "pyproject.toml")
    (entry,) = document["unmatched_patterns"]
    assert {key: entry[key] for key in ("pattern", "file", "line")} == {
        "pattern": "bench/test_parse.py::test_jsno",
        "file": pyproject,
        "line": 3,
    }
    (warning,) = [warning for warning in document["warnings"] if TYPO in warning]
    assert pyproject in warning and ("line 3" in warning or "pyproject.toml:3" in warning)
    assert read_report(pytester.path / "report.json").warnings == tuple(document["warnings"])
    assert f"> **Warning:** {warning}" in (pytester.path / "report.md").read_text()
    assert f'<p class="warning">{escape(warning)}</p>' in (pytester.path / "report.html").read_text()
