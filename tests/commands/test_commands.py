"""The ``perfgate`` command: show, compare and merge JSON reports; bad input is exit 2 with the path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sysconfig
from dataclasses import replace
from pathlib import Path

import pytest
from reportdata import record, sample_report

from pytest_perfgate import cli
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
