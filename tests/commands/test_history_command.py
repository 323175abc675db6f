"""``perfgate history``: trends as text, and the HTML page of trend charts checked in headless Chromium."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import headless
import pytest
from headless import render_page

from pytest_perfgate.cli import main
from pytest_perfgate.history.analysis import Judgement
from pytest_perfgate.history.levels import judge_series, time_series
from pytest_perfgate.history.store import Machine, Result, Run, open_store

STEP_COMMIT = "c0ffee" + "0" * 34


def fill(location: str | Path, runs: int = 40) -> None:
    """Three tests: one that steps up 25% at run 30, one flat, one measured for memory only."""
    rng = random.Random(4)
    with open_store(location) as store:
        for number in range(runs):
            big = 0.012 * (1.25 if number >= 30 else 1) * (1 + rng.uniform(-0.02, 0.02))
            small = 0.001 * (1 + rng.uniform(-0.02, 0.02))
            results = (
                Result("tests/test_parse.py::test_big", "fail" if number == 35 else "pass", stat="median",
                       value_s=big, budget_s=0.02, peak_bytes=2048, memory_budget_bytes=524288000),
                Result("tests/test_parse.py::test_small", "pass", stat="median", value_s=small,
                       budget_s=0.002),
                Result("tests/test_io.py::test_write[a-b]", "pass", peak_bytes=10_000_000 + number,
                       memory_budget_bytes=524288000),
            )  # fmt: skip
            store.append_run(
                Run(
                    started_at=f"2024-05-{1 + number // 24:02d}T{number % 24:02d}:00:00+00:00",
                    commit=STEP_COMMIT if number == 30 else f"{number:040x}",
                    branch="main",
                    dirty=False,
                    machine=Machine("ci", "CPU", 2, "Linux", "CPython"),
                    results=results,
                )
            )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / ".perfgate" / "history.sqlite"
    fill(path)
    return path


def lines_of(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def row(lines: list[str], nodeid: str) -> str:
    return next(line for line in lines if line.startswith(nodeid + " "))


def test_trends_sparklines_and_steps(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--db", str(store)]) == 0
    lines = lines_of(capsys)
    assert lines[0] == (
        f"perfgate history: {store}: 3 tests, 30 runs (2024-05-01 10:00 .. 2024-05-02 15:00 UTC)"
    )
    assert lines[2].split() == [
        "test", "figure", "trend", "(last", "30)", "latest", "median", "before", "ratio", "trend", "budget",
    ]  # fmt: skip
    big = row(lines, "tests/test_parse.py::test_big").split()
    sparks = big[3]
    assert len(sparks) == 30 and set(sparks[:20]) <= set("▁▂▃") and set(sparks[20:]) <= set("▆▇█")
    assert big[5] == "ms" and 14.5 <= float(big[4]) <= 15.5  # latest: 12 ms x 1.25, 2% noise
    assert big[7] == "ms" and 11.5 <= float(big[6]) <= 12.5  # the median of the runs before
    assert 1.15 <= float(big[8].rstrip("x")) <= 1.35
    assert big[9:] == ["degrading", "20", "ms"]
    step_line = lines[lines.index(row(lines, "tests/test_parse.py::test_big")) + 1]
    assert step_line.startswith("  step up 1.2")
    assert step_line.endswith(f"since 2024-05-02 06:00 UTC, commit {STEP_COMMIT[:10]} (main)")
    small = row(lines, "tests/test_parse.py::test_small").split()
    assert "stable" in small and small[-2:] == ["2", "ms"]
    memory = row(lines, "tests/test_io.py::test_write[a-b]")
    assert memory.split()[1:3] == ["memory", "peak"] and memory.endswith("stable     500 MiB")


def test_pattern_and_last(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--db", str(store), "--test", "test_parse.py::*", "--last", "5"]) == 0
    lines = lines_of(capsys)
    assert lines[0].startswith(f"perfgate history: {store}: 2 tests, 5 runs")
    assert len(row(lines, "tests/test_parse.py::test_big").split()[3]) == 5
    assert not any(line.startswith("tests/test_io.py") for line in lines)
    assert main(["history", "--db", str(store), "--test", "test_write[a-b]"]) == 0
    assert "1 tests, 30 runs" in lines_of(capsys)[0]


def test_default_store_is_under_the_current_directory(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(store.parent.parent)
    assert main(["history"]) == 0
    assert lines_of(capsys)[0].startswith(f"perfgate history: {store}: 3 tests")


def test_ascii_when_the_terminal_cannot_show_blocks(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Ascii:
        encoding = "ascii"

    monkeypatch.setattr(sys, "stdout", Ascii())
    from pytest_perfgate.commands.history import _sparks

    assert _sparks([1.0, None, 8.0]) == " ?#"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--db", "{tmp}/none.sqlite"],
         "no history store at {tmp}/none.sqlite: run pytest with --perfgate-history first"),
        (["--db", "mysql://db/x"], "history store mysql://db/x: unsupported URL"),
        (["--db", "{store}", "--test", "nothing_like_it"], "no test matching 'nothing_like_it' in {store}"),
        (["--db", "{tmp}/broken.sqlite"],
         "history store {tmp}/broken.sqlite: cannot read: file is not a database"),
        (["--db", "{store}", "--html", "{store}/page.html"], "cannot write {store}/page.html"),
        (["--db", "{store}", "--accept", "--html", "x.html"], "--accept writes to the store and prints no"),
        (["--db", "{store}", "--accept", "--test", "nothing_like_it"],
         "no test matching 'nothing_like_it' in {store}: nothing to accept"),
    ],
)  # fmt: skip
def test_bad_input(
    arguments: list[str], message: str, store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.sqlite").write_text("garbage " * 100)
    filled = [argument.format(tmp=tmp_path, store=store) for argument in arguments]
    assert main(["history", *filled]) == 2
    error = capsys.readouterr().err
    assert error.startswith("perfgate history: error: " + message.format(tmp=tmp_path, store=store))
    assert "Traceback" not in error


def judged(store: Path, nodeid: str, latest: float) -> Judgement:
    """The history check on a next run of the test measuring ``latest``."""
    with open_store(store, readonly=True) as reader:
        series = time_series(nodeid, reader.runs(nodeid, 200, exact=True), "median")
        return judge_series(series, reader.accepted(nodeid), 0.10, latest)


def test_accept_takes_each_tests_latest_level_as_its_new_normal(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "tests/test_parse.py::test_big"
    step = judged(store, big, 0.015).regression
    assert step is not None and step.index == 30 and step.runs_after == 11
    assert main(["history", "--db", str(store), "--accept", "--test", "test_parse.py::*"]) == 0
    lines = lines_of(capsys)
    assert lines[:2] == [
        f"perfgate history: accepted the level of 2 tests as of their latest run in {store}",
        "steps up accepted as the new normal:",
    ]
    expected = rf"  {re.escape(big)}: time median 1[12]\.?\d* ms -> 1[45]\.?\d* ms \(1\.2\dx\) since "
    assert re.fullmatch(expected + f"2024-05-02 06:00 UTC, commit {STEP_COMMIT[:10]} \\(main\\)", lines[2])
    assert len(lines) == 3
    after = judged(store, big, 0.015)
    assert after.regression is None and after.accepted
    with open_store(store, readonly=True) as reader:
        assert reader.accepted(big) == [40] and reader.accepted("tests/test_io.py::test_write[a-b]") == []
    assert main(["history", "--db", str(store), "--accept"]) == 0
    assert lines_of(capsys)[1:] == [
        "none of them is at a step up now; a step up found later is judged as before"
    ]


def test_last_must_be_positive(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["history", "--db", str(store), "--last", "0"])
    assert exit_info.value.code == 2
    assert "'0' must be at least 1" in capsys.readouterr().err


def test_newer_schema(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(store) as writable, writable._transaction() as cursor:
        cursor.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    assert main(["history", "--db", str(store)]) == 2
    assert f"history store {store} has schema version 7, newer than" in capsys.readouterr().err


def test_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    open_store(tmp_path / "h.sqlite").close()
    assert main(["history", "--db", str(tmp_path / "h.sqlite")]) == 0
    assert capsys.readouterr().out == f"perfgate history: {tmp_path / 'h.sqlite'} holds no runs yet\n"


def test_on_postgresql(postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill(postgres_url, runs=35)
    assert main(["history", "--db", postgres_url, "--test", "test_big"]) == 0
    lines = lines_of(capsys)
    assert lines[0].startswith(f"perfgate history: {postgres_url}: 1 tests, 30 runs")
    assert "degrading" in row(lines, "tests/test_parse.py::test_big")


def test_console_script_exit_status(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_perfgate.cli", "history", "--db", str(tmp_path / "none.sqlite")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("perfgate history: error: no history store at")


# -- the HTML page --------------------------------------------------------------------------------


class Charts(HTMLParser):
    """Counts the trend charts and their parts in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[str] = []
        self.points: dict[str, int] = {}
        self.budgets = 0
        self.steps = 0
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "svg" and "trend-chart" in classes:
            self.charts.append(attributes.get("data-test") or "")
        elif tag == "circle" and "point" in classes:
            self.points[classes[1]] = self.points.get(classes[1], 0) + 1
        elif tag == "line" and "budget" in classes:
            self.budgets += 1
        elif tag == "line" and "step" in classes:
            self.steps += 1
        for name in ("src", "href"):
            if attributes.get(name):
                self.external.append(str(attributes[name]))


