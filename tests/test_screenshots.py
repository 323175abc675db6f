"""docs/screenshots.py makes the README's two pictures from a real run of its demo project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from doccheck import DOCS
from headless import chromium, colour_counts, pixels


def test_the_script_photographs_the_terminal_and_the_html_report(tmp_path: Path) -> None:
    chromium()  # skips, saying why, without a headless browser
    completed = subprocess.run(
        [sys.executable, str(DOCS / "screenshots.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.splitlines() == [
        f"wrote {tmp_path / 'terminal.png'}",
        f"wrote {tmp_path / 'report.png'}",
    ]

    width, height, terminal = pixels(tmp_path / "terminal.png")
    assert (width, height > 400) == (1040, True)
    background = (40, 44, 52)  # the page's dark terminal background
    assert sum(pixel != background for pixel in terminal) > 0.02 * len(terminal), "the terminal is empty"
    reds = sum(n for (r, g, b), n in colour_counts(tmp_path / "terminal.png").items() if r > 180 and g < 140)
    assert reds > 100, "pytest's red FAILED lines are drawn"

    width, height, report = pixels(tmp_path / "report.png")
    assert (width, height) == (1100, 900)
    assert sum(pixel != (255, 255, 255) for pixel in report) > 0.05 * len(report), "the report is blank"
