"""Dossiers: the cases (filled in by the lifecycle issue)."""
