"""Generated report files against every reader of them: a report, or one clear error naming the file.

The reader, ``--perfgate-baseline`` (loaded, and in a pytest run), ``perfgate show``, ``compare`` and
``merge``: never a traceback or an INTERNALERROR, always the documented exit status.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from generated_reports import base_documents, json_values, report_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_history_store import make_run

from pytest_perfgate import cli
from pytest_perfgate.history.store import HistoryError, open_store
from pytest_perfgate.reports import reader
from pytest_perfgate.reports.model import Report
from pytest_perfgate.reports.reader import ReportError, read_report
from pytest_perfgate.verdict import baseline

BASES = base_documents()
any_report = st.sampled_from(BASES).flatmap(report_bytes)
#: Examples per surface (also quoted in the closing note of the work).
EXAMPLES = {
    "reader": 500,
    "baseline": 300,
    "show": 300,
    "compare": 300,
    "merge": 200,
    "pytest": 40,
    "history": 150,
}


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files over 100 kB count as too large here, so padding reaches the limit."""
    monkeypatch.setattr(reader, "MAX_BYTES", 100_000)


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="perfgate-generated-") as name:
        yield Path(name)


def assert_clear(error: ReportError, path: Path) -> None:
    message = str(error)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message and len(message) < 400 + len(str(path)), message


def run_command(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, out.getvalue(), err.getvalue()


def assert_command(argv: list[str], statuses: tuple[int, ...], bad: list[Path]) -> None:
    """The command's exit status is documented; exit 2 names one of the bad files, on one line."""
    status, out, err = run_command(argv)
    assert status in statuses, (status, out, err)
    assert "Traceback" not in out + err
    if status == 2:
        assert err.count("\n") == 1, err
        assert any(err.startswith(f"perfgate {argv[0]}: error: {path}: ") for path in bad), err


settings_for = {
    name: settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    for name, count in EXAMPLES.items()
}


@settings_for["reader"]
@given(data=any_report)
def test_the_reader(data: bytes) -> None:
    with folder() as where:
        path = where / "report.json"
        path.write_bytes(data)
        try:
            assert isinstance(read_report(path), Report)
        except ReportError as error:
            assert_clear(error, path)


@settings_for["baseline"]
@given(data=any_report)
def test_the_baseline_loader(data: bytes) -> None:
    with folder() as where:
        path = where / "old.json"
        path.write_bytes(data)
        try:
            loaded = baseline.load(path, 0.1)
        except ReportError as error:
            assert_clear(error, path)
        else:
            for figures in loaded.tests.values():
                if figures is not None:
                    loaded.limit("t.py::test_x", figures.stat)


@settings_for["show"]
@given(data=any_report)
def test_show(data: bytes) -> None:
    with folder() as where:
        path = where / "report.json"
        path.write_bytes(data)
        assert_command(["show", str(path)], (0, 2), [path])


@settings_for["compare"]
@given(old=any_report, new=any_report, which=st.sampled_from(["old", "new", "both"]))
def test_compare(old: bytes, new: bytes, which: str) -> None:
    good = json.dumps(BASES[0]).encode()
    with folder() as where:
        paths = where / "old.json", where / "new.json"
        paths[0].write_bytes(old if which in ("old", "both") else good)
        paths[1].write_bytes(new if which in ("new", "both") else good)
        argv = ["compare", *map(str, paths), "--max-regression", "10%"]
        assert_command(argv, (0, 1, 2), list(paths))


@settings_for["merge"]
@given(parts=st.lists(any_report, min_size=1, max_size=3), prefer=st.booleans())
def test_merge(parts: list[bytes], prefer: bool) -> None:
    with folder() as where:
        paths = [where / f"part{index}.json" for index in range(len(parts))]
        for path, data in zip(paths, parts, strict=True):
            path.write_bytes(data)
        out = where / "merged.json"
        argv = ["merge", *map(str, paths), "-o", str(out), *(["--prefer", "newest"] if prefer else [])]
        status, stdout, err = run_command(argv)
        assert status in (0, 2) and "Traceback" not in stdout + err, err
        if status == 0:
            assert isinstance(read_report(out), Report)  # what merge writes reads back
        elif "is in both" not in err:  # the one error about the parts together rather than one file
            assert any(err.startswith(f"perfgate merge: error: {path}: ") for path in paths), err


SUITE = """
import pytest

@pytest.mark.performance(time="1s")
def test_x(perfgate):
    perfgate.pedantic(lambda: None, rounds=3)
"""


@settings_for["pytest"]
@given(data=st.sampled_from(base_documents("test_x.py::test_x")).flatmap(report_bytes))
def test_perfgate_baseline_in_a_run(pytester: pytest.Pytester, data: bytes) -> None:
    if not (pytester.path / "test_x.py").exists():
        pytester.makepyfile(test_x=SUITE)
    (pytester.path / "old.json").write_bytes(data)
    result = pytester.runpytest("--perfgate-baseline=old.json", "-p", "no:cacheprovider")
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output and "Traceback" not in output, output
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.USAGE_ERROR), (
        output
    )
    if result.ret == pytest.ExitCode.USAGE_ERROR:
        assert f"perfgate: --perfgate-baseline: {pytester.path / 'old.json'}: " in output or (
            "perfgate: --perfgate-baseline: old.json: " in output
        ), output


COLUMNS = {
    "runs": (
        "started_at",
        "commit_id",
        "branch",
        "dirty",
        "hostname",
        "cpu",
        "cores",
        "os",
        "python",
        "perfgate",
    ),
    "results": ("nodeid", "target", "verdict", "stat", "value_s", "budget_s", "ratio", "peak_bytes"),
    "details": ("rounds", "record"),
    "meta": ("value",),
}
sqlite_values = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=12),
    st.binary(max_size=13),
    json_values.map(json.dumps),
)


@settings_for["history"]
@given(
    changes=st.lists(
        st.sampled_from(sorted(COLUMNS)).flatmap(
            lambda table: st.tuples(st.just(table), st.sampled_from(COLUMNS[table]), sqlite_values)
        ),
        min_size=1,
        max_size=3,
    )
)
def test_history_rows(changes: list[tuple[str, str, object]]) -> None:
    with folder() as where:
        path = where / "history.sqlite"
        with open_store(path) as store:
            store.append_run(make_run(0, ["t::a", "t::b"]))
            store.append_run(make_run(1, ["t::a"]))
        with sqlite3.connect(path) as connection:
            for table, column, value in changes:
                with contextlib.suppress(sqlite3.IntegrityError):  # NOT NULL columns keep their value
                    connection.execute(f"UPDATE {table} SET {column} = ?", (value,))
        for argv in (
            ["history", "--db", str(path)],
            ["history", "--db", str(path), "--html", str(where / "h.html")],
        ):
            status, out, err = run_command(argv)
            assert status in (0, 2) and "Traceback" not in out + err, err
            if status == 2:
                assert (
                    err.startswith(f"perfgate history: error: history store {path}") and err.count("\n") == 1
                ), err
        with contextlib.suppress(HistoryError), open_store(path, readonly=True) as store:
            store.runs(rounds=True, records=True)  # what the history check reads
