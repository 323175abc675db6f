"""Make the documentation's screenshots: the terminal output and the HTML report of a demo project.

Runs a small demo project (the README's example, read from README.md, and a few more tests) with pytest and
``--perfgate-html``, turns the terminal output into a page (ANSI colours as HTML), and photographs
both pages with headless Chromium::

    python docs/screenshots.py [--out DIR]

writes ``terminal.png`` and ``report.png`` into DIR (default: ``docs/img`` beside this script).
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"

DEMO: dict[str, str] = {
    "pyproject.toml": """\
[tool.perfgate.targets]
search = "20ms"
""",
    "test_catalog.py": """\
import pytest
from pytest_perfgate import budget


def load_catalog(n):
    return [{"sku": i, "name": f"item {i}", "price": i * 0.25} for i in range(n)]


def search(catalog, word):
    return [item for item in catalog if word in item["name"]]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(20_000)


@pytest.mark.performance("search")
def test_search(perfgate, catalog):
    assert perfgate(search, catalog, "item 42")


@budget(time="500ms", memory="4MB")
def test_load_catalog(perfgate):
    perfgate(load_catalog, 50_000)


@pytest.mark.performance("ui_response")
def test_sort_prices(perfgate, catalog):
    perfgate(sorted, catalog, key=lambda item: item["price"])
""",
}

#: The command the terminal screenshot shows (run with colours, without pytest's cache).
COMMAND = "pytest --benchmark-quiet --perfgate-html=report.html"

#: Chromium flags for a headless run that reaches no network and keeps no state.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)

#: SGR colour codes pytest uses, as CSS colours on a dark background.
COLOURS = {
    "30": "#5c6370",
    "31": "#e06c75",
    "32": "#98c379",
    "33": "#e5c07b",
    "34": "#61afef",
    "35": "#c678dd",
    "36": "#56b6c2",
    "37": "#dcdfe4",
}

ANSI = re.compile(r"\x1b\[([0-9;]*)m")


def ansi_to_html(text: str) -> str:
    """Terminal text with ANSI SGR codes (colour, bold, reset) as HTML spans; other codes dropped."""
    out: list[str] = []
    colour: str | None = None
    bold = False
    position = 0
    open_span = False
    for match in ANSI.finditer(text):
        out.append(html.escape(text[position : match.start()]))
        position = match.end()
        for code in match.group(1).split(";") or ["0"]:
            if code in ("", "0"):
                colour, bold = None, False
            elif code == "1":
                bold = True
            elif code == "22":
                bold = False
            elif code == "39":
                colour = None
            elif code in COLOURS:
                colour = COLOURS[code]
            elif code.startswith("9") and len(code) == 2 and f"3{code[1]}" in COLOURS:
                colour = COLOURS[f"3{code[1]}"]
        if open_span:
            out.append("</span>")
            open_span = False
        style = (f"color:{colour};" if colour else "") + ("font-weight:bold;" if bold else "")
        if style:
            out.append(f'<span style="{style}">')
            open_span = True
    out.append(html.escape(text[position:]))
    if open_span:
        out.append("</span>")
    return "".join(out)


def terminal_page(output: str, columns: int) -> str:
    """A page that shows terminal output as a dark terminal window ``columns`` characters wide."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>pytest</title><style>
body {{ margin: 0; background: #282c34; }}
pre {{ margin: 0; padding: 14px 16px; color: #dcdfe4; font: 13px/18px "DejaVu Sans Mono", monospace;
       white-space: pre-wrap; word-break: break-all; width: {columns + 1}ch; }}
.prompt {{ color: #98c379; }}
</style></head><body><pre><span class="prompt">$</span> {html.escape(COMMAND)}
{ansi_to_html(output)}</pre></body></html>
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("screenshots: headless Chromium is not installed (Debian: apt-get install chromium)")


def screenshot(page: Path, png: Path, width: int, height: int) -> None:
    """Photograph a local page in headless Chromium, ``width`` x ``height`` pixels."""
    with tempfile.TemporaryDirectory(prefix="perfgate-chromium-") as profile:
        completed = subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if completed.returncode != 0 or not png.is_file():
        sys.exit(f"screenshots: Chromium could not photograph {page}:\n{completed.stderr}")


def readme_example() -> tuple[str, str]:
    """The README's Python example: its file name (its first line is ``# test_NAME.py``) and its text."""
    match = re.search(r"^```python\n# (test_\w+\.py)\n(.*?)^```", README.read_text("utf-8"), re.M | re.S)
    if match is None:
        sys.exit(f"screenshots: no Python example naming its test file in {README}")
    return match[1], f"# {match[1]}\n{match[2]}"


def run_demo(project: Path, columns: int) -> str:
    """Run the demo project with pytest; its terminal output (with colours) from the session header on."""
    example_name, example = readme_example()
    for name, text in {**DEMO, example_name: example}.items():
        (project / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "COLUMNS": str(columns), "CI": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--color=yes", *COMMAND.split()[1:]],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode not in (0, 1) or not (project / "report.html").is_file():
        sys.exit(f"screenshots: the demo run failed ({completed.returncode}):\n{completed.stdout}")
    return completed.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "img", help="folder for the PNG files")
    arguments = parser.parse_args(argv)
    out: Path = arguments.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    columns = 120
    with tempfile.TemporaryDirectory(prefix="perfgate-demo-") as folder:
        project = Path(folder) / "demo"
        project.mkdir()
        output = run_demo(project, columns)
        terminal = project / "terminal.html"
        terminal.write_text(terminal_page(output, columns), encoding="utf-8")
        lines = 1 + sum(1 + len(line) // (columns + 1) for line in ANSI.sub("", output).splitlines())
        screenshot(terminal, out / "terminal.png", width=1040, height=28 + 18 * lines)
        screenshot(project / "report.html", out / "report.png", width=1100, height=900)
    for name in ("terminal.png", "report.png"):
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
