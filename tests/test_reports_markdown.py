"""The Markdown summary: a counts line, warnings, one table row per test (worst first), cells escaped."""

from __future__ import annotations

import pytest
from reportdata import sample_report

from pytest_perfgate.reports.markdown import cell, code, render


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
