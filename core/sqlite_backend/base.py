"""Django's SQLite backend, which makes the database file's folder when it first opens the file.

The embedded default keeps its database in var/onecua.sqlite3 (config/settings.py); var/ is not
in the repository and importing the settings writes nothing, so the folder is made here, when a
connection is first needed (`manage.py migrate` on a fresh clone works without scripts/dev.sh).
"""

import threading
from pathlib import Path

from django.db.backends.sqlite3 import base

# The write gate of the embedded run (outbox/background.py turns it on with its thread): SQLite
# lets one writer at a time, and a thread that finds the file locked sleeps in SQLite's busy
# handler (1, 2, 5, … 100 ms steps) however soon the lock is free again. With the delivery thread
# writing beside the request threads that cost the counter most of its throughput. With the gate
# on, the threads of this process queue on a Python lock for their write transactions instead
# (woken as soon as it is free). A timeout falls back to SQLite's own locking: never a deadlock.
_WRITE_GATE = threading.Lock()
WRITE_GATE_TIMEOUT = 20.0


class DatabaseWrapper(base.DatabaseWrapper):
    write_gate_on = False  # class-wide: set by outbox.background.start()/stop()
    _holds_gate = False

    def _start_transaction_under_autocommit(self):
        if type(self).write_gate_on and not self._holds_gate:
            self._holds_gate = _WRITE_GATE.acquire(timeout=WRITE_GATE_TIMEOUT)
        try:
            return super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_gate()
            raise

    def _release_gate(self):
        if self._holds_gate:
            self._holds_gate = False
            _WRITE_GATE.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_gate()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_gate()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_gate()

    def get_new_connection(self, conn_params):
        name = conn_params["database"]
        # In-memory databases and URIs (file:…) name no folder to make.
        if not self.creation.is_in_memory_db(name) and not str(name).startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
