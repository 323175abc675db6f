"""The ``perfgate`` command: show, compare and merge JSON reports; bad input is exit 2 with the path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sysconfig
from dataclasses import replace
from pathlib import Path

import pytest
from rendered import code_text, html_nodeids, markdown_table
from reportdata import record, sample_report

from pytest_perfgate import cli
from pytest_perfgate.reports import html, markdown
from pytest_perfgate.reports.jsonfile import write_report
from pytest_perfgate.reports.model import Report
from pytest_perfgate.reports.reader import read_report


def write(path: Path, report: Report) -> str:
    write_report(path, report)
    return str(path)


def report_of(*records: object, created: str = "2026-01-01T00:00:00+00:00") -> Report:
    return sample_report(tests=records, created=created)


# -- show ---------------------------------------------------------------------------------------


def test_show_prints_header_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "r.json", sample_report(warnings=("times are contended",)))
    assert cli.main(["show", path]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"perfgate report {path}"
    assert "machine: Test CPU, 2 cores, Python 3.11.0, commit 000000000000" in out
    assert "warning: times are contended" in out
    assert "4 performance tests: 1 pass, 1 fail, 1 warn, 1 not-measured" in out
    table = out[out.index("") + 1 :]
    assert table[0].split() == [
        "test",
        "target",
        "stat",
        "time",
        "cpu",
        "budget",
        "ratio",
        "memory",
        "budget",
        "verdict",
    ]
    assert table[1].startswith("tests/test_a.py::test_fail ")
    assert table[1].endswith("FAIL")


def test_show_says_a_report_is_incomplete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "r.json", sample_report(complete=False))
    assert cli.main(["show", path]) == 0
    assert "INCOMPLETE: the run stopped before its end" in capsys.readouterr().out


# -- compare ------------------------------------------------------------------------------------


def test_compare_flags_a_slower_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write(
        tmp_path / "old.json",
        report_of(
            record("t.py::test_same", value=0.010),
            record("t.py::test_slower", value=0.010),
            record("t.py::gone"),
        ),
    )
    new = write(
        tmp_path / "new.json",
        report_of(
            record("t.py::test_same", value=0.0105),
            record("t.py::test_slower", value=0.013),
            record("t.py::fresh"),
        ),
    )
    assert cli.main(["compare", old, new]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    slower = next(line for line in lines if line.startswith("t.py::test_slower"))
    assert slower.split()[1:] == ["median", "10", "ms", "13", "ms", "1.30x", "SLOWER"]
    assert next(line for line in lines if line.startswith("t.py::test_same")).split()[-2:] == [
        "1.05x",
        "same",
    ]
    assert next(line for line in lines if line.startswith("t.py::fresh")).endswith("new")
    assert next(line for line in lines if line.startswith("t.py::gone")).endswith("removed")
    assert lines[-1] == "1 slower, 1 same, 1 new, 1 removed"


def test_compare_within_the_allowed_regression_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path / "old.json", report_of(record("t.py::test_x", value=0.010)))
    new = write(tmp_path / "new.json", report_of(record("t.py::test_x", value=0.013)))
    assert cli.main(["compare", old, new, "--max-regression", "50%"]) == 0
    assert cli.main(["compare", old, new, "--max-regression", "0.2"]) == 1
    assert cli.main(["compare", new, old]) == 0
    assert "faster" in capsys.readouterr().out


def test_compare_on_another_statistic_uses_the_raw_rounds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path / "old.json", report_of(record("t.py::test_x", value=0.010)))
    new = write(tmp_path / "new.json", report_of(record("t.py::test_x", value=0.020)))
    assert cli.main(["compare", old, new, "--stat", "p90"]) == 1
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("t.py::test_x"))
    assert line.split()[1] == "p90"
    assert "2.00x" in line


def test_compare_unmeasured_tests_are_not_comparable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path / "old.json", report_of(record("t.py::test_x", "not-measured", value=None)))
    new = write(tmp_path / "new.json", report_of(record("t.py::test_x")))
    assert cli.main(["compare", old, new]) == 0
    assert "not comparable" in capsys.readouterr().out


def test_compare_bad_regression_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "r.json", sample_report())
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["compare", path, path, "--max-regression", "lots"])
    assert exit_info.value.code == 2
    assert "'lots' is not a fraction such as 10% or 0.1" in capsys.readouterr().err


# -- merge --------------------------------------------------------------------------------------


def test_merge_joins_shards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1"), record("t.py::test_2", "fail")))
    b = write(tmp_path / "b.json", replace(report_of(record("u.py::test_3")), warnings=("contended",)))
    out = tmp_path / "merged.json"
    assert cli.main(["merge", a, b, "-o", str(out)]) == 0
    assert f"merged 2 reports (3 tests) into {out}" in capsys.readouterr().out
    merged = read_report(out)
    assert [test.nodeid for test in merged.tests] == ["t.py::test_1", "t.py::test_2", "u.py::test_3"]
    assert merged.counts["fail"] == 1
    assert merged.warnings == ("contended",)
    assert [part["path"] for part in merged.merged_from] == [a, b]
    assert merged.complete


def test_merge_duplicate_is_an_error_unless_newest_preferred(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(
        tmp_path / "a.json",
        report_of(record("t.py::test_1", value=0.01), created="2026-01-02T00:00:00+00:00"),
    )
    b = write(
        tmp_path / "b.json",
        report_of(record("t.py::test_1", value=0.02), created="2026-01-01T00:00:00+00:00"),
    )
    out = tmp_path / "merged.json"
    assert cli.main(["merge", a, b, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("perfgate merge: error: t.py::test_1 is in both ")
    assert a in err and b in err and "--prefer newest" in err
    assert not out.exists()
    assert cli.main(["merge", a, b, "-o", str(out), "--prefer", "newest"]) == 0
    merged = read_report(out)
    assert merged.tests[0].time is not None
    assert merged.tests[0].time.value_s == pytest.approx(0.01)  # from a, the newer report


def test_merge_of_an_incomplete_report_is_incomplete(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1")))
    b = write(tmp_path / "b.json", replace(report_of(record("t.py::test_2")), complete=False))
    assert cli.main(["merge", a, b, "-o", str(tmp_path / "m.json")]) == 0
    assert read_report(tmp_path / "m.json").complete is False


def test_merge_says_when_settings_differ(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1")))
    b = write(tmp_path / "b.json", replace(report_of(record("t.py::test_2")), settings={"stat": "min"}))
    assert cli.main(["merge", a, b, "-o", str(tmp_path / "m.json")]) == 0
    assert read_report(tmp_path / "m.json").warnings == (f"{b} was run with other settings than {a}",)


def test_merge_output_that_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1")))
    assert cli.main(["merge", a, "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"perfgate merge: error: {tmp_path} is a directory; give a file name\n"
    missing = tmp_path / "no" / "m.json"
    assert cli.main(["merge", a, "-o", str(missing)]) == 2
    assert f"directory {missing.parent} does not exist" in capsys.readouterr().err


def test_merge_expect_counts_the_shard_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With fewer reports than expected the merge still writes what it has, marked incomplete, names
    how many are missing, and exits 1 so the CI job shows it; with all of them it is as without."""
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1")))
    b = write(tmp_path / "b.json", report_of(record("t.py::test_2")))
    out = tmp_path / "m.json"
    assert cli.main(["merge", a, b, "-o", str(out), "--expect", "2"]) == 0
    assert read_report(out).complete is True
    capsys.readouterr()

    assert cli.main(["merge", a, b, "-o", str(out), "--expect", "4"]) == 1
    captured = capsys.readouterr()
    warning = (
        "2 of 4 expected shard reports are missing (--expect 4, 2 given): their tests are not in this report"
    )
    assert f"merged 2 reports (2 tests) into {out}" in captured.out
    assert captured.err == f"perfgate merge: warning: {warning}\n"
    merged = read_report(out)
    assert merged.complete is False
    assert merged.warnings == (warning,)
    assert [test.nodeid for test in merged.tests] == ["t.py::test_1", "t.py::test_2"]

    assert cli.main(["merge", a, "-o", str(out), "--expect", "2"]) == 1
    assert "1 of 2 expected shard reports is missing" in capsys.readouterr().err


