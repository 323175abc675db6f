"""The only code that decides pass or fail: budgets, noisy times, baselines, history steps."""
