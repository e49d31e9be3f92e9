"""The demo service centre (`seed_all` → `seed_service_centres`): a centre per service-centre
agency, groups A–E and counters 1–6 at the provincial centre, idempotent."""

import pytest
from django.core.management import call_command

from servicecentre.models import Centre, Counter, ServiceGroup

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(cast):
    call_command("seed_service_centres", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_service_centres", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(Centre.objects.values_list("agency_id", flat=True)) == {
        cast.centre.pk,
        cast.provincial_centre.pk,
    }
    provincial = Centre.objects.get(agency=cast.provincial_centre)
    groups = ServiceGroup.objects.filter(centre=provincial)
    assert [g.letter for g in groups] == ["A", "B", "C", "D", "E"]
    assert groups.get(letter="A").fields.filter(name__icontains="hộ tịch").exists()
    counters = Counter.objects.filter(centre=provincial)
    assert [c.number for c in counters] == [1, 2, 3, 4, 5, 6]
    assert all(c.groups.exists() for c in counters)
    assert not ServiceGroup.objects.filter(centre__agency=cast.centre).exists()
