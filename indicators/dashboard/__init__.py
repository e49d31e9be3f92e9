"""The leaders' dashboard: server-rendered pages over the indicators' figures, 766 scores and
lists (docs/indicators.md, "Dashboard")."""
