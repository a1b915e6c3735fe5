"""Test harness shared by the tests and benchmarks/ (not part of the fenjie package)."""
