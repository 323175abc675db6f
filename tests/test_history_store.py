"""The history store: the same tests on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pytest_perfgate.history import schema
from pytest_perfgate.history.redact import redact
from pytest_perfgate.history.store import (
    HistoryError,
    Machine,
    Result,
    Run,
    like_patterns,
    matches,
    open_store,
    resolve_location,
)
from pytest_perfgate.record import MemoryFigures, Record, TimeFigures

MACHINE = Machine("ci-1", "Some CPU", 2, "Linux", "CPython 3.11")


def make_record(nodeid: str, value: float, verdict: str = "pass") -> Record:
    data = [value * factor for factor in (0.98, 1.0, 1.03)]
    return Record(
        nodeid=nodeid,
        target="strategy_creation",
        verdict=verdict,
        time=TimeFigures(
            stat="median",
            value_s=value,
            budget_s=0.1,
            ratio=value / 0.1,
            rounds=3,
            min=min(data),
            median=value,
            mean=sum(data) / 3,
            max=max(data),
            stddev=0.0,
            data=data,
        ),
        memory=MemoryFigures(1000, 524288000, 1000 / 524288000, "tracemalloc"),
    )


def make_run(number: int, nodeids: list[str], value: float = 0.01) -> Run:
    return Run(
        started_at=f"2024-05-{1 + number // 24:02d}T{number % 24:02d}:00:00+00:00",
        commit=f"{number:040x}",
        branch="main",
        dirty=number % 2 == 1,
        machine=MACHINE,
        perfgate="0.1.0",
        results=tuple(
            Result.from_record(make_record(nodeid, value * (1 + number / 100))) for nodeid in nodeids
        ),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store of each kind."""
    if request.param == "sqlite":
        return str(tmp_path / ".perfgate" / "history.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_append_and_read_back_everything(location: str) -> None:
    nodeids = ["tests/test_a.py::test_one", "tests/test_a.py::test_two[1-2]"]
    with open_store(location) as store:
        first = store.append_run(make_run(0, nodeids))
        second = store.append_run(make_run(1, nodeids))
        runs = store.runs()
    assert [run.id for run in runs] == [first, second]
    assert second > first
    run = runs[1]
    assert run.commit == f"{1:040x}" and run.branch == "main" and run.dirty is True
    assert runs[0].dirty is False
    assert run.machine == MACHINE
    assert run.started_at == "2024-05-01T01:00:00+00:00"
    assert [result.nodeid for result in run.results] == nodeids
    result = run.results[0]
    assert result.verdict == "pass" and result.target == "strategy_creation"
    assert result.stat == "median" and result.value_s == pytest.approx(0.0101)
    assert result.budget_s == 0.1 and result.peak_bytes == 1000 and result.memory_budget_bytes == 524288000
    assert result.rounds == () and result.record is None  # raw rounds and records only on request


def test_rounds_and_records_on_request(location: str) -> None:
    with open_store(location) as store:
        store.append_run(make_run(0, ["t::a"]))
        (run,) = store.runs(rounds=True, records=True)
    result = run.results[0]
    assert result.rounds == pytest.approx((0.0098, 0.01, 0.0103))
    assert result.record == make_record("t::a", 0.01)
    assert result.figure("max") == pytest.approx(0.0103)  # another statistic, from the raw rounds


def test_last_runs_and_test_patterns(location: str) -> None:
    with open_store(location) as store:
        for number in range(6):
            nodeids = ["pkg/test_x.py::test_parse", "pkg/test_x.py::test_parse_big"]
            if number >= 3:
                nodeids.append("pkg/test_y.py::test_new[a_b]")
            store.append_run(make_run(number, nodeids))
        assert len(store.runs()) == 6
        assert [run.commit for run in store.runs(last=2)] == [f"{4:040x}", f"{5:040x}"]
        newest = store.runs("test_new", 10)
        assert len(newest) == 3 and all(len(run.results) == 1 for run in newest)
        exact = store.runs("pkg/test_x.py::test_parse", exact=True)
        assert {result.nodeid for run in exact for result in run.results} == {"pkg/test_x.py::test_parse"}
        glob = store.runs("*::test_parse_*")
        assert {result.nodeid for run in glob for result in run.results} == {"pkg/test_x.py::test_parse_big"}
        brackets = store.runs("pkg/test_y.py::test_new[a_b]")
        assert {result.nodeid for run in brackets for result in run.results} == {
            "pkg/test_y.py::test_new[a_b]"
        }
        assert store.runs("no_such_test") == []


def test_schema_is_versioned(location: str) -> None:
    open_store(location).close()
    with open_store(location, readonly=True) as store, store._cursor() as cursor:
        cursor.execute(store._sql("SELECT value FROM meta WHERE key = ?"), ("schema_version",))
        assert cursor.fetchone()[0] == str(schema.schema_version())


def test_older_schema_is_migrated_in_place(location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(location) as store:
        store.append_run(make_run(0, ["t::a"]))
    later = [*schema.MIGRATIONS, ("ALTER TABLE runs ADD COLUMN ci_job TEXT",)]
    monkeypatch.setattr(schema, "MIGRATIONS", later)
    monkeypatch.setattr(schema, "READABLE_FROM", len(later))
    with pytest.raises(HistoryError, match="older schema version 2; append a run"):
        open_store(location, readonly=True)
    with open_store(location) as store:  # a writer migrates
        assert store.check_readable()
        assert [run.commit for run in store.runs()] == [f"{0:040x}"]
        with store._cursor() as cursor:
            cursor.execute("SELECT ci_job FROM runs")
            assert cursor.fetchall() == [(None,)]
            cursor.execute(store._sql("SELECT value FROM meta WHERE key = ?"), ("schema_version",))
            assert cursor.fetchone()[0] == "3"


def test_newer_schema_is_refused_naming_the_store(location: str) -> None:
    with open_store(location) as store, store._transaction() as cursor:
        cursor.execute(store._sql("UPDATE meta SET value = ? WHERE key = ?"), ("99", "schema_version"))
    for readonly in (False, True):
        with pytest.raises(HistoryError) as caught:
            open_store(location, readonly=readonly)
        message = str(caught.value)
        assert redact(location) in message
        assert "schema version 99, newer than this pytest-perfgate understands (2)" in message


def test_acceptances_are_kept_per_test(location: str) -> None:
    with open_store(location) as store:
        first = store.append_run(make_run(0, ["t::a", "t::b"]))
        second = store.append_run(make_run(1, ["t::a"]))
        store.accept([("t::a", first), ("t::a", second), ("t::b", first)], "2024-06-01T00:00:00+00:00")
    with open_store(location, readonly=True) as store:
        assert store.accepted("t::a") == [first, second]
        assert store.accepted("t::b") == [first]
        assert store.accepted("t::c") == []


def test_a_store_of_the_first_schema_is_read_as_it_is(location: str) -> None:
    """Schema 2 only adds the acceptances: a reader needs no migration of a schema 1 store."""
    with open_store(location) as store:
        store.append_run(make_run(0, ["t::a"]))
        with store._transaction() as cursor:
            cursor.execute("DROP TABLE accepts")
            cursor.execute(store._sql("UPDATE meta SET value = ? WHERE key = ?"), ("1", "schema_version"))
    with open_store(location, readonly=True) as store:
        assert [len(run.results) for run in store.runs()] == [1]
        assert store.accepted("t::a") == []
    with open_store(location) as store:  # a writer migrates it
        store.accept([("t::a", 1)], "2024-06-01T00:00:00+00:00")
        assert store.accepted("t::a") == [1]


WRITER = textwrap.dedent(
    """
    import sys, time
    from pytest_perfgate.history.store import Result, Run, open_store

    location, tag, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.001)
    for number in range(15):
        results = tuple(
            Result(nodeid=f"t::test_{i}", verdict="pass", stat="median", value_s=0.001 * (i + 1))
            for i in range(40)
        )
        with open_store(location) as store:
            run = Run(started_at="2024-05-01T00:00:00+00:00", commit=f"{tag}-{number}", results=results)
            store.append_run(run)
        if number == 0:
            print(time.time(), flush=True)
    """
)


def test_two_processes_writing_at_once_both_land(location: str) -> None:
    start = time.time() + 1.5
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, location, tag, str(start)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for tag in ("a", "b")
    ]
    errors = [writer.communicate(timeout=120)[1].decode() for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], errors
    with open_store(location) as store:
        runs = store.runs()
    assert sorted(run.commit or "" for run in runs) == sorted(f"{tag}-{n}" for tag in "ab" for n in range(15))
    for run in runs:  # every run whole, none mixed with another
        assert [result.nodeid for result in run.results] == [f"t::test_{i}" for i in range(40)]
    if not location.startswith("postgresql"):
        with sqlite3.connect(location) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_writer_waits_for_the_transaction_of_another(location: str) -> None:
    """The busy timeout (SQLite) / advisory lock (PostgreSQL): a second writer waits, then lands."""
    with open_store(location) as holder:
        with holder._transaction():
            writer = subprocess.Popen(
                [sys.executable, "-c", WRITER, location, "late", "0"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            time.sleep(2.0)
            released = time.time()
        output, error = writer.communicate(timeout=120)
        assert writer.returncode == 0, error.decode()
        assert float(output.decode()) >= released, "the first append did not wait for the transaction"
        assert len(holder.runs()) == 15


# -- SQLite-only and URL handling ----------------------------------------------------------------


def test_bad_url_names_the_store() -> None:
    with pytest.raises(HistoryError, match=r"history store mysql://me:\*\*\*@db/x: unsupported URL"):
        open_store("mysql://me:secret@db/x")


def test_sqlite_url_and_default_location(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    open_store(f"sqlite://{path}").close()
    assert path.is_file()
    assert resolve_location("", tmp_path / "root", tmp_path) == str(
        tmp_path / "root/.perfgate/history.sqlite"
    )
    assert resolve_location("x.sqlite", tmp_path / "root", tmp_path) == str(tmp_path / "x.sqlite")
    assert resolve_location("postgresql://h/db", tmp_path, tmp_path) == "postgresql://h/db"


def test_missing_file_read_only(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=f"history store {tmp_path / 'none.sqlite'}: no such file"):
        open_store(tmp_path / "none.sqlite", readonly=True)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.write_text("this is not a database, " * 100)
    with pytest.raises(HistoryError, match=f"history store {path}: .*not a perfgate history"):
        open_store(path)


def test_folder_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(HistoryError, match=r"history store .*file/history\.sqlite: cannot create its folder"):
        open_store(tmp_path / "file" / "history.sqlite")


READ_ONLY_WRITER = textwrap.dedent(
    """
    import sys
    from pytest_perfgate.history.store import HistoryError, Result, Run, open_store
    try:
        with open_store(sys.argv[1]) as store:
            store.append_run(Run(started_at="2024-05-01T00:00:00+00:00", results=(Result("t::a", "pass"),)))
    except HistoryError as error:
        print(error)
        sys.exit(3)
    """
)


def _without_root_powers() -> None:
    """In the child, before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding
    set, so even root is held to the file's permission bits."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_read_only_file(tmp_path: Path) -> None:
    """A file its writer may not write: the error names the store and says it is read-only."""
    path = tmp_path / "history.sqlite"
    with open_store(path) as store:
        store.append_run(make_run(0, ["t::a"]))
    path.chmod(0o444)
    as_root = os.geteuid() == 0
    if as_root and not sys.platform.startswith("linux"):
        pytest.skip("running as root, which writes read-only files, and cannot drop that power here")
    done = subprocess.run(
        [sys.executable, "-c", READ_ONLY_WRITER, str(path)],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_without_root_powers if as_root else None,
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith(f"history store {path}: ")
    assert "read-only" in done.stdout
    with open_store(path, readonly=True) as store:  # still whole and readable
        assert len(store.runs()) == 1


def test_unreachable_postgres_names_the_store() -> None:
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    with socket_port() as port:
        url = f"postgresql://me:secret@127.0.0.1:{port}/history"
        with pytest.raises(HistoryError) as caught:
            open_store(url)
    message = str(caught.value)
    assert message.startswith(f"history store postgresql://me:***@127.0.0.1:{port}/history: cannot connect")
    assert "secret" not in message


def test_patterns() -> None:
    assert matches("a/test_x.py::test_y[1-2]", "a/test_x.py::test_y[1-2]")
    assert matches("a/test_x.py::test_y", "test_x")
    assert matches("a/test_x.py::test_y", "*::test_?")
    assert not matches("a/test_x.py::test_yz", "*::test_?")
    assert like_patterns("a_b%") == ("%a\\_b\\%%", "%a\\_b\\%")
    assert like_patterns("x*[ab]?") == ("%x*[ab]?%", "%x%%_")
    assert matches("a/test_x.py::test_y[a-b]", "test_y[a-b]")  # brackets of a parameter id, literally
    assert matches("a/test_x.py::test_ya", "test_y[a-b]")  # or a character class
    assert matches("tests/test_x.py::test_y", "test_x.py::*")
    assert matches("tests/test_x.py::test_y", "test_x.py")


class socket_port:
    """A localhost port with nothing listening on it (bound, not listening, while in use)."""

    def __enter__(self) -> int:
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        port: int = self.socket.getsockname()[1]
        return port

    def __exit__(self, *exc_info: object) -> None:
        self.socket.close()
