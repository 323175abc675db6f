"""The HTML page: self-contained, a chart bar per measured figure coloured by verdict, the table and
each failing test's profile and allocations; rendered for real in headless Chromium where installed."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from headless import colour_counts, render_page
from reportdata import record, sample_report

from pytest_perfgate.reports.chart import LABEL_CHARS, PLOT_LEFT, PLOT_WIDTH, axis_end, position
from pytest_perfgate.reports.html import render
from pytest_perfgate.reports.palette import SHOWN_COLOURS as COLOURS_SHOWN
from pytest_perfgate.reports.palette import VERDICT_COLOURS as COLOURS


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <title> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)


def parse(text: str) -> Elements:
    elements = Elements()
    elements.feed(text)
    return elements


def bars_by_test(elements: Elements) -> dict[str, list[dict[str, str]]]:
    """node id -> the bar rects of its chart row, in document order."""
    rows: dict[str, list[dict[str, str]]] = {}
    current = None
    for tag, attributes in elements.tags:
        if tag == "g" and "test" in attributes.get("class", "").split():
            current = attributes["data-nodeid"]
            rows[current] = []
        elif tag == "rect" and "bar" in attributes.get("class", "").split():
            assert current is not None
            rows[current].append(attributes)
    return rows


def check_chart(text: str) -> None:
    """One chart row per test, a bar per figure with a budget, coloured by the test's verdict."""
    bars = bars_by_test(parse(text))
    assert list(bars) == [
        "tests/test_a.py::test_fail",
        "tests/test_b.py::test_warn[a|b]",
        "tests/test_a.py::test_pass",
        "tests/test_b.py::test_unmeasured",
    ]
    assert [[bar["class"] for bar in row] for row in bars.values()] == [
        ["bar time", "bar memory"],
        ["bar time", "bar memory"],
        ["bar time", "bar memory"],
        [],
    ]
    for (nodeid, row), verdict in zip(bars.items(), ("fail", "warn", "pass"), strict=False):
        assert {bar["fill"] for bar in row} == {COLOURS[verdict]}, nodeid
    fail_time, pass_time = bars["tests/test_a.py::test_fail"][0], bars["tests/test_a.py::test_pass"][0]
    assert float(fail_time["data-ratio"]) == pytest.approx(2.5)
    # a log axis from 0.01x to 3x: 0.1x ends at a third of it, 2.5x near its end
    assert float(pass_time["width"]) == pytest.approx(PLOT_WIDTH / math.log10(300), abs=0.2)
    assert float(fail_time["width"]) == pytest.approx(PLOT_WIDTH * math.log10(250) / math.log10(300), abs=0.2)


def test_page_is_self_contained() -> None:
    text = render(sample_report())
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text
    assert "<link" not in text
    assert not re.search(r"\bsrc=", text)
    assert "@import" not in text and "url(" not in text
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) == {"http://www.w3.org/2000/svg"}  # a name only


def test_chart_has_a_bar_per_figure_coloured_by_verdict() -> None:
    check_chart(render(sample_report()))


def test_bars_have_titles_with_the_figures() -> None:
    titles = parse(render(sample_report())).titles
    assert any(
        "tests/test_a.py::test_fail\ntime median 250 ms / budget 100 ms = 2.50x (5 rounds)\nverdict: FAIL"
        in t
        for t in titles
    )
    assert any("memory peak 600 MiB / budget 500 MiB = 1.20x (memray)" in title for title in titles)
    assert any("not-measured: pytest-benchmark is disabled" in title for title in titles)


def test_budget_line_at_one() -> None:
    text = render(sample_report())
    line = next(
        attrs for tag, attrs in parse(text).tags if tag == "line" and attrs.get("class") == "budget-line"
    )
    end = axis_end([2.5, 1.2, 1.2, 0.1, 1024 / (500 * 1024**2), 600 / 500])
    assert end == 3.0
    assert float(line["x1"]) == pytest.approx(PLOT_LEFT + PLOT_WIDTH * 2 / math.log10(300), abs=0.1)


def tick_labels(text: str) -> list[str]:
    return re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', text)


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (0.5, ["0.01x", "0.03x", "0.1x", "0.3x", "1x", "3x"]),
        (2.8, ["0.01x", "0.03x", "0.1x", "0.3x", "1x", "3x"]),
        (7.0, ["0.01x", "0.03x", "0.1x", "0.3x", "1x", "3x", "10x"]),
        (40.0, ["0.01x", "0.03x", "0.1x", "0.3x", "1x", "3x", "10x", "30x", "100x"]),
    ],
)
def test_a_log_axis_from_a_hundredth_of_the_budget(largest: float, ticks: list[str]) -> None:
    tests = (
        record("t.py::test_big", value=largest, budget=1.0),
        record("t.py::test_small", value=0.02, budget=1.0),
    )
    text = render(sample_report(tests=tests))
    assert tick_labels(text) == ticks
    end = axis_end([largest])
    small = bars_by_test(parse(text))["t.py::test_small"][0]
    # 0.02x is a bar as readable as any: its length is log10(0.02 / 0.01) of the axis's decades
    assert float(small["width"]) == pytest.approx(position(0.02, end) - PLOT_LEFT, abs=0.1)
    assert float(small["width"]) > 0.04 * PLOT_WIDTH


def test_ratios_each_a_decade_apart_are_equally_far_apart() -> None:
    ends = [position(ratio, 3.0) for ratio in (0.01, 0.1, 1.0)]
    assert ends[1] - ends[0] == pytest.approx(ends[2] - ends[1])
    assert ends[0] == PLOT_LEFT


