"""Shared fixtures for the trading examples.

The presence of this file puts ``examples/`` on ``sys.path`` (pytest's default ``prepend`` import
mode), so the tests import the ``trading`` package directly.
"""
