"""An inline SVG chart of measured / budget per test on a log scale with the budget line at 1x: a
``<g class="test">`` per test (its node id above its bars), bars coloured as the test is shown."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from ..quantities import format_memory, format_time
from ..record import Record
from .outcome import shown, shown_text
from .palette import OUTCOME_COLOURS, VERDICT_COLOURS, colour_of
from .terminal import ordered

WIDTH = 900
PLOT_LEFT = 22
PLOT_WIDTH = 762
LABEL_HEIGHT = 17
BAR_HEIGHT = 11
ROW_HEIGHT = LABEL_HEIGHT + 2 * BAR_HEIGHT + 16
TOP = 58
BOTTOM = 34
#: The left end of the axis: a bar that short or shorter reads "<0.01x".
AXIS_LOW = 0.01
#: Right ends the axis may take (the first past every bar); a ratio beyond the last is clipped.
AXIS_ENDS = (3.0, 10.0, 30.0, 100.0)
#: Tick values, drawn up to the axis's end.
TICKS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
#: A node id longer than this many characters (12px monospace over the chart's width) is shortened
#: in its middle; its full text is the label's hover title.
LABEL_CHARS = 120


def axis_end(ratios: Sequence[float]) -> float:
    """The ratio at the right end of the axis: the first of :data:`AXIS_ENDS` past every bar."""
    largest = max([1.0, *ratios])
    return next((end for end in AXIS_ENDS if largest * 1.05 <= end), AXIS_ENDS[-1])


def position(ratio: float, end: float) -> float:
    """The x coordinate of a ratio on the log axis (clamped to the axis)."""
    low, high = math.log10(AXIS_LOW), math.log10(end)
    value = math.log10(min(max(ratio, AXIS_LOW), end))
    return PLOT_LEFT + (value - low) / (high - low) * PLOT_WIDTH


def ratio_text(ratio: float) -> str:
    return f"<{AXIS_LOW:g}x" if ratio < AXIS_LOW else f"{ratio:.2f}x"


def short_label(nodeid: str) -> str:
    """The node id, shortened in its middle when it is long (its file and its test name stay)."""
    if len(nodeid) <= LABEL_CHARS:
        return nodeid
    head = (LABEL_CHARS - 1) * 2 // 5
    return nodeid[:head] + "…" + nodeid[-(LABEL_CHARS - 1 - head) :]


def time_title(record: Record) -> str:
    time = record.time
    assert time is not None and time.budget_s is not None and time.ratio is not None
    text = (
        f"{record.nodeid}\ntime {time.stat} {format_time(time.value_s)} / budget "
        f"{format_time(time.budget_s)} = {time.ratio:.2f}x ({time.rounds} rounds)"
    )
    return f"{text}\nverdict: {shown_text(record)}"


def memory_title(record: Record) -> str:
    memory = record.memory
    assert memory is not None and memory.peak_bytes is not None and memory.ratio is not None
    assert memory.budget_bytes is not None
    text = (
        f"{record.nodeid}\nmemory peak {format_memory(memory.peak_bytes)} / budget "
        f"{format_memory(memory.budget_bytes)} = {memory.ratio:.2f}x ({memory.backend})"
    )
    return f"{text}\nverdict: {shown_text(record)}"


def _bars(record: Record) -> list[tuple[str, float, str]]:
    """(kind, ratio, title) of each measured figure that has a budget."""
    bars = []
    if record.time is not None and record.time.ratio is not None:
        bars.append(("time", record.time.ratio, time_title(record)))
    if record.memory is not None and record.memory.ratio is not None:
        bars.append(("memory", record.memory.ratio, memory_title(record)))
    return bars


def render_svg(records: Sequence[Record]) -> str:
    """The chart as an ``<svg>`` element (worst ratio first, like the terminal table)."""
    rows = ordered(records)
    end = axis_end([ratio for record in rows for _, ratio, _ in _bars(record)])
    plot_bottom = TOP + ROW_HEIGHT * max(len(rows), 1)
    height = plot_bottom + BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="measured / budget per test">',
        "<title>measured / budget per performance test (log scale; 1x = the budget)</title>",
        f'<rect class="background" x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        *_legend(rows),
        *_axis(end, plot_bottom),
    ]
    for index, record in enumerate(rows):
        parts += _row(record, TOP + index * ROW_HEIGHT, end)
    if not rows:
        parts.append(
            f'<text x="{PLOT_LEFT}" y="{TOP + 20}" font-size="13" fill="#555">no performance tests</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _axis(end: float, plot_bottom: float) -> list[str]:
    """The grid and tick labels of the log axis, and the budget line at 1x."""
    parts = []
    for tick in (tick for tick in TICKS if tick <= end):
        x = position(tick, end)
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{plot_bottom}" '
            'stroke="#e3e3e3" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
            f'font-size="11" fill="#555">{tick:g}x</text>'
        )
    budget_x = position(1.0, end)
    parts.append(
        f'<line class="budget-line" x1="{budget_x:.1f}" y1="{TOP - 10}" x2="{budget_x:.1f}" '
        f'y2="{plot_bottom}" stroke="#222" stroke-width="2" stroke-dasharray="6 3">'
        "<title>budget (measured / budget = 1x)</title></line>"
    )
    parts.append(
        f'<text x="{budget_x:.1f}" y="{TOP - 14}" text-anchor="middle" font-size="11" '
        'fill="#222">budget 1x</text>'
    )
    return parts


def _legend(rows: Sequence[Record]) -> list[str]:
    """Bar kinds, then the verdicts (and any of pytest's outcomes the rows show) in their colours."""
    items = [
        f'<rect x="10" y="10" width="14" height="{BAR_HEIGHT}" fill="#555"/>',
        '<text x="30" y="20" font-size="12" fill="#333">time</text>',
        f'<rect x="75" y="10" width="14" height="{BAR_HEIGHT}" fill="#555" fill-opacity="0.45" '
        'stroke="#555"/>',
        '<text x="95" y="20" font-size="12" fill="#333">memory</text>',
    ]
    present = {shown(record) for record in rows}
    names = [*VERDICT_COLOURS, *(name for name in OUTCOME_COLOURS if name in present)]
    left = 165
    for name in names:
        items.append(f'<rect x="{left}" y="10" width="11" height="11" fill="{colour_of(name)}"/>')
        items.append(f'<text x="{left + 15}" y="20" font-size="12" fill="#333">{name}</text>')
        left += 22 + 7 * len(name)
    items.append(
        f'<text x="{WIDTH - 10}" y="20" text-anchor="end" font-size="11" fill="#555">'
        "measured / budget, log scale</text>"
    )
    return items


def _row(record: Record, top: float, end: float) -> list[str]:
    verdict = shown(record)
    colour = colour_of(verdict)
    nodeid = escape(record.nodeid)
    parts = [
        f'<g class="test verdict-{escape(verdict)}" data-nodeid="{nodeid}">',
        f'<text class="label" x="{PLOT_LEFT}" y="{top + LABEL_HEIGHT - 5:.1f}" font-size="12" '
        f'font-family="monospace" fill="#222"><title>{nodeid}</title>'
        f"{escape(short_label(record.nodeid))}</text>",
    ]
    bars = _bars(record)
    if not bars:
        reason = record.reason or "nothing measured"
        parts.append(
            f'<text class="unmeasured" x="{PLOT_LEFT + 6}" y="{top + LABEL_HEIGHT + BAR_HEIGHT:.1f}" '
            f'font-size="12" fill="{colour}"><title>{nodeid}\n{escape(shown_text(record))}</title>'
            f"{escape(verdict)}: {escape(reason[:90])}</text>"
        )
    for slot, (kind, ratio, title) in enumerate(bars):
        parts += _bar(kind, ratio, title, top + LABEL_HEIGHT + slot * (BAR_HEIGHT + 3), colour, end)
    parts.append("</g>")
    return parts


def _bar(kind: str, ratio: float, title: str, y: float, colour: str, end: float) -> list[str]:
    """One bar from the axis's left end to the ratio, its value beside it (``»`` when clipped)."""
    width = max(position(ratio, end) - PLOT_LEFT, 2.0)
    style = f'fill="{colour}"' + (
        f' fill-opacity="0.45" stroke="{colour}" stroke-width="1"' if kind == "memory" else ""
    )
    clipped = "» " if ratio > end else ""
    return [
        f'<rect class="bar {kind}" data-ratio="{ratio:.4g}" x="{PLOT_LEFT}" y="{y:.1f}" '
        f'width="{width:.1f}" height="{BAR_HEIGHT}" {style}><title>{escape(title)}</title></rect>',
        f'<text class="value" x="{PLOT_LEFT + width + 4:.1f}" y="{y + BAR_HEIGHT - 1:.1f}" '
        f'font-size="11" fill="#333">{clipped}{escape(ratio_text(ratio))}</text>',
    ]
