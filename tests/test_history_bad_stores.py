"""Bad history stores and hostile locations: clear errors, passwords never shown, no run lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from fnmatch import fnmatch
from pathlib import Path

import pytest
from test_history_store import _without_root_powers, make_run

from pytest_perfgate.cli import main
from pytest_perfgate.history.store import HistoryError, Result, Run, open_store

CORRUPTIONS = {
    "cores": ("UPDATE runs SET cores = 'abc'", "run 1: runs.cores holds 'abc', not a whole number"),
    "schema version": (
        "UPDATE meta SET value = 'abc'",
        "meta.schema_version holds 'abc', not a version number",
    ),
    "value_s": ("UPDATE results SET value_s = 'abc'", "results.value_s holds 'abc', not a finite number"),
    "stat": ("UPDATE results SET stat = 'p50'", "results.stat holds 'p50', not one of min, median*"),
    "started_at": (
        "UPDATE runs SET started_at = x'00ff'",
        r"run 1: runs.started_at holds b'\x00\xff', not text",
    ),
}
#: What only the history check reads (the rounds and the whole records).
DETAILS = {
    "rounds": (
        "UPDATE details SET rounds = x'0102030405'",
        "details.rounds holds 5 bytes, not a whole number*",
    ),
    "record": ("UPDATE details SET record = '{'", "details.record holds '{', not a JSON record"),
    "record field": (
        """UPDATE details SET record = '{"nodeid": "t::a", "verdict": "pass", "notes": null}'""",
        "details.record.notes: must be a list, not null",
    ),
}


def corrupt(location: str | Path, statement: str) -> None:
    with open_store(location) as store, store._transaction() as cursor:
        cursor.execute(statement)


@pytest.mark.parametrize("column", CORRUPTIONS)
def test_bad_values_are_a_clear_error(
    column: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "history.sqlite"
    with open_store(path) as store:
        store.append_run(make_run(0, ["t::a", "t::b"]))
    statement, message = CORRUPTIONS[column]
    corrupt(path, statement)
    assert main(["history", "--db", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"perfgate history: error: history store {path}: "), error
    assert "Traceback" not in error and error.count("\n") == 1
    assert fnmatch(error.strip(), f"*{message}*"), error


@pytest.mark.parametrize("column", DETAILS)
def test_bad_details_are_a_clear_error(column: str, tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with open_store(path) as store:
        store.append_run(make_run(0, ["t::a"]))
    statement, message = DETAILS[column]
    corrupt(path, statement)
    assert main(["history", "--db", str(path)]) == 0  # the table needs neither rounds nor records
    with open_store(path, readonly=True) as store, pytest.raises(HistoryError) as caught:
        store.runs(rounds=True, records=True)
    assert fnmatch(str(caught.value), f"history store {path}: run 1, test 't::a': {message}")


def test_bad_values_on_postgresql(postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(postgres_url) as store:
        store.append_run(make_run(0, ["t::a"]))
    corrupt(postgres_url, "UPDATE details SET rounds = '\\x0102030405'::bytea")
    with open_store(postgres_url, readonly=True) as store, pytest.raises(HistoryError) as caught:
        store.runs(rounds=True)
    assert "details.rounds holds 5 bytes" in str(caught.value)
    corrupt(postgres_url, "UPDATE meta SET value = 'abc'")
    assert main(["history", "--db", postgres_url]) == 2
    assert "meta.schema_version holds 'abc'" in capsys.readouterr().err


CHECKED = """
import time, pytest

@pytest.mark.performance(time="1s")
def test_sleepy(perfgate):
    perfgate.pedantic(time.sleep, args=(0.001,), rounds=3)
