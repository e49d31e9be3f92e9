"""The service centre's tests: the ward centre of the cast (tests/support/cast.py) with two
service groups (A hộ tịch, B đất đai) and three counters (1: A, 2: B, 3: A and B), a second
receiving officer there, and helpers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.roles import Role
from servicecentre import board
from servicecentre.models import Centre, Counter, ServiceGroup
from tests.support.cast import Cast, make_user


@dataclass
class Hall:
    cast: Cast
    centre: Centre
    a: ServiceGroup
    b: ServiceGroup
    one: Counter
    two: Counter
    three: Counter
    colleague: object  # a second receiving officer of the ward centre
    other_centre: Centre


def build_hall(cast: Cast) -> Hall:
    centre = Centre.objects.create(agency=cast.centre)
    a = ServiceGroup.objects.create(centre=centre, letter="A", name="Hộ tịch", slot_capacity=2)
    b = ServiceGroup.objects.create(
        centre=centre, letter="B", name="Đất đai", slot_capacity=1, position=1
    )
    one = Counter.objects.create(centre=centre, number=1)
    one.groups.set([a])
    two = Counter.objects.create(centre=centre, number=2)
    two.groups.set([b])
    three = Counter.objects.create(centre=centre, number=3)
    three.groups.set([a, b])
    other = Centre.objects.create(agency=cast.provincial_centre)
    ServiceGroup.objects.create(centre=other, letter="A", name="Hộ tịch")
    colleague = make_user("colleague", Role.RECEIVING_OFFICER, cast.centre)
    board.invalidate(centre.pk)
    return Hall(cast, centre, a, b, one, two, three, colleague, other)


@pytest.fixture
def hall(cast) -> Hall:
    return build_hall(cast)


@pytest.fixture
def citizen_slot(hall):
    """Book, as the cast's citizen (the clock moved back a day for the booking), the group's
    slot that starts at `starts_at`; returns the appointment."""
    from datetime import timedelta

    import time_machine

    from servicecentre import services

    def book(group, starts_at, citizen=None):
        with time_machine.travel(starts_at - timedelta(days=1), tick=False):
            slot = next(
                s for s in services.slots_for(group, starts_at.date()) if s.starts_at == starts_at
            )
            return services.book(citizen or hall.cast.citizen, slot)

    return book
