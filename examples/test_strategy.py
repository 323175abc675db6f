"""Strategy domain: variables, conditions, rules, validation and serialisation."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timezone

import pytest

from trading.strategy import (
    Condition,
    Kind,
    Rule,
    Strategy,
    StrategyError,
    build_strategy,
    parse_variable,
    rsi_rebound_strategy,
    sma_cross_strategy,
    strategy_variants,
)

WHEN = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)


def make(entry: list[str | Condition], exit: list[str | Condition], **kw: object) -> Strategy:
    return Strategy.create("test", entry, exit, created_at=WHEN, **kw)  # type: ignore[arg-type]


def problems_of(strategy: Strategy) -> list[str]:
    with pytest.raises(StrategyError) as info:
        strategy.validate()
    assert info.value.problems == strategy.problems()
    assert str(info.value).startswith("strategy 'test' is invalid:")
    return info.value.problems


# --------------------------------------------------------------------------------------------
# Variables and conditions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "source", "period", "kind"),
    [
        ("close", "close", None, Kind.PRICE),
        ("volume", "volume", None, Kind.VOLUME),
        ("sma_20", "sma", 20, Kind.PRICE),
        ("ema_200", "ema", 200, Kind.PRICE),
        ("rsi_14", "rsi", 14, Kind.OSCILLATOR),
        ("bb_upper_20", "bb_upper", 20, Kind.PRICE),
        ("bb_lower_5", "bb_lower", 5, Kind.PRICE),
        ("macd", "macd", None, Kind.MOMENTUM),
        ("macd_signal", "macd_signal", None, Kind.MOMENTUM),
    ],
)
def test_variables_parse(name: str, source: str, period: int | None, kind: Kind) -> None:
    var = parse_variable(name)
    assert (var.name, var.source, var.period, var.kind) == (name, source, period, kind)


@pytest.mark.parametrize("name", ["price", "sma", "sma_", "sma_x", "rsi14", "Close", "macd_20"])
def test_unknown_variables_are_rejected(name: str) -> None:
    with pytest.raises(StrategyError, match="unknown variable; known: open, high"):
        parse_variable(name)


@pytest.mark.parametrize("name", ["sma_0", "rsi_-3", "ema_1000001"])
def test_bad_periods_are_rejected(name: str) -> None:
    with pytest.raises(StrategyError, match="period must be between 1 and"):
        parse_variable(name)


def test_condition_parse_and_str() -> None:
    cond = Condition.parse("rsi_14 < 30")
    assert cond == Condition("rsi_14", "<", 30.0)
    assert str(cond) == "rsi_14 < 30"
    assert not cond.is_trigger and cond.variables() == ("rsi_14",)
    cross = Condition.parse("close  crosses_above   sma_20")
    assert cross == Condition("close", "crosses_above", "sma_20")
    assert cross.is_trigger and cross.variables() == ("close", "sma_20")
    assert str(Condition("close", ">", 30123.25)) == "close > 30123.25"
    with pytest.raises(StrategyError, match="expected '<variable> <operator>"):
        Condition.parse("rsi_14 <30")


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy",
    [build_strategy(), rsi_rebound_strategy(), sma_cross_strategy(), *strategy_variants(20)],
    ids=lambda s: s.name,
)
def test_ready_made_strategies_are_valid(strategy: Strategy) -> None:
    assert strategy.validate() is strategy
    assert strategy.problems() == []


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("closing < 3", "closing: unknown variable"),
        ("sma_0 > close", "sma_0: period must be between 1 and"),
        ("close > rsi_14", "cannot compare close (price) with rsi_14 (oscillator)"),
        ("rsi_14 crosses_above sma_20", "cannot compare rsi_14 (oscillator) with sma_20 (price)"),
        ("volume > close", "cannot compare volume (volume) with close (price)"),
        ("macd > ema_12", "cannot compare macd (momentum) with ema_12 (price)"),
        ("close crosses_above close", "close is compared with itself"),
        ("rsi_14 < 130", "ranges over 0..100, so the level 130 can never be crossed"),
        ("rsi_14 crosses_below -5", "ranges over 0..100"),
        ("close < 0", "close is a price, so the level must be > 0"),
        ("volume < -1", "volume is a volume, so the level must be >= 0"),
        ("close > nan", "non-finite level"),
        ("close == sma_20", "unknown operator '=='"),
    ],
)
def test_invalid_conditions_are_explained(condition: str, message: str) -> None:
    found = problems_of(make([condition], ["rsi_14 > 70"]))
    assert len(found) == 1
    assert found[0].startswith(f"entry: {Condition.parse(condition)}: ")
    assert message in found[0]


@pytest.mark.parametrize(
    "condition",
    ["macd crosses_above 0", "macd_hist < -12.5", "volume > 0", "close > 25000", "rsi_7 <= 100"],
)
def test_sensible_levels_are_accepted(condition: str) -> None:
    make([condition], ["rsi_14 > 70"]).validate()


def test_every_problem_is_reported_at_once() -> None:
    naive = datetime(2024, 1, 1)
    strategy = Strategy(
        name=" ",
        entry=Rule(()),
        exit=Rule.any_of("close > rsi_14", "rsi_2 > 101"),
        position_fraction=1.5,
        created_at=naive,
    )
    found = strategy.problems()
    assert found == [
        "name must be a non-empty string",
        "entry: no conditions",
        "exit: close > rsi_14: cannot compare close (price) with rsi_14 (oscillator)",
        "exit: rsi_2 > 101: rsi_2 ranges over 0..100, so the level 101 can never be crossed",
        "position_fraction must be in (0, 1], got 1.5",
        f"created_at must be a timezone-aware datetime, got {naive!r}",
    ]
    with pytest.raises(StrategyError) as info:
        strategy.validate()
    assert all(p in str(info.value) for p in found)


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.01, float("nan"), "half", True])
def test_bad_position_fraction(fraction: object) -> None:
    found = problems_of(make(["rsi_14 < 30"], ["rsi_14 > 70"], position_fraction=fraction))
    assert len(found) == 1 and found[0].startswith("position_fraction must be")


def test_empty_exit_rule_and_bad_combine() -> None:
    assert problems_of(make(["rsi_14 < 30"], [])) == ["exit: no conditions"]
    most = Rule((), "most")  # type: ignore[arg-type]
    bad = Strategy("test", Rule.all_of("rsi_14 < 30"), most, created_at=WHEN)
    assert problems_of(bad) == ["exit: combine must be 'all' or 'any', got 'most'"]


# --------------------------------------------------------------------------------------------
# Structure and serialisation
# --------------------------------------------------------------------------------------------


def test_create_builds_rules_from_strings() -> None:
    s = make(["rsi_14 < 30", "close crosses_above sma_20"], ["rsi_14 > 70"], position_fraction=0.25)
    assert s.entry == Rule.all_of(Condition("rsi_14", "<", 30.0), "close crosses_above sma_20")
    assert s.exit.combine == "any" and len(s.exit.conditions) == 1
    assert s.variables() == frozenset({"rsi_14", "close", "sma_20"})
    assert s.position_fraction == 0.25 and s.created_at == WHEN


def test_default_creation_time_is_now_in_utc() -> None:
    before = datetime.now(timezone.utc)
    s = Strategy.create("x", ["rsi_14 < 30"], ["rsi_14 > 70"])
    assert before <= s.created_at <= datetime.now(timezone.utc)


def test_json_round_trip() -> None:
    original = build_strategy()
    text = json.dumps(original.to_dict())
    restored = Strategy.from_dict(json.loads(text))
    assert restored == original
    assert restored.validate() is restored


def test_variants_are_distinct_and_spaced_in_time() -> None:
    variants = strategy_variants(300)
    assert len({v.name for v in variants}) == 300
    assert len({v.to_dict()["entry"]["conditions"][0][0] for v in variants}) > 10
    gaps = {(b.created_at - a.created_at).total_seconds() for a, b in itertools.pairwise(variants)}
    assert gaps == {60.0}
