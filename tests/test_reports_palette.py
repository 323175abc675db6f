"""One palette: the report chart, the report page and the history page colour verdicts alike."""

from __future__ import annotations

import re

from reportdata import record, sample_report

from pytest_perfgate.history.chart import page
from pytest_perfgate.history.store import Result, Run
from pytest_perfgate.history.trends import trends_of
from pytest_perfgate.reports import html
from pytest_perfgate.reports.chart import render_svg
from pytest_perfgate.reports.palette import CSS_VARIABLES, VERDICT_COLOURS, colour_of

VERDICTS = ("pass", "fail", "warn", "not-measured")


def test_every_verdict_has_one_colour() -> None:
    assert set(VERDICT_COLOURS) == set(VERDICTS)
    assert len(set(VERDICT_COLOURS.values())) == len(VERDICTS)
    assert colour_of("something else") == VERDICT_COLOURS["not-measured"]


def test_report_chart_bars_use_the_palette() -> None:
    svg = render_svg([record(f"t.py::test_{verdict}", verdict, value=0.05) for verdict in VERDICTS[:3]])
    for verdict in VERDICTS[:3]:
        group = re.search(rf'<g class="test verdict-{verdict}".*?</g>', svg, re.DOTALL)
        assert group is not None
        assert set(re.findall(r'class="bar [a-z]+"[^>]*fill="(#[0-9a-f]{6})"', group.group(0))) == {
            VERDICT_COLOURS[verdict]
        }


def test_history_points_use_the_same_palette() -> None:
    runs = [
        Run(
            started_at=f"2024-05-01T{number:02d}:00:00+00:00",
            id=number + 1,
            results=(Result("t.py::test_x", verdict, stat="median", value_s=0.01 + number / 1000),),
        )
        for number, verdict in enumerate(VERDICTS)
    ]
    text = page(trends_of(runs), "store", "now")
    fills = re.findall(r'<circle class="point ([a-z-]+)"[^>]*fill="(#[0-9a-f]{6})"', text)
    assert sorted(fills) == sorted((verdict, VERDICT_COLOURS[verdict]) for verdict in VERDICTS)


def test_both_pages_style_text_from_the_palette() -> None:
    report_page = html.render(sample_report())
    history_page = page([], "store", "now")
    for text in (report_page, history_page):
        assert CSS_VARIABLES in text
        assert "var(--verdict-fail)" in text
    hex_codes = set(re.findall(r"#[0-9a-f]{6}", report_page + history_page))
    assert hex_codes & {"#ef6c00", "#9e9e9e"} == set()  # the history's own shades are gone
