import sys

from django.core.management.base import BaseCommand

from procedures.catalogue.exporter import export_catalogue


class Command(BaseCommand):
    help = "Export the catalogue in force in the import format (JSON or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, format, output, **options):
        text = export_catalogue(format)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            self.stdout.write(self.style.SUCCESS(f"Catalogue written to {output}"))
        else:
            sys.stdout.write(text)
