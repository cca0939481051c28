"""Benchmarks: each figure is measured against a baseline taken in the same run, and reported as a ratio."""
