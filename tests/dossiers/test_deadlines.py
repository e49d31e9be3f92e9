"""Deadlines a citizen is promised and officers are judged by: the due date at receipt from the
working-day calendar, pauses for supplements and payment, the terms frozen at filing, the overdue
and apology queues, and the process-control slip's early / on time / late (docs/domain.md §3-4)."""

from datetime import datetime
from unittest import mock

import pytest

from dossiers import selectors, services
from dossiers.models import Dossier, bulk_writes
from procedures.models import Procedure, ProcessStep
from tests.support.cast import applicant_data, file_online
from tests.support.clock import at

# One cast per module (each test in its own savepoint), on the clock from Monday 2 March
# 2026, 08:00.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("module_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]


def url(code: str, action: str | None = None) -> str:
    if action is None:
        return f"/api/v1/dossiers/{code}/"
    return f"/api/v1/dossiers/{code}/{action.replace('_', '-')}/"


def due_of(response) -> datetime:
    assert response.status_code in (200, 201), response.json()
    return datetime.fromisoformat(response.json()["due_at"])


def received(cast, clock, procedure, when) -> Dossier:
    d = file_online(cast, procedure)
    clock.now = when
    services.receive(dossier=d.code, actor=cast.clerk)
    d.refresh_from_db()
    return d


# --- the promised date at receipt -------------------------------------------------------------
@pytest.mark.parametrize(
    ("procedure", "receipt", "due"),
    [
        # Friday after the 15:00 cut-off: the clock starts Monday 07:30.
        ("1.001193", at(2026, 3, 6, 16, 0), at(2026, 3, 9, 17, 0)),
        ("1.000110", at(2026, 3, 6, 16, 0), at(2026, 3, 27, 17, 0)),
        ("2.000488", at(2026, 3, 6, 16, 0), at(2026, 3, 9, 11, 30)),
        # Exactly 15:00 counts as after the cut-off.
        ("1.001193", at(2026, 3, 5, 15, 0), at(2026, 3, 6, 17, 0)),
        # A Saturday receipt (online dossiers can be received any day) counts from Monday.
        ("1.001193", at(2026, 3, 7, 10, 0), at(2026, 3, 9, 17, 0)),
        # Before Tết: 16-20/2/2026 are days off.
        ("1.001193", at(2026, 2, 13, 16, 0), at(2026, 2, 23, 17, 0)),
        ("1.001193", at(2026, 2, 13, 10, 0), at(2026, 2, 23, 10, 0)),
        ("1.000110", at(2026, 2, 13, 16, 0), at(2026, 3, 13, 17, 0)),
        ("1.000110", at(2026, 2, 12, 9, 0), at(2026, 3, 12, 9, 0)),
        # 4 working hours from Friday 14:00: 3 h on Friday, 1 h after Tết.
        ("2.000488", at(2026, 2, 13, 14, 0), at(2026, 2, 23, 8, 30)),
        # Lunch break: from the afternoon session (3.5 h), then 0.5 h the next morning.
        ("2.000488", at(2026, 3, 3, 12, 15), at(2026, 3, 4, 8, 0)),
    ],
)
def test_due_date_at_receipt_follows_the_working_calendar(cast, clock, procedure, receipt, due):
    clock.set(2026, 2, 2, 8, 0)
    dossier = file_online(cast, procedure)
    clock.now = receipt
    response = cast.client(cast.clerk).post(url(dossier.code, "receive"), {}, format="json")
    assert due_of(response) == due
    assert datetime.fromisoformat(response.json()["original_due_at"]) == due
    assert datetime.fromisoformat(response.json()["received_at"]) == receipt


