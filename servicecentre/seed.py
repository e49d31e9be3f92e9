"""The demo service centre (idempotent): the provincial centre's service groups and counters,
so that `bash scripts/dev.sh run` shows a working kiosk, board and counter panel. The demo
receiving officer `tiepnhan` works at the provincial centre (accounts/seed.py)."""

from __future__ import annotations

from django.db import transaction

from organisations.models import SERVICE_CENTRE_KINDS, Agency, AgencyKind
from procedures.models import Field

from .models import Centre, Counter, ServiceGroup

# letter, name, words of the fields (lĩnh vực) it covers (matched in the field's name)
DEMO_GROUPS = (
    ("A", "Hộ tịch, chứng thực", ("hộ tịch", "chứng thực")),
    ("B", "Đất đai, xây dựng, tài nguyên", ("đất đai", "xây dựng", "tài nguyên", "môi trường")),
    (
        "C",
        "Doanh nghiệp, đầu tư, thương mại",
        ("doanh nghiệp", "đầu tư", "thương mại", "kinh doanh"),
    ),
    (
        "D",
        "Lao động, xã hội, y tế, giáo dục",
        ("lao động", "xã hội", "y tế", "giáo dục", "người có công"),
    ),
    ("E", "Các lĩnh vực khác", ()),
)
# counter number → the letters it serves
DEMO_COUNTERS = {1: "A", 2: "A", 3: "B", 4: "BC", 5: "CD", 6: "ADE"}


def provincial_centre_agency() -> Agency | None:
    return (
        Agency.objects.filter(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, is_active=True)
        .order_by("parent_id", "code")
        .first()
    )


def ensure_centres() -> int:
    """A Centre for every active service-centre agency (no groups: an administrator configures
    them); returns how many were created."""
    existing = set(Centre.objects.values_list("agency_id", flat=True))
    missing = Agency.objects.filter(kind__in=SERVICE_CENTRE_KINDS, is_active=True).exclude(
        pk__in=existing
    )
    created = Centre.objects.bulk_create([Centre(agency=a) for a in missing])
    return len(created)


@transaction.atomic
def seed_demo_centre(agency: Agency | None = None) -> Centre | None:
    """Groups A–E and six counters at the provincial centre (or `agency`), created once."""
    agency = agency or provincial_centre_agency()
    if agency is None:
        return None
    centre, _ = Centre.objects.get_or_create(agency=agency)
    fields = list(Field.objects.all())
    claimed: set[int] = set()
    groups = {}
    for position, (letter, name, words) in enumerate(DEMO_GROUPS):
        group, created = ServiceGroup.objects.get_or_create(
            centre=centre, letter=letter, defaults={"name": name, "position": position}
        )
        groups[letter] = group
        if created:
            if words:
                mine = [f for f in fields if any(w in f.name.lower() for w in words)]
            else:
                mine = [f for f in fields if f.pk not in claimed]
            claimed.update(f.pk for f in mine)
            group.fields.set(mine)
    for number, letters in DEMO_COUNTERS.items():
        counter, created = Counter.objects.get_or_create(centre=centre, number=number)
        if created:
            counter.groups.set([groups[letter] for letter in letters])
    return centre
