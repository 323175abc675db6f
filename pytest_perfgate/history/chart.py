"""``perfgate history --html``: one self-contained page with an inline SVG trend chart per test
(the figure per run, the budget, a point per run coloured by verdict, a mark per step)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from ..reports.palette import CSS_VARIABLES, VERDICT_COLOURS, colour_of
from .trends import Trend, step_text

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 78, 24, 18, 42
#: A budget further than this factor from the figures is named, not drawn (it would flatten them).
BUDGET_REACH = 3.0
#: The value axis spans at least this fraction of the largest value.
MIN_SPAN = 0.10

STYLE = (
    CSS_VARIABLES
    + """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 0 0 4px; font-family: ui-monospace, monospace; word-break: break-all; }
.meta, .facts { color: #57606a; margin: 0 0 8px; }
section.test { border: 1px solid #d0d7de; border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
.legend span { margin-right: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; }
.degrading { color: var(--verdict-fail); font-weight: 600; }
.improving { color: var(--verdict-pass); font-weight: 600; }
ul.steps { margin: 4px 0 0; padding-left: 20px; color: #57606a; }
svg.trend-chart { display: block; max-width: 100%; height: auto; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .series { fill: none; stroke: #0969da; stroke-width: 2; }
svg .budget { stroke: var(--verdict-fail); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .step { stroke: #8250df; stroke-width: 1.5; stroke-dasharray: 2 3; }
svg text { font: 11px system-ui, sans-serif; fill: #57606a; }
svg text.budget-label { fill: var(--verdict-fail); }
"""
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _range(values: Sequence[float], budget: float | None) -> tuple[float, float, bool]:
    low, high = min(values), max(values)
    shown = budget is not None and low / BUDGET_REACH <= budget <= high * BUDGET_REACH
    if shown:
        assert budget is not None
        low, high = min(low, budget), max(high, budget)
    span = MIN_SPAN * high or 1.0
    if high - low < span:  # tiny wobbles of a flat series stay flat
        middle = (high + low) / 2
        low, high = middle - span / 2, middle + span / 2
    pad = (high - low) * 0.08
    return max(0.0, low - pad), high + pad, shown


def _budget_parts(trend: Trend, y: Callable[[float], float], shown: bool) -> list[str]:
    """The budget as a dashed line, or named at the top where it is off the chart."""
    parts: list[str] = []
    if trend.budget is not None and shown:
        level = y(trend.budget)
        parts.append(
            f'<line class="budget" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level:.1f}" y2="{level:.1f}">'
            f"<title>budget {_e(trend.show(trend.budget))}</title></line>"
            f'<text class="budget-label" x="{WIDTH - RIGHT - 4}" y="{level - 5:.1f}" text-anchor="end">'
            f"budget {_e(trend.show(trend.budget))}</text>"
        )
    elif trend.budget is not None:
        parts.append(
            f'<text class="budget-label" x="{WIDTH - RIGHT - 4}" y="{TOP + 10}" text-anchor="end">'
            f"budget {_e(trend.show(trend.budget))} (off the chart)</text>"
        )
    return parts


def _series_parts(trend: Trend, x: Callable[[int], float], y: Callable[[float], float]) -> list[str]:
    """The figure per run as a line (broken where a run has none) and a point per run by verdict."""
    parts: list[str] = []
    segment: list[str] = []
    for index, point in enumerate([*trend.values, None]):
        if point is None:
            if len(segment) > 1:
                parts.append(f'<polyline class="series" points="{" ".join(segment)}"/>')
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(point):.1f}")
    for index, run, result, figure in trend.points:
        verdict = result.verdict
        colour = colour_of(verdict)
        title = f"run {run.id}: {run.label()}: {trend.show(figure)}, {verdict}"
        parts.append(
            f'<circle class="point {_e(verdict)}" cx="{x(index):.1f}" cy="{y(figure):.1f}" r="4" '
            f'fill="{colour}"><title>{_e(title)}</title></circle>'
        )
    return parts


def chart_svg(trend: Trend) -> str:
    """The SVG trend chart of one test."""
    present = [value for value in trend.values if value is not None]
    label = f"{trend.nodeid}: {trend.label} over {len(trend.runs)} runs"
    parts = [
        f'<svg class="trend-chart" data-test="{_e(trend.nodeid)}" data-points="{len(present)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{_e(label)}">',
        f"<title>{_e(label)}</title>",
    ]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if not present:
        parts.append(f'<text x="{LEFT}" y="{TOP + plot_h / 2}">no figures recorded</text></svg>')
        return "".join(parts)
    low, high, budget_shown = _range(present, trend.budget)
    count = len(trend.runs)

    def x(index: int) -> float:
        return LEFT + (plot_w / 2 if count == 1 else index * plot_w / (count - 1))

    def y(value: float) -> float:
        return TOP + plot_h - (value - low) / (high - low) * plot_h

    for fraction in (0.0, 0.5, 1.0):
        value = low + (high - low) * fraction
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{_e(trend.show(value))}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}"/>'
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
    )
    first, last = trend.runs[0], trend.runs[-1]
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 14}">{_e(first.started_at[:16].replace("T", " "))}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 14}" text-anchor="end">'
        f"{_e(last.started_at[:16].replace('T', ' '))} UTC</text>"
    )
    parts += _budget_parts(trend, y, budget_shown)
    for step, run in trend.steps:
        index = trend.runs.index(run)
        parts.append(
            f'<line class="step" x1="{x(index):.1f}" x2="{x(index):.1f}" y1="{TOP}" y2="{TOP + plot_h}">'
            f"<title>{_e(step_text(trend, step, run))}</title></line>"
        )
    parts += _series_parts(trend, x, y)
    parts.append("</svg>")
    return "".join(parts)


def _facts(trend: Trend) -> str:
    show = trend.show
    facts = [f"{_e(trend.label)}"]
    if trend.latest is not None:
        facts.append(f"latest {_e(show(trend.latest))}")
    if trend.before is not None and trend.ratio is not None:
        facts.append(
            f"median before {_e(show(trend.before))} ({trend.ratio:.2f}x, "
            f'<span class="{_e(trend.direction)}">{_e(trend.direction)}</span>)'
        )
    facts.append("budget " + ("-" if trend.budget is None else _e(show(trend.budget))))
    facts.append(f"{len(trend.runs)} runs")
    return " · ".join(facts)


def page(trends: Sequence[Trend], store: str, generated_at: str) -> str:
    """The whole HTML page."""
    legend = "".join(
        f'<span><i style="background:{colour}"></i>{_e(verdict)}</span>'
        for verdict, colour in VERDICT_COLOURS.items()
    )
    sections = []
    for number, trend in enumerate(trends):
        steps = "".join(f"<li>{_e(step_text(trend, step, run))}</li>" for step, run in trend.steps)
        sections.append(
            f'<section class="test" id="test-{number}"><h2>{_e(trend.nodeid)}</h2>'
            f'<p class="facts">{_facts(trend)}</p>{chart_svg(trend)}'
            + (f'<ul class="steps">{steps}</ul>' if steps else "")
            + "</section>"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>perfgate history</title><style>{STYLE}</style></head><body>"
        f"<h1>perfgate history</h1>"
        f'<p class="meta">{_e(store)} · {len(trends)} tests · generated {_e(generated_at)}</p>'
        f'<p class="legend">{legend}<span>budget: dashed red line</span>'
        f"<span>step: dotted purple line</span></p>" + "".join(sections) + "</body></html>\n"
    )
