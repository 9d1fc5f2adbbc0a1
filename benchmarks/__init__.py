"""Benchmarks: scripts that print timings (see benchmarks/run)."""
