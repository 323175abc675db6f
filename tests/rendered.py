"""Report files as their readers see them: the Markdown through GitHub's own renderer (cmark-gfm with
its tables extension), the HTML page's summary table read by an HTML parser."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest


def markdown_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The header cells and the body rows' cells of the one table GitHub renders from ``text``."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    html = cmarkgfm.github_flavored_markdown_to_html(text)
    assert html.count("<table>") == 1, html
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    headers = re.findall(r"<th[^>]*>(.*?)</th>", head, re.DOTALL)
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]
    return headers, rows


def code_text(cell: str) -> str:
    """The text of a ``<code>`` cell."""
    match = re.fullmatch(r"<code>(.*)</code>", cell, re.DOTALL)
    assert match, cell
    return unescape(match[1])


class _SummaryTable(HTMLParser):
    """The node id cells (``td.nodeid``) of the HTML page's summary table, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.nodeids: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td" and ("class", "nodeid") in attrs:
            self._inside = True
            self.nodeids.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.nodeids[-1] += data


def html_nodeids(text: str) -> list[str]:
    """The node ids of the HTML page's summary table, one per row, in its order."""
    parser = _SummaryTable()
    parser.feed(text)
    return parser.nodeids
