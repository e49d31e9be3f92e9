"""The leaders' dashboard: server-rendered pages over the indicators selectors (docs/indicators.md,
"Dashboard")."""
