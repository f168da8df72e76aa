"""Benchmarks: they print figures (and write bench/results/*.json); they are not tests."""
