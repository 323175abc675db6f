"""Root conftest: pytester for the plugin's own tests."""

# Imported once here: hypothesis's pytest plugin imports it at the end of every in-process pytester
# run, and pytester drops modules the outer session had not imported, so each run paid ~2 s for it.
import hypothesis  # noqa: F401

# The concurrency gate (loaded lazily by the plugin) pickles multiprocessing objects; a copy of
# multiprocessing imported inside one pytester run and dropped after it would not match the next.
import pytest_perfgate.gates.concurrent  # noqa: F401

pytest_plugins = ["pytester"]
