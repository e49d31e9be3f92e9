"""Dossier lists for the operations centre: the running dossiers overdue now, and those due
before the end of the local day (the dashboard shows both). Read from the dossier table (they
show the procedure and the handling agency), filtered like the measures."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from core.calendar import LOCAL_TZ
from dossiers.models import RUNNING, Dossier

from .measures import Filters

_RUNNING = sorted(RUNNING)  # received, processing: the clock runs


def _dossiers(f: Filters):
    """The dossiers the filters select (handling agency, procedure, field, level, channel)."""
    queryset = Dossier.objects.all()
    if f.agencies is not None:
        queryset = queryset.filter(handling_agency_id__in=sorted(f.agencies))
    if f.procedures is not None:
        queryset = queryset.filter(procedure_id__in=sorted(f.procedures))
    if f.field is not None:
        queryset = queryset.filter(procedure__field_id=f.field)
    if f.level is not None:
        queryset = queryset.filter(procedure__level=f.level)
    if f.channel is not None:
        queryset = queryset.filter(channel=f.channel)
    return queryset


def overdue_dossiers(f: Filters, *, now: datetime | None = None, limit: int = 50):
    """Running dossiers past their due date, most overdue first."""
    now = now or timezone.now()
    return (
        _dossiers(f)
        .filter(status__in=_RUNNING, due_at__lt=now)
        .select_related("procedure", "handling_agency")
        .order_by("due_at", "id")[:limit]
    )


def due_today_dossiers(f: Filters, *, now: datetime | None = None, limit: int = 50):
    """Running dossiers due between now and the end of the local day."""
    now = now or timezone.now()
    end = datetime.combine(
        timezone.localtime(now, LOCAL_TZ).date() + timedelta(days=1), time(), tzinfo=LOCAL_TZ
    )
    return (
        _dossiers(f)
        .filter(status__in=_RUNNING, due_at__gte=now, due_at__lt=end)
        .select_related("procedure", "handling_agency")
        .order_by("due_at", "id")[:limit]
    )


def selected(f: Filters):
    """The dossiers the filters select (for the panels of other apps, dashboard/extensions.py)."""
    return _dossiers(f)


__all__ = ["due_today_dossiers", "overdue_dossiers", "selected"]
