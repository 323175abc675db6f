"""The Markdown summary: a counts line, warnings, one table row per test (worst first), cells escaped."""

from __future__ import annotations

import re
from html import escape

import pytest
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
    """The table body's cells as a CommonMark parser with GitHub's tables reads them, and the HTML."""
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL) for row in rows], html


NODE_ID_TEXT = st.text(alphabet="`<>|\\/&*_[]ab -", min_size=1, max_size=30).filter(str.strip)


@settings(max_examples=300, deadline=None)
@given(tail=NODE_ID_TEXT)
def test_any_node_id_stays_inside_its_code_span(tail: str) -> None:
    nodeid = f"t.py::test[{tail}]"
    text = render(sample_report(tests=(record(nodeid),)))
    (cells,), html = rendered_cells(text)
    assert len(cells) == len(COLUMNS)
    expected = escape(" ".join(nodeid.split()), quote=False)
    assert cells[0] == f"<code>{expected}</code>", text
    assert "<b>" not in html and "<a " not in html


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