def test_merge_more_reports_than_expected_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1")))
    b = write(tmp_path / "b.json", report_of(record("t.py::test_2")))
    out = tmp_path / "m.json"
    assert cli.main(["merge", a, b, "-o", str(out), "--expect", "1"]) == 2
    assert capsys.readouterr().err == "perfgate merge: error: 2 reports given, more than --expect 1\n"
    assert not out.exists()


@pytest.mark.parametrize("value", ["0", "-1", "three"])
def test_merge_expect_is_a_number_of_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1")))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["merge", a, "-o", str(tmp_path / "m.json"), f"--expect={value}"])
    assert exit_info.value.code == 2
    assert f"argument --expect: '{value}' is not a number of reports (1 or more)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("statuses", "worst"),
    [
        ((0, 0, 0), 0),
        ((0, 1, 0), 1),
        ((1, 2, 0), 2),
        ((5, 0, 5), 0),
        ((5, 5), 5),
        ((5, 1), 1),
        ((1, 4, 2), 4),
        ((4, 3), 3),
        ((None, 1), 1),
        ((None, None), None),
    ],
)
def test_merge_takes_the_worst_exit_status_and_the_longest_duration(
    tmp_path: Path, statuses: tuple[int | None, ...], worst: int | None
) -> None:
    paths = [
        write(
            tmp_path / f"s{index}.json",
            replace(report_of(record(f"t.py::test_{index}")), exit_status=status, duration_s=10.0 + index),
        )
        for index, status in enumerate(statuses)
    ]
    assert cli.main(["merge", *paths, "-o", str(tmp_path / "m.json")]) == 0
    merged = read_report(tmp_path / "m.json")
    assert merged.exit_status == worst
    assert merged.duration_s == 10.0 + len(statuses) - 1  # shards run side by side: the longest
    assert [part["exit_status"] for part in merged.merged_from] == list(statuses)
    assert [part["duration_s"] for part in merged.merged_from] == [10.0 + i for i in range(len(statuses))]