def read_charts(text: str) -> Charts:
    parser = Charts()
    parser.feed(text)
    return parser


def test_html_page_has_a_chart_per_test(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report" / "history.html"
    assert main(["history", "--db", str(store), "--html", str(out)]) == 0
    assert lines_of(capsys)[-1] == f"perfgate history: wrote {out}"
    charts = read_charts(out.read_text(encoding="utf-8"))
    assert sorted(charts.charts) == [
        "tests/test_io.py::test_write[a-b]",
        "tests/test_parse.py::test_big",
        "tests/test_parse.py::test_small",
    ]
    assert charts.points == {"pass": 89, "fail": 1}
    assert charts.budgets == 2  # the memory budget of test_write is far off its chart: named, not drawn
    assert charts.steps == 1
    assert charts.external == []  # self-contained


def test_html_page_in_headless_chromium(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "history.html"
    assert main(["history", "--db", str(store), "--html", str(out)]) == 0
    charts = read_charts(render_page(out, tmp_path / "profile"))
    assert len(charts.charts) == 3 and charts.steps == 1
    assert sum(charts.points.values()) == 90
    shot = tmp_path / "shot.png"
    render_page(out, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,900")
    width, height, pixels = headless.pixels(shot)
    assert (width, height) == (1200, 900)
    white = (255, 255, 255)
    drawn = sum(pixel != white for pixel in pixels)
    assert drawn > 0.02 * len(pixels), "the screenshot is blank"
    blue = sum(pixel[2] > 150 and pixel[0] < 60 for pixel in pixels)  # the series lines
    assert blue > 300
