"""Benchmarks: scripts run as files (`.venv/bin/python bench/<name>.py`, bench/README.md), and
the generator of benchmark data (`bench.generation`), a package so that its tests can import it.
Nothing of the application imports this package."""
