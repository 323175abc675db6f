"""The Markdown summary: a counts line, warnings, one table row per test (worst first), cells escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

import pytest
from doccheck import DOCS
from hypothesis import given, settings
from hypothesis import strategies as st
from reportdata import record, sample_report

from pytest_perfgate.reports.markdown import cell, code, render
from pytest_perfgate.reports.terminal import COLUMNS


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ")][1:]


def test_counts_line_and_rows_worst_first() -> None:
    text = render(sample_report())
    assert "**4 performance tests: 1 pass, 1 fail, 1 warn, 1 not-measured** (stat median" in text
    rows = table_rows(text)
    assert [row.split(" | ")[0] for row in rows] == [
        "| `tests/test_a.py::test_fail`",
        r"| `tests/test_b.py::test_warn[a\|b]`",
        "| `tests/test_a.py::test_pass`",
        "| `tests/test_b.py::test_unmeasured`",
    ]
    assert rows[0].endswith("| **FAIL** |")
    assert "| 250 ms | - | 100 ms | 2.50x |" in rows[0]
    assert "not-measured: pytest-benchmark is disabled (--benchmark-disable)" in rows[3]
    # every row has as many cells as the header (escaped pipes do not split cells)
    header = next(line for line in text.splitlines() if line.startswith("| test"))
    assert all(row.replace(r"\|", "").count("|") == header.count("|") for row in rows)
    lines = text.splitlines()
    delimiter = lines[lines.index(header) + 1]
    assert delimiter.count("|") == header.count("|")  # else GitHub shows no table at all


def test_warnings_and_incomplete_runs_are_said_first() -> None:
    text = render(sample_report(warnings=("times are contended",), complete=False))
    assert text.index("Incomplete") < text.index("times are contended") < text.index("| test")


def test_no_tests() -> None:
    text = render(sample_report(tests=()))
    assert "**0 performance tests**" in text
    assert "| test" not in text


def test_cells_are_escaped() -> None:
    assert cell("a|b\n<c>") == r"a\|b &lt;c&gt;"
    assert code("t.py::test[`x`]") == "`` t.py::test[`x`] ``"


@pytest.mark.parametrize(
    ("nodeid", "span"),
    [
        ("t.py::test_x", "`t.py::test_x`"),
        ("t.py::t[``<b>bold</b>``]", "``` t.py::t[``<b>bold</b>``] ```"),
        ("t.py::t[```]", "```` t.py::t[```] ````"),
        ("`", "`` ` ``"),
    ],
)
def test_a_fence_longer_than_any_backtick_run(nodeid: str, span: str) -> None:
    assert code(nodeid) == span


def rendered_cells(text: str) -> tuple[list[list[str]], str]:
    """The table body's cells as GitHub's own renderer (cmark-gfm with its tables extension) reads
    them, and the HTML; raw HTML is let through as GitHub lets some through, so none may come from a
    node id."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    html = cmarkgfm.github_flavored_markdown_to_html(text, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL) for row in rows], html


def header_cells(html: str) -> list[str]:
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return re.findall(r"<th[^>]*>(.*?)</th>", head, re.DOTALL)


def test_github_renders_a_table_with_a_row_per_test() -> None:
    report = sample_report()
    cells, html = rendered_cells(render(report))
    assert html.count("<table>") == 1
    assert header_cells(html) == list(COLUMNS)
    assert len(cells) == len(report.tests)
    assert all(len(row) == len(COLUMNS) for row in cells)
    assert [row[0] for row in cells] == [
        "<code>tests/test_a.py::test_fail</code>",
        "<code>tests/test_b.py::test_warn[a|b]</code>",
        "<code>tests/test_a.py::test_pass</code>",
        "<code>tests/test_b.py::test_unmeasured</code>",
    ]
    assert cells[0][-1] == "<strong>FAIL</strong>"


NODE_ID_TEXT = st.text(alphabet="`<>|\\/&*_[]ab -", min_size=1, max_size=30).filter(str.strip)


@settings(max_examples=300, deadline=None)
@given(tails=st.lists(NODE_ID_TEXT, min_size=1, max_size=3))
def test_any_node_id_stays_inside_its_code_span(tails: list[str]) -> None:
    nodeids = [f"t{index}.py::test[{tail}]" for index, tail in enumerate(tails)]
    text = render(sample_report(tests=tuple(record(nodeid) for nodeid in nodeids)))
    rows, html = rendered_cells(text)
    assert len(rows) == len(nodeids)
    assert all(len(cells) == len(COLUMNS) for cells in rows)
    shown = sorted(cells[0] for cells in rows)
    expected = sorted(f"<code>{escape(' '.join(nodeid.split()), quote=False)}</code>" for nodeid in nodeids)
    assert shown == expected, text
    assert "<b>" not in html and "<a " not in html


@pytest.mark.parametrize("ticks", [1, 2, 3, 5, 8])
def test_a_node_id_with_any_number_of_backticks(ticks: int) -> None:
    fence = "`" * ticks
    nodeid = f"t.py::t[{fence}<b>bold</b>{fence}|{fence}]"
    (cells,), html = rendered_cells(render(sample_report(tests=(record(nodeid),))))
    assert cells[0] == f"<code>{escape(nodeid, quote=False)}</code>"
    assert len(cells) == len(COLUMNS)
    assert "<b>bold</b>" not in html


def test_no_raw_html_from_a_node_id() -> None:
    nodeid = "t.py::t[``<b>bold</b>``]"
    (cells,), html = rendered_cells(render(sample_report(tests=(record(nodeid),))))
    assert cells[0] == "<code>t.py::t[``&lt;b&gt;bold&lt;/b&gt;``]</code>"
    assert "<b>bold</b>" not in html


def test_written_by_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.performance(time="1s")
        def test_quick(perfgate):
            perfgate.pedantic(time.sleep, args=(0.001,), rounds=2)
        """
    )
    result = pytester.runpytest("--perfgate-markdown=summary.md")
    result.assert_outcomes(passed=1)
    text = (pytester.path / "summary.md").read_text()
    assert "**1 performance test: 1 pass**" in text
    assert "| `test_written_by_the_option.py::test_quick` | - | median |" in text


def test_verdicts_follow_pytests_outcome() -> None:
    tests = (
        replace(record("t.py::test_xfail", "fail", value=0.3), outcome="xfailed"),
        replace(record("t.py::test_strict", value=0.05), outcome="xpassed-strict"),
        replace(record("t.py::test_xpass", value=0.05), outcome="xpassed"),
        replace(record("t.py::test_fine", value=0.05), outcome="passed"),
    )
    text = render(sample_report(tests=tests))
    assert "**4 performance tests: 1 pass, 1 fail, 1 xfail, 1 xpass**" in text
    verdicts = {row.split(" | ")[0][2:]: row.split(" | ")[-1] for row in table_rows(text)}
    assert verdicts == {
        "`t.py::test_xfail`": "xfail (over budget, as expected) |",
        "`t.py::test_strict`": "**FAIL (XPASS(strict): pass)** |",
        "`t.py::test_xpass`": "xpass (pass) |",
        "`t.py::test_fine`": "pass |",
    }


@pytest.mark.parametrize("page", ["reports.md", "ci.md"])
def test_the_docs_append_the_markdown_to_the_step_summary(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    assert '>> "$GITHUB_STEP_SUMMARY"' in text
    for match in re.finditer(r"--perfgate-markdown[= ]\"?`?\$GITHUB_STEP_SUMMARY", text):
        around = text[max(0, match.start() - 300) : match.end() + 300]
        assert "replace" in around or "overwrite" in around, around  # only ever as a warning
