"""Django's SQLite backend, which makes the database file's folder when it first opens the file.

The embedded default keeps its database in var/onecua.sqlite3 (config/settings.py); var/ is not
in the repository and importing the settings writes nothing, so the folder is made here, when a
connection is first needed (`manage.py migrate` on a fresh clone works without scripts/dev.sh).
"""

from pathlib import Path

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        name = conn_params["database"]
        # In-memory databases and URIs (file:…) name no folder to make.
        if not self.creation.is_in_memory_db(name) and not str(name).startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
