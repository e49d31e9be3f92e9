from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.seed import seed_demo_accounts
from organisations.seed import seed_agencies, seed_units


class Command(BaseCommand):
    help = (
        "Load everything a fresh installation needs, idempotently: the province's administrative "
        "units, its agencies, the procedure catalogue and (unless --no-demo) the demo accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="skip the demo accounts")
        parser.add_argument("--no-catalogue", action="store_true", help="skip the catalogue")

    def handle(self, *args, no_demo, no_catalogue, **options):
        province, units = seed_units()
        self.stdout.write(
            f"Administrative units: {province.name} with {province.children.count()} "
            f"communes/wards ({units} created)."
        )
        agencies = seed_agencies(province)
        self.stdout.write(f"Agencies: {agencies} created.")
        if not no_catalogue:
            call_command(
                "import_catalogue",
                str(settings.ONECUA_CATALOGUE_FILE),
                no_progress=options["verbosity"] < 2,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        # The service centres (servicecentre/seed.py): a record per centre, and with the demo
        # the provincial centre's groups and counters (the kiosk and board of `dev.sh run`).
        call_command("seed_service_centres", no_demo=no_demo, stdout=self.stdout)
        if not no_demo:
            password = settings.ONECUA_DEMO_PASSWORD
            created = seed_demo_accounts(password)
            if created:
                self.stdout.write(
                    f"Demo accounts created: {', '.join(created)} (password: {password})."
                )
            else:
                self.stdout.write("Demo accounts already exist.")