def test_merge_of_reports_without_a_duration(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1")))
    assert cli.main(["merge", a, "-o", str(tmp_path / "m.json")]) == 0
    merged = read_report(tmp_path / "m.json")
    assert merged.duration_s is None and merged.exit_status is None


# -- report files from JSON (--markdown, --html) -------------------------------------------------


def test_merge_writes_the_markdown_and_html_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(
        tmp_path / "a.json", report_of(record("t.py::test_1"), record("t.py::test_2", "fail", value=0.3))
    )
    b = write(tmp_path / "b.json", report_of(record("u.py::test_3[a|b]")))
    out, md, page = tmp_path / "m.json", tmp_path / "m.md", tmp_path / "m.html"
    argv = ["merge", a, b, "-o", str(out), "--markdown", str(md), "--html", str(page)]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == f"merged 2 reports (3 tests) into {out}, {md}, {page}\n"
    merged = read_report(out)
    # The plugin's own renderers, on the merged report as read back from its JSON.
    assert md.read_text(encoding="utf-8") == markdown.render(merged)
    assert page.read_text(encoding="utf-8") == html.render(merged)
    headers, rows = markdown_table(md.read_text(encoding="utf-8"))
    assert len(headers) == len(rows[0])
    assert [code_text(cells[0]) for cells in rows] == ["t.py::test_2", "t.py::test_1", "u.py::test_3[a|b]"]
    assert sorted(html_nodeids(page.read_text(encoding="utf-8"))) == [
        "t.py::test_1",
        "t.py::test_2",
        "u.py::test_3[a|b]",
    ]


def test_show_writes_the_reports_the_plugin_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As --perfgate-markdown does, the Markdown file is replaced, not appended to: a step summary
    is appended with ``cat PATH >> "$GITHUB_STEP_SUMMARY"``."""
    path = write(tmp_path / "r.json", sample_report(warnings=("times are contended",)))
    md, page = tmp_path / "r.md", tmp_path / "r.html"
    md.write_text("an older summary\n", encoding="utf-8")
    assert cli.main(["show", path, "--markdown", str(md), "--html", str(page)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == [
        f"perfgate: wrote the markdown report to {md}",
        f"perfgate: wrote the html report to {page}",
    ]
    assert "4 performance tests: 1 pass, 1 fail, 1 warn, 1 not-measured" in out
    report = read_report(path)
    assert md.read_text(encoding="utf-8") == markdown.render(report)
    assert page.read_text(encoding="utf-8") == html.render(report)
    assert len(markdown_table(md.read_text(encoding="utf-8"))[1]) == len(report.tests)
    assert sorted(html_nodeids(page.read_text(encoding="utf-8"))) == sorted(t.nodeid for t in report.tests)


def test_the_markdown_of_an_incomplete_merge_says_so(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", report_of(record("t.py::test_1")))
    md = tmp_path / "m.md"
    assert cli.main(["merge", a, "-o", str(tmp_path / "m.json"), "--expect", "3", "--markdown", str(md)]) == 1
    text = md.read_text(encoding="utf-8")
    assert "**Incomplete:**" in text
    assert "2 of 3 expected shard reports are missing" in text


@pytest.mark.parametrize("command", ["show", "merge"])
@pytest.mark.parametrize("option", ["--markdown", "--html"])
@pytest.mark.parametrize("where", ["directory", "missing-directory", "not-a-directory"])
def test_a_report_file_that_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, option: str, where: str
) -> None:
    """Exit status 2 naming the file, no traceback, and nothing written (checked before any file)."""
    good = write(tmp_path / "good.json", sample_report())
    (tmp_path / "plain").write_text("a file\n")
    target, problem = {
        "directory": (tmp_path, f"{tmp_path} is a directory; give a file name"),
        "missing-directory": (tmp_path / "no" / "r", f"directory {tmp_path / 'no'} does not exist"),
        "not-a-directory": (tmp_path / "plain" / "r", f"{tmp_path / 'plain'} is not a directory"),
    }[where]
    out = tmp_path / "m.json"
    argv = [command, good, option, str(target)] + (["-o", str(out)] if command == "merge" else [])
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"perfgate {command}: error: ")
    assert problem in captured.err and str(target) in captured.err
    assert len(captured.err.splitlines()) == 1 and "Traceback" not in captured.err
    assert captured.out == ""
    assert not out.exists()


def test_the_same_file_for_two_reports_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "good.json", sample_report())
    out = tmp_path / "m.json"
    assert cli.main(["merge", good, "-o", str(out), "--html", str(out)]) == 2
    assert (
        capsys.readouterr().err
        == f"perfgate merge: error: {out}: given for both the json and the html report\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("command", ["show", "merge"])
def test_a_bad_report_writes_no_report_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    bad = tmp_path / "shard2.json"
    bad.write_text('{"schema": "pytest-perfgate/1", "tests": [')
    good = write(tmp_path / "shard1.json", sample_report())
    md, page, out = tmp_path / "r.md", tmp_path / "r.html", tmp_path / "m.json"
    inputs = [good, str(bad)] if command == "merge" else [str(bad)]
    argv = [command, *inputs, "--markdown", str(md), "--html", str(page)]
    assert cli.main(argv + (["-o", str(out)] if command == "merge" else [])) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"perfgate {command}: error: {bad}: not valid JSON (line 1")
    assert not md.exists() and not page.exists() and not out.exists()


def test_the_installed_script_on_a_missing_or_corrupt_shard(tmp_path: Path) -> None:
    """As CI runs it: one error line naming the file, exit 2, no traceback, no merged report."""
    good = write(tmp_path / "shard1.json", sample_report())
    corrupt = tmp_path / "shard2.json"
    corrupt.write_bytes(b"\xff\xfe not json")
    for bad, problem in ((tmp_path / "shard3.json", "no such file"), (corrupt, "not UTF-8 text")):
        argv = ["merge", good, str(bad), "-o", "m.json", "--expect", "2", "--markdown", "m.md"]
        completed = subprocess.run(
            [perfgate_script(), *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 2
        assert completed.stderr.startswith(f"perfgate merge: error: {bad}: {problem}")
        assert len(completed.stderr.splitlines()) == 1 and "Traceback" not in completed.stderr
        assert not (tmp_path / "m.json").exists() and not (tmp_path / "m.md").exists()


# -- bad input, help, the installed script -----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["show", "{path}"],
        ["compare", "{path}", "{good}"],
        ["compare", "{good}", "{path}"],
        ["merge", "{good}", "{path}", "-o", "{out}"],
    ],
)
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        ("{broken", "not valid JSON (line 1, column 2"),
        (
            '{"schema": "pytest-benchmark/4", "benchmarks": []}',
            "not a pytest-perfgate report: schema 'pytest-benchmark/4'",
        ),
    ],
)
def test_bad_report_is_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], content: str | None, problem: str
) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    good = write(tmp_path / "good.json", sample_report())
    argv = [arg.format(path=path, good=good, out=tmp_path / "out.json") for arg in args]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"perfgate {args[0]}: error: {path}: {problem}" + captured.err.split(problem, 1)[1]
    assert "Traceback" not in captured.err


def test_directory_given_as_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["show", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"perfgate show: error: {tmp_path}: is a directory, not a report file\n"


@pytest.mark.parametrize("command", [[], ["show"], ["compare"], ["merge"]])
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: perfgate {' '.join(command)}".rstrip())
    if not command:
        assert all(name in out for name in ("show", "compare", "merge"))


def test_console_script_is_installed(pytester: pytest.Pytester) -> None:
    script = shutil.which("perfgate", path=sysconfig.get_path("scripts"))
    assert script is not None, "the perfgate console script is not installed next to this Python"
    report = pytester.path / "r.json"
    write_report(report, sample_report())
    result = pytester.run(script, "show", str(report))
    assert result.ret == 0
    result.stdout.fnmatch_lines(["4 performance tests: 1 pass, 1 fail, 1 warn, 1 not-measured"])
    result = pytester.run(script, "show", str(pytester.path / "missing.json"))
    assert result.ret == 2
    assert result.errlines == [f"perfgate show: error: {pytester.path / 'missing.json'}: no such file"]
    assert json.loads(report.read_text())["schema"] == "pytest-perfgate/1"


# -- a reader that leaves early (``perfgate show R | head -1``) -----------------------------------


def perfgate_script() -> str:
    script = shutil.which("perfgate", path=sysconfig.get_path("scripts"))
    assert script is not None, "the perfgate console script is not installed next to this Python"
    return script


def run_with_reader_leaving(args: list[str], lines_read: int) -> tuple[int, list[str], str]:
    """Run the script into a pipe, read ``lines_read`` lines, close it; exit status, lines, stderr."""
    process = subprocess.Popen(
        [perfgate_script(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stderr is not None
    read = [process.stdout.readline() for _ in range(lines_read)]
    process.stdout.close()
    err = process.stderr.read()
    return process.wait(timeout=60), read, err


def long_report(tmp_path: Path, name: str, value: float) -> str:
    """A report whose table is far longer than a pipe holds (64 KiB), so writing it must block."""
    tests = [record(f"tests/test_many.py::test_{i:04d}[{'x' * 60}]", value=value) for i in range(1_000)]
    return write(tmp_path / name, report_of(*tests))


@pytest.mark.parametrize(
    ("long", "lines_read"),
    [(False, 0), (True, 1)],
    ids=["reader-gone-before-any-output", "head-1-of-a-long-table"],
)
def test_show_into_a_pipe_closed_early_exits_quietly(tmp_path: Path, long: bool, lines_read: int) -> None:
    path = long_report(tmp_path, "r.json", 0.01) if long else write(tmp_path / "r.json", sample_report())
    status, read, err = run_with_reader_leaving(["show", path], lines_read)
    assert (status, err) == (0, "")
    assert read == [f"perfgate report {path}\n"][:lines_read]


@pytest.mark.parametrize(("new_value", "status"), [(0.02, 1), (0.01, 0)], ids=["slower", "same"])
def test_compare_into_a_pipe_closed_early_keeps_its_exit_status(
    tmp_path: Path, new_value: float, status: int
) -> None:
    old = long_report(tmp_path, "old.json", 0.01)
    new = long_report(tmp_path, "new.json", new_value)
    assert run_with_reader_leaving(["compare", old, new], 1)[::2] == (status, "")
