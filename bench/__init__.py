"""Benchmark harness: seed a benchmark database and measure pages beside their raw SQL."""
