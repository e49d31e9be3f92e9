"""Integrations with the outside world (filled in by the portal-sync issue)."""
