"""manage.py rotate_field_keys: re-encrypt every encrypted value with the newest key of
ONECUA_FIELD_KEYS (core/rotation.py; docs/personal-data.md, "Rotating the keys")."""

from django.core.management.base import BaseCommand, CommandError

from core.crypto import DecryptionError
from core.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted personal value with the newest key of ONECUA_FIELD_KEYS "
        "(batched, one transaction per batch; values already under the newest key are skipped, "
        "so the command can be rerun and resumes). --rehash also recomputes the keyed hashes "
        "(after ONECUA_HMAC_KEY changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--rehash",
            action="store_true",
            help="Recompute the keyed hashes beside the values with the current ONECUA_HMAC_KEY.",
        )

    def handle(self, *args, batch_size, rehash, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        verbosity = options["verbosity"]

        def progress(report):
            if verbosity >= 2:
                self.stdout.write(f"  {report.table}: {report.rows} rows read")

        try:
            reports = rotate_all(batch_size=batch_size, rehash=rehash, progress=progress)
        except DecryptionError as error:
            raise CommandError(str(error)) from error
        for report in reports:
            self.stdout.write(
                f"{report.table}: {report.rows} rows, {report.values} values re-encrypted, "
                f"{report.rewritten} rows written"
            )
        self.stdout.write(self.style.SUCCESS("Every encrypted value is under the newest key."))
