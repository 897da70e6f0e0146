"""Benchmarks, load and fault scripts (not run by the test suite; see bench/README.md)."""
