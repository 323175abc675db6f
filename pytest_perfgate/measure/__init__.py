"""Measurement: time through pytest-benchmark, memory of one separate call, statistics."""
