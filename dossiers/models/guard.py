"""The one door's guard on bulk writes of dossiers (see `dossiers.services.door`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models

# --- the one door's guard on bulk writes --------------------------------------------------------
_bulk_writes: ContextVar[bool] = ContextVar("dossier_bulk_writes", default=False)


@contextmanager
def bulk_writes() -> Iterator[None]:
    """The one way past `dossier_action()` for writes of many rows at once: `rebuild_stats`
    and the generator of benchmark data. Nothing listens to these writes: recount after them."""
    token = _bulk_writes.set(True)
    try:
        yield
    finally:
        _bulk_writes.reset(token)


def _outside_the_door() -> None:
    if not _bulk_writes.get():
        raise PermissionError(
            "Dossier rows change through dossiers.services.dossier_action() "
            "(or inside dossiers.models.bulk_writes())"
        )


class DossierQuerySet(models.QuerySet):
    """Refuses the writes that would skip the one door: every change of a dossier goes through
    `dossiers.services.dossier_action`, which records it and tells the listeners (outbox,
    counters). `bulk_writes()` lifts the refusal."""

    def update(self, **kwargs):
        _outside_the_door()
        return super().update(**kwargs)

    def bulk_create(self, *args, **kwargs):
        _outside_the_door()
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args, **kwargs):
        _outside_the_door()
        return super().bulk_update(*args, **kwargs)
