"""Time the trading workloads that the performance gates measure, and print a table.

Run from the repository root with ``python examples/bench_workloads.py``. Every numba kernel is
compiled (or loaded from its cache) first; each figure is the median wall time of several runs
(``time.perf_counter``), shown beside the median CPU time of the same runs
(``time.process_time``): on a busy machine the wall time grows while the CPU time does not. The
memory figure is the peak traced by ``tracemalloc`` during one 1-year backtest.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trading.backtest import run_backtest, signals, simulate
from trading.chart import downsample_minmax
from trading.data import ONE_YEAR, generate_ohlcv
from trading.indicators import standard_indicators
from trading.repository import save_batch, save_row_by_row
from trading.strategy import build_strategy, strategy_variants


def median_times(fn: Callable[..., Any], *args: Any, repeat: int, **kwargs: Any) -> tuple[float, float]:
    """Median wall and median CPU time in seconds of ``repeat`` calls (after one untimed call)."""
    fn(*args, **kwargs)
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(*args, **kwargs)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def peak_traced_bytes(fn: Callable[..., Any], *args: Any) -> int:
    """Peak bytes allocated (as traced by tracemalloc) during one call of ``fn``."""
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:9.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds:9.3f} s "


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per workload")
    args = parser.parse_args(argv)
    repeat: int = args.repeat

    started = time.perf_counter()
    small = generate_ohlcv(5_000, seed=1)
    run_backtest(build_strategy(), small)
    standard_indicators(small.close)
    downsample_minmax(small.close)
    print(f"numba warm-up (compile or load from cache): {time.perf_counter() - started:.2f} s")

    candles = generate_ohlcv(ONE_YEAR)
    prices_100k = generate_ohlcv(100_000, seed=7).close
    strategy = build_strategy()
    entry, exit_ = signals(strategy, candles)
    variants = strategy_variants(500)

    rows: list[tuple[str, str, str, str]] = []

    def timed(label: str, goal: str, fn: Callable[..., Any], *fn_args: Any, **kw: Any) -> float:
        wall, cpu = median_times(fn, *fn_args, repeat=repeat, **kw)
        rows.append((label, format_time(wall), format_time(cpu), goal))
        return wall

    timed("strategy creation", "100 ms", build_strategy)
    timed("trigger validation", "50 ms", strategy.validate)
    timed("data generation, 1 year of 1-min OHLCV", "~100 ms", generate_ohlcv, ONE_YEAR)
    timed("five indicators, 100k points", "20 ms", standard_indicators, prices_100k)
    timed("1-year backtest, whole", "1 s", run_backtest, strategy, candles)
    timed(
        "1-year backtest, kernel alone",
        "50 ms",
        simulate,
        candles,
        entry,
        exit_,
        position_fraction=strategy.position_fraction,
    )
    timed("chart downsampling, 1 year -> 1000 points", "100 ms", downsample_minmax, candles.close)

    with tempfile.TemporaryDirectory() as tmp:
        counter = itertools.count()

        def fresh_db() -> Path:
            return Path(tmp) / f"bench-{next(counter)}.sqlite"

        batch = timed("save 500 strategies, one transaction", "", save_batch, fresh_db, variants)
        rows_ = timed("save 500 strategies, row by row", "", save_row_by_row, fresh_db, variants)
    rows.append(("  batch speed-up (wall)", f"{rows_ / batch:9.1f} x ", "", ">= 1.4 x"))

    peak = peak_traced_bytes(run_backtest, strategy, candles)
    rows.append(("1-year backtest, peak traced memory", f"{peak / 2**20:9.1f} MiB", "", "100 MiB"))

    result = run_backtest(strategy, candles)
    width = max(len(r[0]) for r in rows)
    print(f"\nmedian of {repeat} runs after warm-up\n")
    print(f"{'workload':<{width}}  {'wall':>12}  {'cpu':>12}  goal")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 12}  {'-' * 8}")
    for label, wall, cpu, goal in rows:
        print(f"{label:<{width}}  {wall:>12}  {cpu:>12}  {goal}")
    print(
        f"\nbacktest of {strategy.name!r} on {len(candles):,} bars: {len(result.trades)} trades, "
        f"total return {result.total_return:+.1%}, max drawdown {result.max_drawdown:.1%}, "
        f"Sharpe {result.sharpe:.2f}"
    )


if __name__ == "__main__":
    main()
