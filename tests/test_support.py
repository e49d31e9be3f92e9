"""The shared test helpers of tests/support/ do what the tests rely on: the frozen clock is read
by the code (its field defaults, other threads), DossierFactory reaches every status through the
services, and an e-result signed on the clock verifies."""

import threading
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from documents.signing import verify_pdf
from dossiers.models import Dossier, DossierStatus, Event
from organisations.models import AdministrativeUnit, Agency
from tests.support.cast import build_cast, build_small_cast
from tests.support.catalogue import seed_province
from tests.support.clock import TZ, at
from tests.support.dossiers import DossierFactory, small_world

pytestmark = pytest.mark.django_db


def test_at_is_an_aware_local_moment():
    moment = at(2026, 3, 2, 9, 30)
    assert moment.tzinfo == TZ
    assert moment.utcoffset() == timedelta(hours=7)
    assert moment.timetuple()[:5] == (2026, 3, 2, 9, 30)
    assert at(2026, 3, 2) == at(2026, 3, 2, 0, 0, 0)


def test_the_clock_starts_on_monday_2_march_2026_at_9_and_stays(clock):
    assert clock.now == at(2026, 3, 2, 9, 0)
    assert timezone.now() == clock.now
    assert timezone.now() == clock.now  # frozen: time does not tick


def test_the_clock_moves_and_field_defaults_follow_it(clock):
    clock.set(2026, 3, 3, 10, 0)
    assert timezone.now() == at(2026, 3, 3, 10, 0)
    clock.now += timedelta(hours=2)
    assert timezone.now() == at(2026, 3, 3, 12, 0)
    assert clock.advance(minutes=30) == at(2026, 3, 3, 12, 30)
    clock.now = at(2026, 3, 4, 8, 0)
    # `default=timezone.now` was bound when the model was defined: it follows all the same.
    assert User.objects.create(username="thoi-gian").date_joined == at(2026, 3, 4, 8, 0)


def test_another_thread_reads_the_clock(clock):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(timezone.now()))
    thread.start()
    thread.join()
    assert seen == [clock.now]


@pytest.mark.clock(2026, 1, 5, 7, 30)
def test_the_marker_puts_the_test_on_the_clock_at_its_moment():
    assert timezone.now() == at(2026, 1, 5, 7, 30)


def test_the_clock_refuses_a_naive_moment(clock):
    with pytest.raises(ValueError):
        clock.now = at(2026, 3, 2).replace(tzinfo=None)


@pytest.mark.clock()
@pytest.mark.parametrize("status", list(DossierStatus))
def test_dossier_factory_reaches_every_status_through_the_services(status):
    dossier = DossierFactory(status=status)
    assert isinstance(dossier, Dossier)
    assert dossier.status == status
    actions = list(dossier.events.order_by("id").values_list("action", flat=True))
    assert actions[0] == "submit"
    assert len(actions) == Event.objects.filter(dossier=dossier).count()
    # The small world: two units and six agencies, not the province.
    assert Agency.objects.count() == 6


@pytest.mark.clock()
@pytest.mark.parametrize("status", ["received", "processing", "returned"])
def test_dossier_factory_at_the_counter(status):
    dossier = DossierFactory(status=status, channel="counter")
    assert dossier.status == status
    assert dossier.events.order_by("id").first().action == "intake"


def test_dossier_factory_refuses_what_it_cannot_make(db):
    with pytest.raises(ValueError):
        DossierFactory(status="new", channel="counter")
    with pytest.raises(ValueError):
        DossierFactory(status="archived")
    with pytest.raises(TypeError):
        DossierFactory.build()


def test_the_small_world_is_made_once_and_reused(db):
    first, second = DossierFactory(), DossierFactory()
    assert first.receiving_agency == second.receiving_agency == small_world().centre
    assert first.handling_agency == small_world().committee
    assert User.objects.filter(username="clerk").count() == 1


def test_a_test_has_a_small_world_of_its_own(cast, dossier_factory):
    dossier = dossier_factory(status="processing")
    assert dossier.receiving_agency == cast.centre
    assert dossier.assignee == cast.specialist
    assert Agency.objects.count() == 6


def test_the_province_cast_is_the_seeded_province(db):
    cast = build_cast()
    assert Agency.objects.count() == 319
    dossier = DossierFactory(cast=cast, status="received")
    assert dossier.receiving_agency == cast.centre
    assert dossier.handling_agency == cast.committee


def _places() -> dict:
    units = {
        u.code: (u.name, u.unit_type, u.codename, u.parent and u.parent.code)
        for u in AdministrativeUnit.objects.select_related("parent")
    }
    agencies = {
        a.code: (a.name, a.kind, a.unit.code, a.parent and a.parent.code)
        for a in Agency.objects.select_related("unit", "parent")
    }
    return {"units": units, "agencies": agencies}


def test_the_small_world_has_the_seeds_codes_and_names(db):
    saved = transaction.savepoint()
    build_small_cast()
    small = _places()
    transaction.savepoint_rollback(saved)
    seed_province()
    seeded = _places()
    assert small["units"] == {code: seeded["units"][code] for code in small["units"]}
    assert small["agencies"] == {code: seeded["agencies"][code] for code in small["agencies"]}


@pytest.mark.clock()
def test_an_e_result_signed_on_the_clock_verifies_on_it():
    dossier = DossierFactory(status="result_ready", e_result=True)
    with storages["documents"].open(dossier.e_result.file.path, "rb") as handle:
        report = verify_pdf(handle.read())
    assert report.ok, report
