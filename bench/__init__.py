"""Benchmark harness: a data generator and an HTTP + SQL feed benchmark (see README.md)."""
