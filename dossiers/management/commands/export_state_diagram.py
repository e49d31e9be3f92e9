from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from dossiers.diagram import markdown

DEFAULT = Path(settings.BASE_DIR) / "docs" / "state-diagram.md"


class Command(BaseCommand):
    help = "Write the dossier state diagram (Mermaid + table) generated from the state machine."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default=str(DEFAULT))

    def handle(self, *args, output, **options):
        Path(output).write_text(markdown(), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"State diagram written to {output}"))