@pytest.mark.parametrize(
    ("procedure", "due"),
    [
        ("1.001193", at(2026, 2, 23, 17, 0)),
        ("1.000110", at(2026, 3, 13, 17, 0)),
        ("2.000488", at(2026, 2, 23, 11, 30)),
    ],
)
def test_counter_intake_promises_the_same_date_on_the_receipt_slip(cast, clock, procedure, due):
    clock.set(2026, 2, 13, 16, 0)  # Friday before Tết, after the cut-off
    response = cast.client(cast.clerk).post(
        "/api/v1/counter/intake/",
        {
            "procedure": procedure,
            "applicant": applicant_data(cast),
            "summary": "Tại quầy",
            "components": [{"order": 1}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert datetime.fromisoformat(response.json()["dossier"]["due_at"]) == due
    assert datetime.fromisoformat(response.json()["receipt"]["due_at"]) == due


# --- supplements during processing: restart or shift --------------------------------------------
def _processing_with_supplement(cast, clock, request_at, arrive_at) -> tuple[Dossier, object]:
    dossier = received(cast, clock, "1.000110", at(2026, 3, 2, 9, 0))
    assert dossier.due_at == at(2026, 3, 23, 9, 0)  # 15 working days
    clock.set(2026, 3, 3, 9, 0)
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    clock.now = request_at
    services.request_supplement(dossier=dossier.code, actor=cast.specialist, items=["Tờ khai"])
    clock.now = arrive_at
    response = cast.client(cast.citizen).post(url(dossier.code, "supplement"), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "processing"
    return dossier, response


@pytest.mark.parametrize(
    ("arrive_at", "due"),
    [
        # The full 15 working days again from the supplement's arrival.
        (at(2026, 3, 11, 9, 0), at(2026, 4, 1, 9, 0)),
        # Arriving after the cut-off: from the next working morning.
        (at(2026, 3, 11, 16, 0), at(2026, 4, 1, 17, 0)),
    ],
)
def test_restart_rule_recomputes_the_due_date_from_the_supplement(cast, clock, arrive_at, due):
    assert Procedure.objects.get(code="1.000110").supplement_rule == "restart"
    _, response = _processing_with_supplement(cast, clock, at(2026, 3, 4, 9, 0), arrive_at)
    assert due_of(response) == due
    assert datetime.fromisoformat(response.json()["original_due_at"]) == at(2026, 3, 23, 9, 0)


@pytest.mark.parametrize("where", ["procedure", "dossier"])
@pytest.mark.parametrize(
    ("request_at", "arrive_at", "due"),
    [
        # Paused five full working days: the due date moves five working days later.
        (at(2026, 3, 4, 9, 0), at(2026, 3, 11, 9, 0), at(2026, 3, 30, 9, 0)),
        # Paused 9.5 office hours (5 h on Wednesday, 4.5 h on Thursday).
        (at(2026, 3, 4, 10, 0), at(2026, 3, 5, 14, 0), at(2026, 3, 24, 11, 0)),
    ],
)
def test_shift_rule_moves_the_due_date_by_the_paused_time(
    cast, clock, where, request_at, arrive_at, due
):
    if where == "procedure":
        Procedure.objects.filter(code="1.000110").update(supplement_rule="shift")
        dossier, response = _processing_with_supplement(cast, clock, request_at, arrive_at)
    else:
        real_receive = services.receive

        def receive_then_set_rule(**kwargs):
            d = real_receive(**kwargs)
            d.terms["supplement_rule"] = "shift"
            with bulk_writes():  # test set-up past the one door
                Dossier.objects.filter(pk=d.pk).update(terms=d.terms)
            return d

        with mock.patch.object(services, "receive", receive_then_set_rule):
            dossier, response = _processing_with_supplement(cast, clock, request_at, arrive_at)
    assert due_of(response) == due
    dossier.refresh_from_db()
    assert dossier.terms["supplement_rule"] == "shift"
    assert dossier.original_due_at == at(2026, 3, 23, 9, 0)


def test_a_supplement_at_receipt_leaves_the_clock_to_the_receipt(cast, clock):
    dossier = file_online(cast, "1.000110")
    clock.set(2026, 3, 2, 9, 0)
    services.request_supplement(dossier=dossier.code, actor=cast.clerk, items=["Tờ khai"])
    clock.set(2026, 3, 9, 9, 0)
    supplied = cast.client(cast.citizen).post(url(dossier.code, "supplement"), {}, format="json")
    assert supplied.status_code == 200
    assert supplied.json()["status"] == "new"
    assert supplied.json()["due_at"] is None
    clock.set(2026, 3, 9, 10, 0)
    response = cast.client(cast.clerk).post(url(dossier.code, "receive"), {}, format="json")
    assert due_of(response) == at(2026, 3, 30, 10, 0)


def test_payment_always_shifts_the_due_date(cast, clock):
    dossier = received(cast, clock, "1.000110", at(2026, 3, 2, 9, 0))
    assert dossier.terms["supplement_rule"] == "restart"
    clock.set(2026, 3, 3, 9, 0)
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    clock.set(2026, 3, 4, 9, 0)
    services.request_payment(dossier=dossier.code, actor=cast.leader, amount=100000)
    clock.set(2026, 3, 11, 9, 0)
    response = cast.client(cast.clerk).post(
        url(dossier.code, "confirm_payment"), {"paid_online": True}, format="json"
    )
    assert due_of(response) == at(2026, 3, 30, 9, 0)
    assert response.json()["paid_online"] is True


# --- the terms frozen at filing -----------------------------------------------------------------
def test_a_catalogue_change_after_filing_does_not_touch_the_open_dossier(cast, clock):
    clock.set(2026, 3, 2, 8, 0)
    dossier = file_online(cast, "1.000110")
    terms = dict(dossier.terms)
    # The province amends the procedure: twice the time, the shift rule, a new process.
    Procedure.objects.filter(code="1.000110").update(
        processing_time_value=30, supplement_rule="shift"
    )
    ProcessStep.objects.filter(procedure__code="1.000110").update(name="Bước mới")
    ProcessStep.objects.filter(procedure__code="1.000110", role="leader").delete()

    clock.set(2026, 3, 2, 9, 0)
    response = cast.client(cast.clerk).post(url(dossier.code, "receive"), {}, format="json")
    assert due_of(response) == at(2026, 3, 23, 9, 0)  # 15 working days, not 30
    time = response.json()["processing_time"]
    assert (float(time["value"]), time["unit"]) == (15, "working_days")
    dossier.refresh_from_db()
    assert dossier.terms == terms
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    handed = cast.client(cast.specialist).post(
        url(dossier.code, "hand_over"), {"assignee": cast.leader.pk}, format="json"
    )
    assert handed.status_code == 200, handed.json()
    assert [(s["name"], s["role"]) for s in handed.json()["steps"]] == [
        ("Tiếp nhận hồ sơ", "receive"),
        ("Thẩm định hồ sơ", "specialist"),
        ("Phê duyệt kết quả", "leader"),
    ]
    # The frozen rule (restart, 15 days) still decides after a supplement.
    clock.set(2026, 3, 4, 9, 0)
    services.request_supplement(dossier=dossier.code, actor=cast.leader, items=["Tờ khai"])
    clock.set(2026, 3, 11, 9, 0)
    supplied = cast.client(cast.citizen).post(url(dossier.code, "supplement"), {}, format="json")
    assert due_of(supplied) == at(2026, 4, 1, 9, 0)

    # A dossier filed after the change gets the new terms.
    fresh = file_online(cast, "1.000110")
    assert float(fresh.terms["processing_time_value"]) == 30
    assert [s["name"] for s in fresh.terms["steps"]] == ["Bước mới"] * 3
    response = cast.client(cast.clerk).post(url(fresh.code, "receive"), {}, format="json")
    assert due_of(response) == at(2026, 4, 22, 9, 0)


# --- a time limit in months ---------------------------------------------------------------------
def test_a_limit_in_months_ends_on_the_corresponding_day_and_steps_share_its_office_time(
    cast, clock
):
    """A procedure published with "3 tháng": the promise is the corresponding day of the third
    month (Civil Code 2015 art. 148(3)), kept as months in the frozen terms, not 90 days.
    Received Mon 2 Mar 2026 09:00 -> Tue 2 Jun 17:00 (90 days would end Mon 1 Jun)."""
    Procedure.objects.filter(code="1.000110").update(
        processing_time_value=3, processing_time_unit="months"
    )
    dossier = received(cast, clock, "1.000110", at(2026, 3, 2, 9, 0))
    terms = dossier.terms
    assert (float(terms["processing_time_value"]), terms["processing_time_unit"]) == (3, "months")
    assert dossier.due_at == dossier.original_due_at == at(2026, 6, 2, 17, 0)
    response = cast.client(cast.clerk).get(url(dossier.code))
    assert response.json()["processing_time"]["unit"] == "months"

    # A step's share of a months limit: its share of the office time the period holds from
    # the step's start (dossiers.rules.step_due). From Mon 2 Mar 10:00 to Tue 2 Jun 17:00 there
    # are 64 working days less 2.5 h = 63 2/3 working days; 60 % = 38.2 working days = 38 days
    # and 1.5 h: Thu 23 Apr 10:00 + 1.5 h (27/4 and 30/4 come later).
    clock.set(2026, 3, 2, 10, 0)
    assigned = cast.client(cast.leader).post(
        url(dossier.code, "assign"), {"assignee": cast.specialist.pk}, format="json"
    )
    assert assigned.status_code == 200, assigned.json()
    specialist = {s["role"]: s for s in assigned.json()["steps"]}["specialist"]
    assert datetime.fromisoformat(specialist["due_at"]) == at(2026, 4, 23, 11, 30)


# --- the overdue and apology queues ---------------------------------------------------------
def _queue(cast, clock, dues: dict) -> dict[str, Dossier]:
    """Dossiers in the given states with the given due dates (set directly)."""
    made = {}
    for name, (state, due) in dues.items():
        clock.set(2026, 3, 2, 9, 0)
        d = file_online(cast)
        if state != "new":
            services.receive(dossier=d.code, actor=cast.clerk)
        if state in ("processing", "result_ready"):
            services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
        if state == "result_ready":
            services.approve(dossier=d.code, actor=cast.leader)
        if state == "supplement_requested":
            services.request_supplement(dossier=d.code, actor=cast.leader, items=["Tờ khai"])
        with bulk_writes():  # test set-up past the one door
            Dossier.objects.filter(pk=d.pk).update(due_at=due)
        d.refresh_from_db()
        assert d.status == state
        made[name] = d
    return made


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {d["code"] for d in response.json()["results"]}


def test_overdue_and_due_soon_queues(cast, clock):
    d = _queue(
        cast,
        clock,
        {
            "late": ("received", at(2026, 3, 5, 9, 59)),
            "soon": ("processing", at(2026, 3, 6, 9, 0)),
            "later": ("received", at(2026, 3, 6, 10, 30)),
            "paused": ("supplement_requested", at(2026, 3, 4, 9, 0)),
            "done": ("result_ready", at(2026, 3, 4, 9, 0)),
            "new": ("new", None),
        },
    )
    code = {name: x.code for name, x in d.items()}
    clock.set(2026, 3, 5, 10, 0)  # Thursday
    leader = cast.client(cast.leader)
    assert _codes(leader.get("/api/v1/dossiers/", {"overdue": "true"})) == {code["late"]}
    assert _codes(leader.get("/api/v1/dossiers/", {"overdue": "false"})) == {
        code[n] for n in ("soon", "later", "paused", "done", "new")
    }
    assert _codes(leader.get("/api/v1/dossiers/", {"due_soon": "true"})) == {code["soon"]}
    clerk = cast.client(cast.clerk)
    assert _codes(clerk.get("/api/v1/dossiers/", {"overdue": "true"})) == {code["late"]}
    listed = {x["code"]: x["is_overdue"] for x in clerk.get("/api/v1/dossiers/").json()["results"]}
    assert listed == {
        code["late"]: True,
        code["soon"]: False,
        code["later"]: False,
        code["paused"]: False,
        code["done"]: False,  # its result came before the (moved) due date
        code["new"]: False,
    }

    everything = Dossier.objects.all()
    now = at(2026, 3, 5, 10, 0)
    assert set(selectors.overdue(everything, now).values_list("code", flat=True)) == {code["late"]}
    apologies = selectors.due_within_one_working_day(everything, now)
    assert set(apologies.values_list("code", flat=True)) == {code["soon"]}


@pytest.mark.parametrize(
    ("now", "inside", "outside"),
    [
        # Friday afternoon: one working day reaches Monday afternoon, over the weekend.
        (at(2026, 3, 6, 15, 0), at(2026, 3, 9, 9, 0), at(2026, 3, 9, 16, 0)),
        # The last morning before Tết: one working day reaches the first morning after it.
        (at(2026, 2, 13, 10, 0), at(2026, 2, 23, 9, 0), at(2026, 2, 23, 10, 30)),
    ],
)
def test_the_apology_list_counts_working_days(cast, clock, now, inside, outside):
    d = _queue(cast, clock, {"inside": ("received", inside), "outside": ("received", outside)})
    assert set(
        selectors.due_within_one_working_day(Dossier.objects.all(), now).values_list(
            "code", flat=True
        )
    ) == {d["inside"].code}
    clock.now = now
    response = cast.client(cast.leader).get("/api/v1/dossiers/", {"due_soon": "true"})
    assert _codes(response) == {d["inside"].code}
    assert not selectors.overdue(Dossier.objects.all(), now).exists()


def test_a_result_after_the_due_date_counts_as_late(cast, clock):
    dossier = received(cast, clock, "1.001193", at(2026, 3, 2, 9, 0))  # due Tue 3/3 09:00
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    clock.set(2026, 3, 4, 9, 0)
    leader = cast.client(cast.leader)
    assert _codes(leader.get("/api/v1/dossiers/", {"overdue": "true"})) == {dossier.code}
    approved = leader.post(url(dossier.code, "approve"), {}, format="json")
    assert approved.status_code == 200
    assert approved.json()["finished_late"] is True
    assert approved.json()["is_overdue"] is False  # no longer running: not in the overdue queue
    # Finished: no longer in the work queue of overdue dossiers, but still marked late.
    assert _codes(leader.get("/api/v1/dossiers/", {"overdue": "true"})) == set()


# --- the process-control slip (Mẫu 06) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("handed_at", "timing"),
    [
        (at(2026, 3, 12, 16, 0), "early"),
        (at(2026, 3, 13, 9, 30), "on_time"),
        (at(2026, 3, 13, 10, 0), "on_time"),
        (at(2026, 3, 13, 10, 1), "late"),
        (at(2026, 3, 16, 8, 0), "late"),
    ],
)
def test_step_runs_record_early_on_time_or_late(cast, clock, handed_at, timing):
    dossier = received(cast, clock, "1.000110", at(2026, 3, 2, 9, 0))
    clock.set(2026, 3, 2, 10, 0)
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    clock.now = handed_at
    response = cast.client(cast.specialist).post(
        url(dossier.code, "hand_over"), {"assignee": cast.leader.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    steps = {s["role"]: s for s in response.json()["steps"]}
    # The receipt step is done on the spot, well before its share of the time.
    assert steps["receive"]["timing"] == "early"
    specialist = steps["specialist"]
    # 60 % of 15 working days = 9 working days from Monday 10:00.
    assert datetime.fromisoformat(specialist["due_at"]) == at(2026, 3, 13, 10, 0)
    assert datetime.fromisoformat(specialist["finished_at"]) == handed_at
    assert specialist["timing"] == timing
    # The leader's step starts now with 20 % = 3 working days.
    leader = steps["leader"]
    assert datetime.fromisoformat(leader["started_at"]) == handed_at
    assert leader["timing"] == ""
