"""Supplements are asked for once and completely, answered within their window, and never make
a handler late; an apology's new date stays in office hours and within bounds."""

from datetime import timedelta

import pytest

from core.errors import Conflict, DomainError
from dossiers import services
from dossiers.models import Dossier, StepRun
from tests.support.cast import applicant_data, file_online
from tests.support.clock import TZ, at

# One cast per module (each test in its own savepoint), on the clock from Monday 2 March
# 2026, 08:00.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("module_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]


def filed(cast, procedure="1.000110") -> Dossier:
    return file_online(cast, procedure)


def processing(cast, clock) -> Dossier:
    d = filed(cast)
    clock.now = at(2026, 3, 2, 9, 0)
    services.receive(dossier=d.code, actor=cast.clerk)
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    return Dossier.objects.get(pk=d.pk)


def test_a_second_request_at_receipt_is_refused(cast):
    d = filed(cast)
    services.request_supplement(dossier=d.code, actor=cast.clerk, items=["Bản sao CCCD"])
    services.supplement(dossier=d.code, actor=cast.citizen)
    with pytest.raises(Conflict) as refused:
        services.request_supplement(dossier=d.code, actor=cast.clerk, items=["Giấy khác"])
    assert refused.value.code == "supplement_already_requested"
    # The officer's remaining choices: receive it or refuse receipt with reasons.
    actions = services.available_actions(Dossier.objects.get(pk=d.pk), cast.clerk)
    assert "request_supplement" not in actions
    assert {"receive", "refuse_receipt"} <= set(actions)


def test_one_request_at_receipt_and_one_during_processing(cast, clock):
    d = filed(cast)
    services.request_supplement(dossier=d.code, actor=cast.clerk, items=["Tờ khai"])
    services.supplement(dossier=d.code, actor=cast.citizen)
    services.receive(dossier=d.code, actor=cast.clerk)
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.request_supplement(dossier=d.code, actor=cast.specialist, items=["Bản đồ thửa đất"])
    services.supplement(dossier=d.code, actor=cast.citizen)
    with pytest.raises(Conflict) as refused:
        services.request_supplement(dossier=d.code, actor=cast.specialist, items=["Khác"])
    assert refused.value.code == "supplement_already_requested"


def test_a_supplement_after_its_deadline_is_refused_and_the_dossier_can_be_stopped(cast, clock):
    d = processing(cast, clock)
    services.request_supplement(dossier=d.code, actor=cast.specialist, items=["Bản vẽ"])
    d.refresh_from_db()
    # 15 working days from Mon 2 Mar 09:00 → Mon 23 Mar 09:00.
    assert d.supplement_deadline == at(2026, 3, 23, 9, 0)
    clock.now = at(2026, 3, 23, 9, 1)
    with pytest.raises(Conflict) as refused:
        services.supplement(dossier=d.code, actor=cast.citizen)
    assert refused.value.code == "supplement_deadline_passed"
    assert "supplement" not in services.available_actions(d, cast.citizen)
    stopped = services.stop(dossier=d.code, actor=cast.leader, reason="Quá hạn bổ sung")
    assert stopped.status == "stopped"
    assert stopped.supplement_deadline is None
    assert not stopped.pauses.filter(closed_at__isnull=True).exists()


def test_the_handler_is_not_late_for_the_time_the_applicant_took(cast, clock):
    d = processing(cast, clock)
    step = StepRun.objects.get(dossier=d, finished_at__isnull=True)
    step_due = step.due_at
    clock.now = at(2026, 3, 2, 10, 0)
    services.request_supplement(dossier=d.code, actor=cast.specialist, items=["Bản vẽ"])
    clock.now = at(2026, 3, 9, 10, 0)  # the applicant takes a week (5 working days)
    services.supplement(dossier=d.code, actor=cast.citizen)
    step.refresh_from_db()
    assert step.due_at > step_due
    assert step.due_at - step_due >= timedelta(days=7)
    clock.now = step.due_at - timedelta(minutes=1)
    services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
    step.refresh_from_db()
    assert step.timing in ("early", "on_time")


def test_an_apology_date_outside_office_hours_moves_into_them(cast, clock):
    d = processing(cast, clock)
    saturday_night = d.due_at + timedelta(days=2)
    while saturday_night.astimezone(TZ).weekday() != 5:
        saturday_night += timedelta(days=1)
    saturday_night = saturday_night.astimezone(TZ).replace(hour=22, minute=0)
    rescheduled = services.reschedule(
        dossier=d.code, actor=cast.leader, reason="Cần xác minh", new_due_at=saturday_night
    )
    local = rescheduled.due_at.astimezone(TZ)
    assert local.weekday() == 0 and (local.hour, local.minute) == (7, 30)


def test_an_apology_may_not_promise_a_far_date(cast, clock):
    d = processing(cast, clock)
    with pytest.raises(DomainError) as refused:
        services.reschedule(
            dossier=d.code,
            actor=cast.leader,
            reason="Cần xác minh",
            new_due_at=at(2027, 6, 1, 9, 0),
        )
    assert "new_due_at" in refused.value.errors
    d.refresh_from_db()
    assert d.reschedule_count == 0


def test_counter_intake_counts_only_what_was_handed_in(cast):
    with pytest.raises(DomainError) as refused:
        services.counter_intake(
            actor=cast.clerk,
            procedure_code="1.001193",
            applicant=applicant_data(cast),
            summary="Thiếu giấy tờ",
            components=[],
        )
    assert refused.value.code == "incomplete"
