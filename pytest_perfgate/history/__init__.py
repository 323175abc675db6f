"""History of performance runs: a store (SQLite or PostgreSQL), trends and step detection.

The recorder and the check load only when their options are given (see runtest/session.py)."""
