from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from procedures.catalogue.files import CatalogueFileError
from procedures.catalogue.importer import CatalogueInvalid, import_catalogue


class Command(BaseCommand):
    help = (
        "Import a procedure catalogue (JSON or CSV). Validates every row first and imports "
        "nothing if any row is invalid; otherwise upserts by code in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(settings.ONECUA_CATALOGUE_FILE), help="catalogue file"
        )
        parser.add_argument("--format", choices=["json", "csv"], help="default: by extension")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, path, format, no_progress, **options):
        show = not no_progress and options["verbosity"] > 0

        def progress(items, total, label):
            return tqdm(items, total=total, desc=label, unit="tt", disable=not show, leave=False)

        try:
            report = import_catalogue(Path(path), fmt=format, progress=progress)
        except CatalogueFileError as exc:
            raise CommandError(str(exc)) from exc
        except CatalogueInvalid as exc:
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(
                f"{len(exc.errors)} error(s) found in {path}; nothing was imported."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Catalogue {path}: {report.total} procedures — {report.created} created, "
                f"{report.updated} updated, {report.unchanged} unchanged; "
                f"{report.fields_created} new fields."
            )
        )
