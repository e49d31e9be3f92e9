"""Online appointments (đặt lịch hẹn, issue 15 §1): slots from the office sessions of working
days (core/calendar.py; Labor Code 2019 art. 112 for the holidays), capacity never exceeded, one
booking of a slot per citizen, cancellation until the slot starts, the check-in at the kiosk by
the appointment's QR token, the reminder the day before and the no-shows (the beat task)."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import Conflict, Forbidden, NotFound
from notifications.models import Notification, Preference
from outbox.models import OutboxMessage
from servicecentre import services, tasks
from servicecentre.models import AppointmentSlot, AppointmentStatus
from tests.support.cast import make_user
from tests.support.clock import at

pytestmark = [pytest.mark.django_db, pytest.mark.clock(2026, 3, 2, 9, 0)]
TUESDAY = date(2026, 3, 3)


def slot_at(group, day, hour, minute=0):
    starts = at(day.year, day.month, day.day, hour, minute)
    return next(s for s in services.slots_for(group, day) if s.starts_at == starts)


def test_slots_fill_the_office_sessions_of_working_days(hall):
    slots = list(services.slots_for(hall.a, TUESDAY))
    # 07:30–11:30 and 13:30–17:00 in 30-minute slots: 8 + 7.
    assert len(slots) == 15
    assert slots[0].starts_at == at(2026, 3, 3, 7, 30) and slots[-1].ends_at == at(2026, 3, 3, 17)
    assert {s.capacity for s in slots} == {2}
    assert list(services.slots_for(hall.a, TUESDAY)) == slots  # made once
    assert not services.slots_for(hall.a, date(2026, 3, 7)).exists()  # Saturday
    assert not services.slots_for(hall.a, date(2026, 4, 30)).exists()  # Reunification Day


def test_capacity_is_never_exceeded(hall):
    slot = slot_at(hall.b, TUESDAY, 8)  # group B: one place per slot
    services.book(hall.cast.citizen, slot)
    with pytest.raises(Conflict) as full:
        services.book(hall.cast.other_citizen, slot)
    assert full.value.code == "slot_full"
    assert "đủ số lượt" in str(full.value.detail)
    slot.refresh_from_db()
    assert slot.booked == 1


def test_a_second_booking_of_the_same_slot_is_refused(hall):
    slot = slot_at(hall.a, TUESDAY, 8)
    services.book(hall.cast.citizen, slot)
    with pytest.raises(Conflict) as twice:
        services.book(hall.cast.citizen, slot)
    assert twice.value.code == "already_booked"
    slot.refresh_from_db()
    assert slot.booked == 1


def test_only_citizens_book_future_slots_within_the_horizon(hall, clock):
    slot = slot_at(hall.a, TUESDAY, 8)
    with pytest.raises(Forbidden):
        services.book(hall.cast.clerk, slot)
    past = slot_at(hall.a, date(2026, 3, 2), 8)
    with pytest.raises(Conflict) as gone:
        services.book(hall.cast.citizen, past)
    assert gone.value.code == "slot_past"


def test_cancel_until_the_slot_starts_gives_the_place_back(hall, clock):
    slot = slot_at(hall.b, TUESDAY, 8)
    appointment = services.book(hall.cast.citizen, slot)
    with pytest.raises(NotFound):
        services.cancel(appointment, hall.cast.other_citizen)
    services.cancel(appointment, hall.cast.citizen)
    slot.refresh_from_db()
    assert slot.booked == 0
    again = services.book(hall.cast.other_citizen, slot)  # the place is free again
    with pytest.raises(Conflict):
        services.cancel(appointment, hall.cast.citizen)  # already cancelled
    clock.set(2026, 3, 3, 8, 0)
    with pytest.raises(Conflict) as started:
        services.cancel(again, hall.cast.other_citizen)
    assert started.value.code == "appointment_started"


def test_check_in_window_and_once(hall, clock):
    appointment = services.book(hall.cast.citizen, slot_at(hall.a, TUESDAY, 9))
    token = services.appointment_token(appointment)
    clock.set(2026, 3, 3, 7, 55)
    with pytest.raises(Conflict) as early:
        services.check_in(hall.centre, token)
    assert early.value.code == "too_early"
    with pytest.raises(NotFound):
        services.check_in(hall.other_centre, token)
    clock.set(2026, 3, 3, 8, 10)
    ticket = services.check_in(hall.centre, token)
    assert (ticket.label, ticket.priority, ticket.appointment_id) == ("A-001", True, appointment.pk)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    with pytest.raises(Conflict) as twice:
        services.check_in(hall.centre, token)
    assert twice.value.code == "already_checked_in"


def test_check_in_too_late(hall, clock):
    appointment = services.book(hall.cast.citizen, slot_at(hall.a, TUESDAY, 9))
    clock.set(2026, 3, 3, 9, 46)  # slot ends 09:30, grace 15 min
    with pytest.raises(Conflict) as late:
        services.check_in(hall.centre, services.appointment_token(appointment))
    assert late.value.code == "too_late"


def test_the_reminder_goes_the_day_before_once(hall, clock):
    """The day before, once: the citizen's inbox and e-mail (notifications/appointments.py),
    the e-mail through the outbox; the next day's appointment the next day."""
    hall.cast.citizen.email = "an@example.vn"
    hall.cast.citizen.save(update_fields=["email"])
    tomorrow = services.book(hall.cast.citizen, slot_at(hall.a, TUESDAY, 9))
    later = services.book(hall.cast.citizen, slot_at(hall.a, date(2026, 3, 4), 9))
    received = []
    services.appointment_reminder.connect(
        lambda sender, appointment, **kw: received.append(appointment.pk),
        weak=False,
        dispatch_uid="test.reminder",
    )
    try:
        result = tasks.appointments_tick()
        assert result == {"reminded": 1, "no_shows": 0}
        assert received == [tomorrow.pk]
        notices = Notification.objects.filter(
            kind="appointment_reminder", recipient=hall.cast.citizen
        )
        assert sorted(notices.values_list("channel", flat=True)) == ["email", "inbox"]
        email = notices.get(channel="email")
        assert "09:00 ngày 03/03/2026" in email.body and "Hộ tịch" in email.body
        assert email.address == "an@example.vn"
        assert OutboxMessage.objects.filter(
            topic="notify.email", reference={"notification": email.pk}
        ).exists()
        assert tasks.appointments_tick()["reminded"] == 0  # once
        assert notices.count() == 2
        clock.set(2026, 3, 3, 9, 0)
        assert tasks.appointments_tick()["reminded"] == 1
        assert received == [tomorrow.pk, later.pk]
    finally:
        services.appointment_reminder.disconnect(dispatch_uid="test.reminder")


