"""Benchmarks of incentsim: scripts run by hand, their numbers in docs/reference/performance.md."""
