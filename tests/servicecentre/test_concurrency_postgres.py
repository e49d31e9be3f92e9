"""What only PostgreSQL can show (issue 15 §1): real concurrent transactions on the queue.

- Ticket numbers: kiosks issuing at once get distinct, consecutive numbers per group and day
  (the one-statement upsert of servicecentre/numbering.py).
- Call-next: counters calling at once never get the same ticket (SELECT … FOR UPDATE SKIP
  LOCKED), and every waiting ticket is called exactly once.
- Booking: citizens booking the last places of a slot at once never exceed its capacity.

Threads with their own connections start together at a barrier; every wait is bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from accounts.models import User
from accounts.roles import Role
from core.errors import Conflict
from servicecentre import services
from servicecentre.models import AppointmentSlot, Counter, ServiceGroup, Ticket
from tests.support.cast import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.clock(2026, 3, 2, 9, 0),
]
TIMEOUT = 60.0


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL: row locks and SKIP LOCKED (this run uses {connection.vendor})"
        )


def together(jobs: list[Callable[[], object]]) -> list:
    """Each job in its own thread and connection, released together; results or exceptions."""
    barrier = threading.Barrier(len(jobs), timeout=TIMEOUT)
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '15s'")
            barrier.wait()
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, j), daemon=True) for i, j in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    return results


def test_concurrent_kiosks_get_distinct_consecutive_numbers(pg, hall):
    group_id = hall.a.pk
    results = together([lambda: services.issue_ticket(ServiceGroup.objects.get(pk=group_id))] * 16)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(t.number for t in results) == list(range(1, 17))
    assert Ticket.objects.filter(group_id=group_id).count() == 16


def test_concurrent_counters_never_call_the_same_ticket(pg, hall):
    officials, counters = [], []
    for n in range(6):
        counter = Counter.objects.create(centre=hall.centre, number=10 + n)
        counter.groups.set([hall.a, hall.b])
        official = make_user(f"officer{n}", Role.RECEIVING_OFFICER, hall.cast.centre)
        services.open_session(counter, official)
        officials.append(official.pk)
        counters.append(counter.pk)
    for _ in range(9):
        services.issue_ticket(hall.a)
        services.issue_ticket(hall.b)

    def call(counter_id, official_id):
        def job():
            counter = Counter.objects.select_related("centre").get(pk=counter_id)
            official = User.objects.get(pk=official_id)
            called = []
            for _ in range(10):
                try:
                    ticket = services.call_next(counter, official)
                except Exception as exc:  # queue_empty ends the round
                    if getattr(exc, "code", "") == "queue_empty":
                        break
                    raise
                called.append(ticket.pk)
                services.skip(ticket, official)
            return called

        return job

    results = together([call(c, o) for c, o in zip(counters, officials, strict=True)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    called = [pk for r in results for pk in r]
    assert len(called) == len(set(called)) == 18  # each ticket once, none twice
    assert set(Ticket.objects.values_list("status", flat=True)) == {"skipped"}
    assert all(t.calls == 1 for t in Ticket.objects.all())


def test_concurrent_bookings_never_exceed_the_capacity(pg, hall):
    from datetime import date

    slot = next(iter(services.slots_for(hall.a, date(2026, 3, 3))))  # capacity 2
    citizens = [make_user(f"citizen{n}", Role.CITIZEN).pk for n in range(8)]

    def book(pk):
        return lambda: services.book(
            User.objects.get(pk=pk), AppointmentSlot.objects.get(pk=slot.pk)
        )

    results = together([book(pk) for pk in citizens])
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 6 and {r.code for r in refused} == {"slot_full"}
    slot.refresh_from_db()
    assert slot.booked == 2
