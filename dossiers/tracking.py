"""Public tracking by dossier code and the last 4 digits of the applicant's ID, with a limit on
wrong guesses per dossier code (the 4 digits have only 10,000 values: spreading requests over
many addresses must not help). Used by the API and by the public page the receipt's QR code
opens."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from . import selectors
from .models import Dossier


class TooManyAttempts(Exception):
    pass


def lookup(code: str, id4: str) -> Dossier | None:
    failures_key = f"track-failures:{code}"
    if cache.get(failures_key, 0) >= settings.ONECUA_TRACK_FAILURES_PER_CODE:
        raise TooManyAttempts
    dossier = selectors.track_public(code, id4)
    if dossier is None:
        cache.add(failures_key, 0, timeout=3600)
        try:
            cache.incr(failures_key)
        except ValueError:  # expired in between
            cache.set(failures_key, 1, timeout=3600)
    return dossier


def public_view(dossier: Dossier) -> dict:
    """What the public tracking shows: no personal data."""
    steps = dossier.step_runs.filter(finished_at__isnull=False).order_by("started_at", "id")
    return {
        "code": dossier.code,
        "procedure_name": dossier.terms.get("procedure_name", ""),
        "status": dossier.status,
        "status_display": dossier.get_status_display(),
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "finished_at": dossier.finished_at,
        "steps_done": [
            {"name": r.name, "finished_at": r.finished_at, "timing": r.timing} for r in steps
        ],
    }
