"""The office clock moved to `core/clock.py` (the door computes `Dossier.watch_at` with it, and
`dossiers` may not import `watchdog`); kept here for the callers that import it from here."""

from core.clock import WorkingClock

__all__ = ["WorkingClock"]