"""


def test_bad_values_skip_the_history_check_with_its_warning(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKED)
    location = pytester.path / ".perfgate" / "history.sqlite"
    with open_store(location) as store:
        nodeid = "test_bad_values_skip_the_history_check_with_its_warning.py::test_sleepy"
        for number in range(3):
            store.append_run(make_run(number, [nodeid]))
    corrupt(location, "UPDATE results SET value_s = 'abc'")
    result = pytester.runpytest("--perfgate-history-check", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [f"perfgate warning: history check skipped: history store {location}: *results.value_s holds 'abc'*"]
    )


@pytest.mark.parametrize("last", ["99999999999999999999999", "1000001"])
def test_last_beyond_any_history(last: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["history", "--db", str(tmp_path / "h.sqlite"), "--last", last])
    assert exit_info.value.code == 2
    assert f"'{last}' is more than the 1,000,000 runs --last can show" in capsys.readouterr().err
    with open_store(tmp_path / "h.sqlite") as store:
        store.append_run(make_run(0, ["t::a"]))
        assert len(store.runs(last=10**30)) == 1


READER = textwrap.dedent(
    """
    import sys
    from pytest_perfgate.history.store import open_store
    with open_store(sys.argv[1], readonly=True) as store:
        print(len(store.runs()))
    """
)


def test_a_store_in_a_read_only_folder_can_be_read(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("drops root's powers with prctl, which only Linux has")
    folder = tmp_path / "mounted"
    with open_store(folder / "history.sqlite") as store:
        store.append_run(make_run(0, ["t::a"]))
        store.append_run(make_run(1, ["t::a"]))
    folder.chmod(0o555)
    try:
        done = subprocess.run(
            [sys.executable, "-c", READER, str(folder / "history.sqlite")],
            capture_output=True,
            text=True,
            check=False,
            preexec_fn=_without_root_powers,
        )
    finally:
        folder.chmod(0o755)
    assert (done.returncode, done.stdout, done.stderr) == (0, "2\n", "")


def test_a_nul_byte_in_one_node_id_loses_only_that_result(postgres_url: str) -> None:
    run = make_run(0, ["t::a", "t::b[\x00]", "t::c"])
    with open_store(postgres_url) as store:
        store.append_run(run)
        assert store.dropped == ("'t::b[\\x00]' not recorded: PostgreSQL text cannot hold its NUL byte",)
        (stored,) = store.runs()
        assert [result.nodeid for result in stored.results] == ["t::a", "t::c"]
        assert store.runs("t::b[\x00]", exact=True) == []


def test_sqlite_holds_a_nul_byte(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.sqlite") as store:
        store.append_run(Run(started_at="2024-05-01T00:00:00+00:00", results=(Result("t::\x00", "pass"),)))
        assert store.dropped == ()
        assert store.runs()[0].results[0].nodeid == "t::\x00"


NUL_IDS = """
import pytest

@pytest.mark.performance
@pytest.mark.parametrize("x", [1, 2], ids=["plain", "nul\\x00byte"])
def test_ids(x):
    pass
"""


def test_the_recorder_warns_about_a_result_it_could_not_store(
    pytester: pytest.Pytester, postgres_url: str
) -> None:
    pytester.makepyfile(NUL_IDS)
    pytester.makeini(
        "[pytest]\ndisable_test_id_escaping_and_forfeit_all_rights_to_community_support = true\n"
    )
    result = pytester.runpytest(f"--perfgate-history={postgres_url}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            f"perfgate history: run 1 (1 tests) appended to {postgres_url}",
            "perfgate warning: *nul\\x00byte]' not recorded: PostgreSQL text cannot hold its NUL byte",
        ]
    )


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        (
            "postgresql://127.0.0.1:1/perf?user=ci&password=QSECRET",
            "postgresql://127.0.0.1:1/perf?user=ci&password=***",
        ),
        ("postgresql://ci:p@ssQSECRET@127.0.0.1:1/perf", "postgresql://ci:***@127.0.0.1:1/perf"),
    ],
)
def test_passwords_are_never_shown(
    location: str, shown: str, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    pytester.makepyfile(CHECKED)
    result = pytester.runpytest(f"--perfgate-history={location}", "--perfgate-history-check")
    output = result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(
        [
            f"perfgate history: {shown}",
            f"perfgate history check: {shown} *",
            f"perfgate warning: the run was not recorded: history store {shown}: cannot connect*",
        ]
    )
    assert main(["history", "--db", location]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"perfgate history: error: history store {shown}: cannot connect")
    for text in (output, error):
        assert "QSECRET" not in text and "ss@" not in text
