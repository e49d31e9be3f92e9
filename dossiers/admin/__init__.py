"""The dossier console in the Django admin: read everything, change nothing directly (the
dossier page's action buttons call the services). Modules: `dossier` (the dossier list and
page, its action and form views), `inlines` (its records), `filters` (list filters and the
paginator made for millions of rows), `applicant`, `results` (e-results), `access` (who may
read)."""

from . import applicant, dossier, results  # noqa: F401 - registers the admin pages
