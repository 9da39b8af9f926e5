"""Pipelines the benchmarks copy into a temporary workspace next to their context."""
