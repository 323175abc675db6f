"""A small crypto-trading backtest system: indicators, triggers, strategies, data, backtests."""
