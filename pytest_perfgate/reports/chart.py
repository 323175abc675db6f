"""An inline SVG bar chart of measured / budget per test (time and memory), budget line at 1.0: a
``<g class="test">`` per test, bars coloured by verdict with a hover title, clipped bars marked ``»``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from ..quantities import format_memory, format_time
from ..record import Record
from .palette import VERDICT_COLOURS, colour_of
from .terminal import ordered, verdict_text

LABEL_WIDTH = 330
PLOT_WIDTH = 500
RIGHT = 80
ROW_HEIGHT = 32
BAR_HEIGHT = 11
TOP = 46
BOTTOM = 34
#: The axis never extends beyond this ratio, so one 100x test does not flatten every other bar.
AXIS_CAP = 5.0
LABEL_CHARS = 46


def axis_end(ratios: Sequence[float]) -> float:
    """The ratio at the right end of the axis: past the largest bar and 1.0, capped, on a round step."""
    largest = max([1.0, *ratios])
    end = min(max(largest * 1.1, 1.25), AXIS_CAP)
    step = tick_step(end)
    return math.ceil(end / step - 1e-9) * step


def tick_step(end: float) -> float:
    return 0.25 if end <= 1.5 else 0.5 if end <= 3 else 1.0


def ratio_text(ratio: float) -> str:
    return "<0.01x" if 0 < ratio < 0.005 else f"{ratio:.2f}x"


def short_label(nodeid: str) -> str:
    """The node id, shortened from the left (the test name is the informative end)."""
    return nodeid if len(nodeid) <= LABEL_CHARS else "…" + nodeid[-(LABEL_CHARS - 1) :]


def time_title(record: Record) -> str:
    time = record.time
    assert time is not None and time.budget_s is not None and time.ratio is not None
    text = (
        f"{record.nodeid}\ntime {time.stat} {format_time(time.value_s)} / budget "
        f"{format_time(time.budget_s)} = {time.ratio:.2f}x ({time.rounds} rounds)"
    )
    return f"{text}\nverdict: {verdict_text(record)}"


def memory_title(record: Record) -> str:
    memory = record.memory
    assert memory is not None and memory.peak_bytes is not None and memory.ratio is not None
    assert memory.budget_bytes is not None
    text = (
        f"{record.nodeid}\nmemory peak {format_memory(memory.peak_bytes)} / budget "
        f"{format_memory(memory.budget_bytes)} = {memory.ratio:.2f}x ({memory.backend})"
    )
    return f"{text}\nverdict: {verdict_text(record)}"


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
    width = LABEL_WIDTH + PLOT_WIDTH + RIGHT
    height = TOP + ROW_HEIGHT * max(len(rows), 1) + BOTTOM
    plot_bottom = TOP + ROW_HEIGHT * max(len(rows), 1)

    def x(ratio: float) -> float:
        return LABEL_WIDTH + min(max(ratio, 0.0), end) / end * PLOT_WIDTH

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="measured / budget per test">',
        "<title>measured / budget per performance test (1.0 = the budget)</title>",
        f'<rect class="background" x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    parts += _legend()
    step = tick_step(end)
    ticks = [i * step for i in range(round(end / step) + 1)]
    for tick in ticks:
        parts.append(
            f'<line class="grid" x1="{x(tick):.1f}" y1="{TOP - 6}" x2="{x(tick):.1f}" y2="{plot_bottom}" '
            'stroke="#e3e3e3" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="tick" x="{x(tick):.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
            f'font-size="11" fill="#555">{tick:g}x</text>'
        )
    for index, record in enumerate(rows):
        parts += _row(record, TOP + index * ROW_HEIGHT, x, end)
    if not rows:
        parts.append(
            f'<text x="{LABEL_WIDTH}" y="{TOP + 20}" font-size="13" fill="#555">no performance tests</text>'
        )
    budget_x = x(1.0)
    parts.append(
        f'<line class="budget-line" x1="{budget_x:.1f}" y1="{TOP - 10}" x2="{budget_x:.1f}" '
        f'y2="{plot_bottom}" stroke="#222" stroke-width="2" stroke-dasharray="6 3">'
        "<title>budget (measured / budget = 1.0)</title></line>"
    )
    parts.append(
        f'<text x="{budget_x:.1f}" y="{TOP - 14}" text-anchor="middle" font-size="11" '
        'fill="#222">budget 1.0</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _legend() -> list[str]:
    items = [
        f'<rect x="10" y="10" width="14" height="{BAR_HEIGHT}" fill="#555"/>',
        '<text x="30" y="20" font-size="12" fill="#333">time</text>',
        f'<rect x="75" y="10" width="14" height="{BAR_HEIGHT}" fill="#555" fill-opacity="0.45" '
        'stroke="#555"/>',
        '<text x="95" y="20" font-size="12" fill="#333">memory</text>',
    ]
    left = 165
    for verdict, colour in VERDICT_COLOURS.items():
        items.append(f'<rect x="{left}" y="10" width="11" height="11" fill="{colour}"/>')
        items.append(f'<text x="{left + 15}" y="20" font-size="12" fill="#333">{verdict}</text>')
        left += 22 + 7 * len(verdict)
    return items


def _row(record: Record, top: float, x: Callable[[float], float], end: float) -> list[str]:
    colour = colour_of(record.verdict)
    nodeid = escape(record.nodeid)
    parts = [
        f'<g class="test verdict-{escape(record.verdict)}" data-nodeid="{nodeid}">',
        f'<text class="label" x="{LABEL_WIDTH - 8}" y="{top + ROW_HEIGHT / 2 + 4:.1f}" text-anchor="end" '
        f'font-size="12" font-family="monospace" fill="#222"><title>{nodeid}</title>'
        f"{escape(short_label(record.nodeid))}</text>",
    ]
    bars = _bars(record)
    if not bars:
        reason = record.reason or "nothing measured"
        parts.append(
            f'<text class="unmeasured" x="{LABEL_WIDTH + 6}" y="{top + ROW_HEIGHT / 2 + 4:.1f}" '
            f'font-size="12" fill="{colour}"><title>{nodeid}\n{escape(verdict_text(record))}</title>'
            f"{escape(record.verdict)}: {escape(reason[:70])}</text>"
        )
    for slot, (kind, ratio, title) in enumerate(bars):
        y = top + 4 + slot * (BAR_HEIGHT + 3)
        right = x(ratio)
        width = max(right - LABEL_WIDTH, 2.0)
        style = f'fill="{colour}"' + (
            f' fill-opacity="0.45" stroke="{colour}" stroke-width="1"' if kind == "memory" else ""
        )
        clipped = ratio > end
        parts.append(
            f'<rect class="bar {kind}" data-ratio="{ratio:.4g}" x="{LABEL_WIDTH}" y="{y:.1f}" '
            f'width="{width:.1f}" height="{BAR_HEIGHT}" {style}><title>{escape(title)}</title></rect>'
        )
        parts.append(
            f'<text class="value" x="{LABEL_WIDTH + width + 4:.1f}" y="{y + BAR_HEIGHT - 1:.1f}" '
            f'font-size="11" fill="#333">{"» " if clipped else ""}{escape(ratio_text(ratio))}</text>'
        )
    parts.append("</g>")
    return parts
