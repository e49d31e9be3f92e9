"""The database router used when a read replica is configured (DATABASE_REPLICA_URL; the rules
are in core/replica.py and docs/deployment.md "Read replica")."""

from __future__ import annotations

from core import replica


class ReplicaRouter:
    """Writes and migrations to the primary; reads to the replica only inside
    `core.replica.reading_from_replica()`, never after the request's own write, never when the
    replica lags or is down."""

    def db_for_read(self, model, **hints):
        return replica.db_for_read()

    def db_for_write(self, model, **hints):
        # From here on, this request (or task) reads what it wrote: the primary.
        replica.pin_to_primary()
        return replica.PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == replica.PRIMARY
