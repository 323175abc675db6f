"""SQLite strategy repository: schema, round trips, transactions and index use."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from trading.repository import (
    CREATED_BETWEEN_SQL,
    GET_BY_NAME_SQL,
    StrategyRepository,
    save_batch,
    save_row_by_row,
    to_epoch_us,
)
from trading.strategy import Strategy, StrategyError, build_strategy, strategy_variants

START = datetime(2024, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[StrategyRepository]:
    with StrategyRepository(tmp_path / "strategies.sqlite") as r:
        yield r


def test_database_is_a_wal_file_with_its_indexes(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with StrategyRepository(path) as r:
        assert r.journal_mode() == "wal"
    assert path.is_file()
    with sqlite3.connect(path) as conn:
        indexes = {
            row[0]: row[1]
            for row in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
                ("strategies",),
            )
        }
    assert "UNIQUE INDEX idx_strategies_name ON strategies (name)" in indexes["idx_strategies_name"]
    assert "(created_us, name)" in indexes["idx_strategies_created"]


def test_save_and_get_round_trip(repo: StrategyRepository) -> None:
    original = build_strategy()
    repo.save(original)
    assert repo.get_by_name(original.name) == original
    assert repo.get_by_name("missing") is None
    assert repo.count() == 1


def test_saving_a_name_again_replaces_it(repo: StrategyRepository) -> None:
    first = Strategy.create("mine", ["rsi_14 < 30"], ["rsi_14 > 70"], created_at=START)
    second = Strategy.create("mine", ["rsi_14 < 25"], ["rsi_14 > 75"], created_at=START)
    repo.save(first)
    repo.save(second)
    assert repo.count() == 1
    assert repo.get_by_name("mine") == second


def test_strategies_persist_across_connections(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    strategies = strategy_variants(25)
    with StrategyRepository(path) as r:
        assert r.save_many(strategies) == 25
    with StrategyRepository(path) as r:
        assert r.count() == 25
        assert r.get_by_name("variant-00007") == strategies[7]


def test_save_many_is_all_or_nothing(repo: StrategyRepository) -> None:
    bad = Strategy.create("bad", ["close > rsi_14"], ["rsi_14 > 70"], created_at=START)
    with pytest.raises(StrategyError):
        repo.save_many([*strategy_variants(10), bad])
    assert repo.count() == 0
    with pytest.raises(StrategyError):
        repo.save(bad)
    assert repo.count() == 0


def test_a_batch_failing_half_way_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with StrategyRepository(path) as r:
        r.save_many(strategy_variants(3))
    with sqlite3.connect(path) as conn:  # the database refuses one row of the next batch
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON strategies "
            "WHEN NEW.name = 'late-00003' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    late = [
        Strategy.create(f"late-{i:05d}", ["rsi_14 < 30"], ["rsi_14 > 70"], created_at=START) for i in range(6)
    ]
    with StrategyRepository(path) as r:
        with pytest.raises(sqlite3.IntegrityError, match="refused"):
            r.save_many(late)
        assert r.count() == 3  # rows 0-2 of the batch were written, then rolled back
        r.save(late[0])
        assert r.count() == 4


def test_find_created_between_is_half_open_and_ordered(repo: StrategyRepository) -> None:
    strategies = strategy_variants(100, start=START)  # one per minute
    repo.save_many(reversed(strategies))
    found = repo.find_created_between(START + timedelta(minutes=10), START + timedelta(minutes=20))
    assert found == strategies[10:20]
    assert repo.find_created_between(START - timedelta(days=1), START) == []
    assert len(repo.find_created_between(START, START + timedelta(days=1))) == 100


def test_times_in_other_time_zones_are_compared_as_instants(repo: StrategyRepository) -> None:
    strategies = strategy_variants(60, start=START)
    repo.save_many(strategies)
    plus_two = timezone(timedelta(hours=2))
    start = (START + timedelta(minutes=5)).astimezone(plus_two)
    end = (START + timedelta(minutes=8)).astimezone(plus_two)
    assert [s.name for s in repo.find_created_between(start, end)] == [
        "variant-00005",
        "variant-00006",
        "variant-00007",
    ]
    with pytest.raises(ValueError, match="timezone-aware"):
        repo.find_created_between(datetime(2024, 1, 1), datetime(2024, 1, 2))


def test_epoch_microseconds() -> None:
    assert to_epoch_us(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=timezone.utc)) == 1_000_005
    assert to_epoch_us(START) == 1_704_067_200_000_000


def test_queries_use_the_indexes(repo: StrategyRepository) -> None:
    repo.save_many(strategy_variants(200))
    by_date = repo.query_plan(CREATED_BETWEEN_SQL, (0, 1))
    assert any("USING INDEX idx_strategies_created" in step for step in by_date), by_date
    assert not any("SCAN" in step or "TEMP B-TREE" in step for step in by_date), by_date
    by_name = repo.query_plan(GET_BY_NAME_SQL, ("x",))
    assert any("USING INDEX idx_strategies_name (name=?)" in step for step in by_name), by_name


def test_batch_and_row_by_row_write_the_same_rows(tmp_path: Path) -> None:
    counter = itertools.count()

    def fresh_path() -> Path:
        return tmp_path / f"db-{next(counter)}.sqlite"

    strategies = strategy_variants(40)
    assert save_batch(fresh_path, strategies) == 40
    assert save_row_by_row(fresh_path, strategies) == 40
    assert save_batch(fresh_path, strategies) == 40  # a fresh file each call, not 80 rows
    dumps = []
    for i in range(2):
        with sqlite3.connect(tmp_path / f"db-{i}.sqlite") as conn:
            dumps.append(conn.execute("SELECT * FROM strategies ORDER BY name").fetchall())
    assert dumps[0] == dumps[1] and len(dumps[0]) == 40
