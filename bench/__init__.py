"""Benchmarks of gonghui against baselines measured in the same run: ``python -m bench`` (see
docs/benchmarks.md)."""