def test_huge_ratios_are_clipped_and_marked() -> None:
    text = render(sample_report(tests=(record("t.py::test_x", "fail", value=100.0, budget=0.1),)))
    bar = bars_by_test(parse(text))["t.py::test_x"][0]
    assert float(bar["width"]) == pytest.approx(PLOT_WIDTH, abs=0.1)
    assert "» 1000.00x" in text


def test_node_ids_are_shown_whole_or_shortened_in_the_middle_with_the_whole_on_hover() -> None:
    short = "tests/test_indicators.py::test_naive_cross_detector_fails_the_linear_gate"
    long = "tests/perf/test_indicators_and_triggers.py::TestCross::" + "test_" + "x" * 80 + "[1000000-numba]"
    text = render(sample_report(tests=(record(short), record(long))))
    labels = dict(re.findall(r'<text class="label"[^>]*><title>([^<]*)</title>([^<]*)</text>', text))
    assert labels[short] == short
    shown = labels[long]
    assert len(shown) == LABEL_CHARS and "…" in shown
    assert shown.startswith("tests/perf/test_indicators_and_triggers.py::")
    assert shown.endswith("xxx[1000000-numba]")
    assert f"{short}</td>" not in text  # the table breaks a node id after its separators ...
    assert "test_indicators.py::<wbr>test_naive_cross_detector_fails_the_linear_gate</td>" in text
    assert re.sub("<wbr>|<[^>]+>", "", text).count(long) >= 2  # ... and shows it whole


def test_table_and_details() -> None:
    text = render(sample_report(warnings=("times are contended",), complete=False))
    assert text.count('<tr class="verdict-') == 4
    assert '<td class="verdict">FAIL</td>' in text
    assert "times are contended" in text
    assert "Incomplete" in text
    details = text[text.index("<h2>Details</h2>") :]
    assert "tests/test_a.py::test_fail" in details
    assert "<td>slow_part</td><td>src/app.py:12</td>" in details
    assert '<td>src/app.py:14</td><td class="num">3 MiB</td><td class="num">42</td>' in details
    assert "perfgate: budget: time median 250 ms &gt; budget 100 ms (2.50x)" in details


def test_text_is_escaped() -> None:
    text = render(sample_report(tests=(record("t.py::test[<script>alert(1)</script>]"),)))
    assert "<script>" not in text
    assert "&lt;script&gt;" in text


def test_empty_report() -> None:
    text = render(sample_report(tests=()))
    assert "no performance tests" in text
    assert bars_by_test(parse(text)) == {}


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
    pytester.runpytest("--perfgate-html=report.html").assert_outcomes(passed=1)
    bars = bars_by_test(parse((pytester.path / "report.html").read_text()))
    assert [bar["class"] for bar in bars["test_written_by_the_option.py::test_quick"]] == [
        "bar time",
        "bar memory",
    ]


def test_chromium_draws_the_chart(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(sample_report()), encoding="utf-8")
    screenshot = tmp_path / "report.png"
    dom = render_page(page, tmp_path / "profile", "--window-size=900,520", f"--screenshot={screenshot}")
    check_chart(dom)  # the DOM the browser built holds the chart
    colours = colour_counts(screenshot)
    total = sum(colours.values())
    assert total == 900 * 520
    assert colours[(255, 255, 255)] < 0.97 * total  # not blank
    # each verdict's bars are painted: time bars solid in the verdict's colour
    for verdict in ("fail", "warn", "pass"):
        rgb = tuple(int(COLOURS[verdict][i : i + 2], 16) for i in (1, 3, 5))
        assert colours[rgb] > 8 * 11, verdict  # at least a bar of 8 x 11 pixels
    fail = tuple(int(COLOURS["fail"][i : i + 2], 16) for i in (1, 3, 5))
    passed = tuple(int(COLOURS["pass"][i : i + 2], 16) for i in (1, 3, 5))
    assert colours[fail] > 1.8 * colours[passed]  # 2.5x is drawn longer than 0.1x (log scale)


def test_tiny_ratios_are_not_shown_as_zero() -> None:
    text = render(sample_report(tests=(record("t.py::test_x", peak=10),)))
    assert "&lt;0.01x" in text
    assert ">0.00x<" not in text


def test_an_expected_failure_is_drawn_and_listed_as_xfail() -> None:
    tests = (
        replace(record("t.py::test_xfail", "fail", value=0.3), outcome="xfailed"),
        replace(record("t.py::test_strict", value=0.05), outcome="xpassed-strict"),
        replace(record("t.py::test_fine", value=0.05), outcome="passed"),
    )
    text = render(sample_report(tests=tests))
    bars = bars_by_test(parse(text))
    assert {bar["fill"] for bar in bars["t.py::test_xfail"]} == {COLOURS_SHOWN["xfail"]}
    assert {bar["fill"] for bar in bars["t.py::test_strict"]} == {COLOURS["fail"]}
    assert {bar["fill"] for bar in bars["t.py::test_fine"]} == {COLOURS["pass"]}
    assert '<tr class="verdict-xfail">' in text
    assert '<td class="verdict">xfail (over budget, as expected)</td>' in text
    assert '<td class="verdict">FAIL (XPASS(strict): pass)</td>' in text
    assert "3 performance tests: 1 pass, 1 fail, 1 xfail" in text
    assert ">xfail</text>" in text  # in the legend, as it is shown