def test_an_opted_out_citizen_gets_no_reminder(hall, clock):
    """The reminder is not legally required: 'only required notices' stops it (the appointment
    is still marked reminded, once)."""
    Preference.objects.create(user=hall.cast.citizen, only_required=True)
    appointment = services.book(hall.cast.citizen, slot_at(hall.a, TUESDAY, 9))
    assert tasks.appointments_tick()["reminded"] == 1
    assert not Notification.objects.filter(kind="appointment_reminder").exists()
    appointment.refresh_from_db()
    assert appointment.reminded_at is not None


def test_no_show_after_the_slot_end_and_the_grace(hall, clock):
    kept = services.book(hall.cast.citizen, slot_at(hall.a, TUESDAY, 9))
    missed = services.book(hall.cast.other_citizen, slot_at(hall.a, TUESDAY, 9))
    cancelled = services.book(make_user("c3", "citizen"), slot_at(hall.a, TUESDAY, 10))
    services.cancel(cancelled, cancelled.citizen)
    clock.set(2026, 3, 3, 8, 50)
    services.check_in(hall.centre, services.appointment_token(kept))
    clock.set(2026, 3, 3, 9, 44)  # 09:30 + 15 min grace not yet over
    assert tasks.appointments_tick()["no_shows"] == 0
    clock.set(2026, 3, 3, 9, 46)
    assert tasks.appointments_tick()["no_shows"] == 1
    statuses = {a.pk: a.status for a in type(kept).objects.all()}
    assert statuses == {kept.pk: "checked_in", missed.pk: "no_show", cancelled.pk: "cancelled"}


def test_a_slot_is_never_overbooked_in_the_database(hall):
    from django.db import IntegrityError, transaction

    slot = slot_at(hall.b, TUESDAY, 8)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked=5)
