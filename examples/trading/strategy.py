"""Strategy domain objects: variables, conditions, entry/exit rules and position sizing.

A :class:`Condition` compares a *variable* with another variable or a constant, e.g.
``rsi_14 < 30`` or ``close crosses_above sma_20``. Variables name price columns and indicators:

* ``open``, ``high``, ``low``, ``close``: candle prices (kind *price*);
* ``volume``: traded volume (kind *volume*);
* ``sma_N``, ``ema_N``: moving averages over N bars (*price*);
* ``bb_upper_N``, ``bb_middle_N``, ``bb_lower_N``: Bollinger bands over N bars, 2 std (*price*);
* ``rsi_N``: Wilder RSI over N bars, 0..100 (*oscillator*);
* ``macd``, ``macd_signal``, ``macd_hist``: MACD 12/26/9 (*momentum*).

Only variables of the same kind can be compared with each other (a price with a price, an RSI
with an RSI). A constant must lie in the kind's range: 0..100 for an oscillator, > 0 for a price,
>= 0 for volume. :meth:`Strategy.validate` reports every broken rule at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Literal

MAX_PERIOD = 100_000
COMPARISON_OPS = ("<", "<=", ">", ">=")
CROSS_OPS = ("crosses_above", "crosses_below")
OPERATORS = COMPARISON_OPS + CROSS_OPS
Combine = Literal["all", "any"]


class Kind(Enum):
    """What a variable measures; only variables of one kind are comparable."""

    PRICE = "price"
    VOLUME = "volume"
    OSCILLATOR = "oscillator"
    MOMENTUM = "momentum"


_PLAIN = {
    "open": Kind.PRICE,
    "high": Kind.PRICE,
    "low": Kind.PRICE,
    "close": Kind.PRICE,
    "volume": Kind.VOLUME,
    "macd": Kind.MOMENTUM,
    "macd_signal": Kind.MOMENTUM,
    "macd_hist": Kind.MOMENTUM,
}
_WITH_PERIOD = {
    "sma": Kind.PRICE,
    "ema": Kind.PRICE,
    "bb_upper": Kind.PRICE,
    "bb_middle": Kind.PRICE,
    "bb_lower": Kind.PRICE,
    "rsi": Kind.OSCILLATOR,
}
_PERIOD_RE = re.compile(r"^(sma|ema|bb_upper|bb_middle|bb_lower|rsi)_(-?\d+)$")


class StrategyError(ValueError):
    """A strategy, rule or condition that cannot be evaluated; ``problems`` lists why."""

    def __init__(self, subject: str, problems: list[str]) -> None:
        self.subject = subject
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{subject} is invalid:\n{lines}")


@dataclass(frozen=True, slots=True)
class Variable:
    """A parsed variable name: the indicator (or column), its period and its kind."""

    name: str
    source: str
    period: int | None
    kind: Kind


def parse_variable(name: str) -> Variable:
    """Parse a variable name such as ``close``, ``sma_20`` or ``rsi_14``.

    Raises StrategyError for unknown names and for periods outside 1..MAX_PERIOD.
    """
    kind = _PLAIN.get(name)
    if kind is not None:
        return Variable(name, name, None, kind)
    match = _PERIOD_RE.match(name)
    if match is None:
        known = ", ".join([*_PLAIN, *(f"{k}_N" for k in _WITH_PERIOD)])
        raise StrategyError(f"variable {name!r}", [f"unknown variable; known: {known}"])
    source, period = match.group(1), int(match.group(2))
    if not 1 <= period <= MAX_PERIOD:
        raise StrategyError(
            f"variable {name!r}", [f"period must be between 1 and {MAX_PERIOD}, got {period}"]
        )
    return Variable(name, source, period, _WITH_PERIOD[source])


def _level_problem(var: Variable, level: float) -> str | None:
    if not math.isfinite(level):
        return f"{var.name} is compared with a non-finite level {level!r}"
    if var.kind is Kind.OSCILLATOR and not 0.0 <= level <= 100.0:
        return f"{var.name} ranges over 0..100, so the level {level:g} can never be crossed"
    if var.kind is Kind.PRICE and level <= 0.0:
        return f"{var.name} is a price, so the level must be > 0, got {level:g}"
    if var.kind is Kind.VOLUME and level < 0.0:
        return f"{var.name} is a volume, so the level must be >= 0, got {level:g}"
    return None


@dataclass(frozen=True, slots=True)
class Condition:
    """``left op right``: a variable against another variable or a numeric level."""

    left: str
    op: str
    right: str | float

    @classmethod
    def parse(cls, text: str) -> Condition:
        """Parse ``"rsi_14 < 30"`` or ``"close crosses_above sma_20"``."""
        parts = text.split()
        if len(parts) != 3:
            raise StrategyError(
                f"condition {text!r}", ["expected '<variable> <operator> <variable or number>'"]
            )
        left, op, right = parts
        try:
            return cls(left, op, float(right))
        except ValueError:
            return cls(left, op, right)

    def __str__(self) -> str:
        right = self.right
        if isinstance(right, float) and right.is_integer():
            right = int(right)
        return f"{self.left} {self.op} {right}"

    @property
    def is_trigger(self) -> bool:
        """True for crosses, which fire on one bar, False for comparisons, which hold."""
        return self.op in CROSS_OPS

    def variables(self) -> tuple[str, ...]:
        """The variable names this condition reads."""
        return (self.left, self.right) if isinstance(self.right, str) else (self.left,)

    def problems(self) -> list[str]:
        """Everything wrong with this condition; empty when it can be evaluated."""
        found: list[str] = []
        if self.op not in OPERATORS:
            found.append(f"unknown operator {self.op!r}; expected one of {', '.join(OPERATORS)}")
        parsed: list[Variable] = []
        for name in self.variables():
            try:
                parsed.append(parse_variable(name))
            except StrategyError as exc:
                found.extend(f"{name}: {p}" for p in exc.problems)
        if len(parsed) != len(self.variables()):
            return found
        left = parsed[0]
        if isinstance(self.right, str):
            right = parsed[1]
            if right.name == left.name:
                found.append(f"{left.name} is compared with itself")
            elif right.kind is not left.kind:
                found.append(
                    f"cannot compare {left.name} ({left.kind.value}) with {right.name} ({right.kind.value})"
                )
        elif isinstance(self.right, bool) or not isinstance(self.right, (int, float)):
            found.append(f"right side must be a variable name or a number, got {self.right!r}")
        else:
            problem = _level_problem(left, float(self.right))
            if problem:
                found.append(problem)
        return found


ConditionLike = Condition | str


def _as_condition(item: ConditionLike) -> Condition:
    return Condition.parse(item) if isinstance(item, str) else item


@dataclass(frozen=True, slots=True)
class Rule:
    """Conditions combined with ``all`` (AND) or ``any`` (OR)."""

    conditions: tuple[Condition, ...]
    combine: Combine = "all"

    @classmethod
    def all_of(cls, *conditions: ConditionLike) -> Rule:
        """A rule that holds where every condition holds."""
        return cls(tuple(_as_condition(c) for c in conditions), "all")

    @classmethod
    def any_of(cls, *conditions: ConditionLike) -> Rule:
        """A rule that holds where at least one condition holds."""
        return cls(tuple(_as_condition(c) for c in conditions), "any")

    def __iter__(self) -> Iterator[Condition]:
        return iter(self.conditions)

    def problems(self, label: str) -> list[str]:
        """Everything wrong with this rule, each message prefixed with ``label``."""
        if self.combine not in ("all", "any"):
            return [f"{label}: combine must be 'all' or 'any', got {self.combine!r}"]
        if not self.conditions:
            return [f"{label}: no conditions"]
        found: list[str] = []
        for cond in self.conditions:
            if not isinstance(cond, Condition):
                found.append(f"{label}: expected a Condition, got {cond!r}")
                continue
            found.extend(f"{label}: {cond}: {p}" for p in cond.problems())
        return found


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class Strategy:
    """A long-only strategy: enter on ``entry``, exit on ``exit``, invest a fraction of equity."""

    name: str
    entry: Rule
    exit: Rule
    position_fraction: float = 1.0
    created_at: datetime = field(default_factory=_utc_now)
    description: str = ""

    @classmethod
    def create(
        cls,
        name: str,
        entry: Iterable[ConditionLike],
        exit: Iterable[ConditionLike],
        *,
        entry_combine: Combine = "all",
        exit_combine: Combine = "any",
        position_fraction: float = 1.0,
        created_at: datetime | None = None,
        description: str = "",
    ) -> Strategy:
        """Build a strategy from condition strings such as ``"rsi_14 < 30"``."""
        return cls(
            name=name,
            entry=Rule(tuple(_as_condition(c) for c in entry), entry_combine),
            exit=Rule(tuple(_as_condition(c) for c in exit), exit_combine),
            position_fraction=position_fraction,
            created_at=created_at if created_at is not None else _utc_now(),
            description=description,
        )

    def problems(self) -> list[str]:
        """Everything wrong with this strategy; empty when it is valid."""
        found: list[str] = []
        if not isinstance(self.name, str) or not self.name.strip():
            found.append("name must be a non-empty string")
        found.extend(self.entry.problems("entry"))
        found.extend(self.exit.problems("exit"))
        fraction = self.position_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)):
            found.append(f"position_fraction must be a number, got {fraction!r}")
        elif not 0.0 < fraction <= 1.0:
            found.append(f"position_fraction must be in (0, 1], got {fraction!r}")
        if not isinstance(self.created_at, datetime) or self.created_at.utcoffset() is None:
            found.append(f"created_at must be a timezone-aware datetime, got {self.created_at!r}")
        return found

    def validate(self) -> Strategy:
        """Return self if valid, else raise StrategyError listing every problem."""
        found = self.problems()
        if found:
            raise StrategyError(f"strategy {self.name!r}", found)
        return self

    def variables(self) -> frozenset[str]:
        """Every variable the entry and exit rules read."""
        return frozenset(
            name for rule in (self.entry, self.exit) for cond in rule for name in cond.variables()
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the strategy."""
        return {
            "name": self.name,
            "entry": _rule_to_dict(self.entry),
            "exit": _rule_to_dict(self.exit),
            "position_fraction": self.position_fraction,
            "created_at": self.created_at.isoformat(),
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Strategy:
        """Rebuild a strategy written by :meth:`to_dict`."""
        return cls(
            name=data["name"],
            entry=_rule_from_dict(data["entry"]),
            exit=_rule_from_dict(data["exit"]),
            position_fraction=float(data["position_fraction"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            description=data.get("description", ""),
        )


def _rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "combine": rule.combine,
        "conditions": [[c.left, c.op, c.right] for c in rule.conditions],
    }


def _rule_from_dict(data: Mapping[str, Any]) -> Rule:
    conditions = tuple(
        Condition(left, op, right if isinstance(right, str) else float(right))
        for left, op, right in data["conditions"]
    )
    return Rule(conditions, data["combine"])


# --------------------------------------------------------------------------------------------
# Ready-made strategies
# --------------------------------------------------------------------------------------------


def sma_cross_strategy(
    fast: int = 50, slow: int = 200, position_fraction: float = 1.0, name: str | None = None
) -> Strategy:
    """Trend following: enter on a golden cross of two SMAs, exit on the dead cross."""
    return Strategy.create(
        name or f"sma-cross-{fast}-{slow}",
        entry=[f"sma_{fast} crosses_above sma_{slow}"],
        exit=[f"sma_{fast} crosses_below sma_{slow}"],
        position_fraction=position_fraction,
        description="golden cross in, dead cross out",
    )


def rsi_rebound_strategy(
    rsi_period: int = 14,
    sma_period: int = 20,
    oversold: float = 45.0,
    overbought: float = 70.0,
    position_fraction: float = 0.5,
    name: str | None = None,
) -> Strategy:
    """Mean reversion: buy an oversold market turning up, sell when overbought or turning down."""
    return Strategy.create(
        name or f"rsi-rebound-{rsi_period}-{sma_period}",
        entry=[
            Condition(f"rsi_{rsi_period}", "<", oversold),
            f"close crosses_above sma_{sma_period}",
        ],
        exit=[
            Condition(f"rsi_{rsi_period}", ">", overbought),
            f"close crosses_below bb_lower_{sma_period}",
        ],
        entry_combine="all",
        exit_combine="any",
        position_fraction=position_fraction,
        description="oversold rebound with a Bollinger stop",
    )


def build_strategy() -> Strategy:
    """The showcase strategy, reading all five indicators: a 4-hour trend turn with momentum."""
    return Strategy.create(
        "trend-turn-240",
        entry=["rsi_60 < 50", "close crosses_above sma_240", "macd_hist > 0"],
        exit=["rsi_60 > 65", "close crosses_below bb_lower_240", "ema_60 crosses_below sma_240"],
        entry_combine="all",
        exit_combine="any",
        position_fraction=0.5,
        description="buy a turn above the 4-hour mean, leave on strength or breakdown",
    )


def strategy_variants(count: int, start: datetime | None = None) -> list[Strategy]:
    """``count`` distinct valid strategies created one minute apart (for the repository)."""
    origin = start if start is not None else datetime(2024, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(count):
        fast = 5 + i % 45
        out.append(
            Strategy.create(
                f"variant-{i:05d}",
                entry=[f"rsi_{7 + i % 21} < {20 + i % 20}", f"close crosses_above sma_{fast}"],
                exit=[f"sma_{fast} crosses_below ema_{fast + 10 + i % 90}"],
                position_fraction=0.1 + (i % 10) / 10.0 * 0.9,
                created_at=origin + timedelta(minutes=i),
            )
        )
    return out
