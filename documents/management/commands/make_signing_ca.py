from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from documents.signing import FILES, make_local_ca


class Command(BaseCommand):
    help = (
        "Create a local test CA and a signing certificate for e-results (idempotent: existing "
        "files are kept unless --force). For development and demonstrations only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            help="folder to write ca.pem, ca.key.pem, signer.pem, signer.key.pem "
            "(default: settings.SIGNING_DIR)",
        )
        parser.add_argument(
            "--force", action="store_true", help="replace existing files with a new CA and signer"
        )

    def handle(self, *args, directory=None, force=False, **options):
        directory = Path(directory or settings.SIGNING_DIR)
        existed = all((directory / name).exists() for name in FILES.values())
        try:
            paths = make_local_ca(directory, force=force)
        except (FileExistsError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if existed and not force:
            self.stdout.write(f"Signing CA already present in {directory} (kept):")
        else:
            self.stdout.write(self.style.SUCCESS(f"Signing CA created in {directory}:"))
        for role, path in paths.items():
            self.stdout.write(f"  {role}: {path}")
