"""Metrics for operators: the Prometheus endpoint /metrics (docs/operations.md "Metrics")."""
