from django.core.management.base import BaseCommand

from servicecentre.seed import ensure_centres, seed_demo_centre


class Command(BaseCommand):
    help = (
        "A service centre record for every service-centre agency, and (unless --no-demo) the "
        "demo groups and counters of the provincial centre. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="no demo groups and counters")

    def handle(self, *args, no_demo, **options):
        created = ensure_centres()
        self.stdout.write(f"Service centres: {created} created.")
        if not no_demo:
            centre = seed_demo_centre()
            if centre is not None:
                self.stdout.write(
                    f"Demo centre: {centre} (id {centre.pk}): "
                    f"kiosk /trung-tam/{centre.pk}/may-lay-so/, "
                    f"board /trung-tam/{centre.pk}/bang-goi-so/, counter panel /quay-phuc-vu/."
                )
