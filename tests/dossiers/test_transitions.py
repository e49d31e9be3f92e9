"""The state machine through the API: every action from each of its source states, refused from
every other state, with the side effects a one-stop officer relies on, and one audit Event per
action (docs/domain.md §3)."""

from datetime import datetime

import pytest

from dossiers import services
from dossiers.models import Dossier, Event, Pause, PauseKind, StepRun, bulk_writes
from tests.support.cast import applicant_data
from tests.support.clock import at
from tests.support.dossiers import DossierFactory

# One cast per module (each test in its own savepoint). Every test runs on Monday 2 March
# 2026, 09:00 local time, unless it moves the clock.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_cast"), pytest.mark.clock()]


STATES = [
    "new",
    "received",
    "processing",
    "supplement_requested",
    "awaiting_payment",
    "result_ready",
    "returned",
    "not_received",
    "withdrawn",
    "stopped",
]
# The lifecycle as the domain describes it (not read back from the code).
ALLOWED = {
    "receive": {"new"},
    "refuse_receipt": {"new"},
    "request_supplement": {"new", "received", "processing"},
    "supplement": {"supplement_requested"},
    "assign": {"received"},
    "hand_over": {"processing"},
    "request_payment": {"processing"},
    "confirm_payment": {"awaiting_payment"},
    "approve": {"processing"},
    "refuse": {"processing"},
    "return_result": {"result_ready"},
    "withdraw": {"new", "received", "processing", "supplement_requested", "awaiting_payment"},
    "stop": {"received", "processing", "supplement_requested", "awaiting_payment"},
    "reschedule": {"received", "processing"},
}
TARGET = {
    "receive": "received",
    "refuse_receipt": "not_received",
    "request_supplement": "supplement_requested",
    "assign": "processing",
    "hand_over": "processing",
    "request_payment": "awaiting_payment",
    "confirm_payment": "processing",
    "approve": "result_ready",
    "refuse": "result_ready",
    "return_result": "returned",
    "withdraw": "withdrawn",
    "stop": "stopped",
}


def url(code: str, action: str) -> str:
    return f"/api/v1/dossiers/{code}/{action.replace('_', '-')}/"


def actor_for(cast, action: str, state: str):
    """A user entitled to `action` on a dossier in `state` (so a refusal is about the state)."""
    if action in ("receive", "refuse_receipt", "return_result"):
        return cast.clerk
    if action == "request_supplement":
        return cast.clerk if state == "new" else cast.leader
    if action in ("supplement", "withdraw"):
        return cast.citizen
    return cast.leader


def payload(cast, action: str) -> dict:
    return {
        "refuse_receipt": {"reason": "Hồ sơ không thuộc thẩm quyền"},
        "request_supplement": {"items": ["Giấy chứng sinh"], "reason": "Thiếu giấy chứng sinh"},
        "assign": {"assignee": cast.specialist.pk},
        "hand_over": {"assignee": cast.leader.pk},
        "request_payment": {"amount": 50000},
        "confirm_payment": {"paid_online": True},
        "approve": {"e_result": True},
        "refuse": {"reason": "Không đủ điều kiện đăng ký"},
        "return_result": {"method": "post"},
        "stop": {"reason": "Quá hạn bổ sung hồ sơ"},
        "reschedule": {"reason": "Cần xác minh thêm", "new_due_at": "2026-12-31T10:00:00+07:00"},
    }.get(action, {})


def post(cast, user, code, action, body=None):
    return cast.client(user).post(url(code, action), body or {}, format="json")


def last_event(code) -> Event:
    return Event.objects.filter(dossier__code=code).order_by("-at", "-id").first()


# --- the matrix -------------------------------------------------------------------------------
@pytest.mark.parametrize("state", STATES)
def test_every_action_not_allowed_from_a_state_is_refused_with_409(cast, state):
    dossier = DossierFactory(cast=cast, status=state)
    events = Event.objects.filter(dossier=dossier).count()
    refused = [a for a, sources in ALLOWED.items() if state not in sources]
    assert refused, state
    for action in refused:
        user = actor_for(cast, action, state)
        response = post(cast, user, dossier.code, action, payload(cast, action))
        assert response.status_code == 409, (action, response.json())
        assert response["Content-Type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] == "transition_not_allowed", action
        assert body["status"] == 409
        assert body["dossier_status"] == state
        # The refusal tells the user what they can do instead: what the detail view offers.
        offered = cast.client(user).get(f"/api/v1/dossiers/{dossier.code}/").json()
        assert body["allowed_actions"] == offered["available_actions"], action
        assert action not in body["allowed_actions"]
    dossier.refresh_from_db()
    assert dossier.status == state
    assert Event.objects.filter(dossier=dossier).count() == events


ALLOWED_PAIRS = sorted(
    (action, source)
    for action, sources in ALLOWED.items()
    for source in sources
    if action not in ("supplement", "reschedule")
)


@pytest.mark.parametrize(("action", "source"), ALLOWED_PAIRS)
def test_every_allowed_transition_moves_the_dossier_and_records_one_event(cast, action, source):
    dossier = DossierFactory(cast=cast, status=source)
    before = Event.objects.filter(dossier=dossier).count()
    user = actor_for(cast, action, source)
    response = post(cast, user, dossier.code, action, payload(cast, action))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == TARGET[action]
    dossier.refresh_from_db()
    assert dossier.status == TARGET[action]
    assert Event.objects.filter(dossier=dossier).count() == before + 1
    event = last_event(dossier.code)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        action,
        source,
        TARGET[action],
        user.pk,
    )


# --- creation ---------------------------------------------------------------------------------
def test_online_submission_starts_new_without_a_due_date(cast, submit):
    body = submit()
    assert body["status"] == "new"
    assert body["received_at"] is None and body["due_at"] is None
    assert [(e["action"], e["from_status"], e["to_status"]) for e in body["timeline"]] == [
        ("submit", "", "new")
    ]


def test_counter_filed_dossier_is_created_directly_in_received(cast, clock):
    response = cast.client(cast.clerk).post(
        "/api/v1/counter/intake/",
        {
            "procedure": "1.001193",
            "applicant": applicant_data(cast),
            "summary": "Đăng ký khai sinh tại quầy",
            "components": [{"order": 1, "provided": True}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()["dossier"]
    assert body["status"] == "received"
    assert body["portal_status"] == 2
    assert body["channel"] == 1
    assert datetime.fromisoformat(body["received_at"]) == clock.now
    # 1 working day from Monday 09:00.
    assert datetime.fromisoformat(body["due_at"]) == at(2026, 3, 3, 9, 0)
    assert response.json()["receipt"]["due_at"] == body["due_at"]
    saved = Dossier.objects.get(code=body["code"])
    assert saved.original_due_at == saved.due_at
    # Digitised only once the counter scans the papers (issue 5).
    assert saved.is_digitised is False
    events = Event.objects.filter(dossier__code=body["code"])
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
        ("intake", "", "received", cast.clerk.pk)
    ]


# --- receipt ----------------------------------------------------------------------------------
def test_receive_starts_the_clock_and_records_the_receipt_step(cast, clock):
    dossier = DossierFactory(cast=cast, status="new")
    clock.set(2026, 3, 2, 10, 0)
    response = post(cast, cast.clerk, dossier.code, "receive")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert datetime.fromisoformat(body["received_at"]) == at(2026, 3, 2, 10, 0)
    assert datetime.fromisoformat(body["due_at"]) == at(2026, 3, 3, 10, 0)
    assert body["original_due_at"] == body["due_at"]
    assert [(s["role"], s["assignee"], s["finished_at"] is not None) for s in body["steps"]] == [
        ("receive", "clerk", True)
    ]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_refuse_receipt_needs_a_reason(cast, body):
    dossier = DossierFactory(cast=cast, status="new")
    response = post(cast, cast.clerk, dossier.code, "refuse_receipt", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "reason" in response.json()["errors"]
    dossier.refresh_from_db()
    assert dossier.status == "new"
    assert Event.objects.filter(dossier=dossier).count() == 1


def test_refuse_receipt_closes_the_dossier_with_its_reason(cast, clock):
    dossier = DossierFactory(cast=cast, status="new")
    response = post(cast, cast.clerk, dossier.code, "refuse_receipt", {"reason": "Sai thẩm quyền"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "not_received"
    assert body["portal_status"] == 3
    assert body["outcome_reason"] == "Sai thẩm quyền"
    assert datetime.fromisoformat(body["finished_at"]) == clock.now
    assert body["due_at"] is None
    assert body["available_actions"] == []


# --- supplements ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body", [{}, {"items": []}, {"items": ["   "]}, {"items": "Giấy chứng sinh"}]
)
def test_request_supplement_must_list_the_missing_items(cast, body):
    dossier = DossierFactory(cast=cast, status="new")
    response = post(cast, cast.clerk, dossier.code, "request_supplement", body)
    assert response.status_code == 400, response.json()
    assert any(key.startswith("items") for key in response.json()["errors"])
    dossier.refresh_from_db()
    assert dossier.status == "new"


@pytest.mark.parametrize(
    ("origin", "who"),
    [("new", "clerk"), ("received", "leader"), ("processing", "specialist")],
)
def test_request_supplement_at_receipt_and_during_processing(cast, clock, origin, who):
    dossier = DossierFactory(cast=cast, status=origin)
    user = getattr(cast, who)
    response = post(
        cast,
        user,
        dossier.code,
        "request_supplement",
        {"items": ["Giấy chứng sinh", "Giấy đăng ký kết hôn"], "reason": "Thiếu giấy tờ"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "supplement_requested"
    pause = Pause.objects.get(dossier=dossier)
    assert pause.kind == PauseKind.SUPPLEMENT
    assert pause.resume_to == origin
    assert pause.closed_at is None
    assert "Giấy chứng sinh" in pause.reason and "Giấy đăng ký kết hôn" in pause.reason
    # 15 working days for the applicant: from Mon 2/3 09:00 to Mon 23/3 09:00.
    assert pause.respond_by == at(2026, 3, 23, 9, 0)
    event = last_event(dossier.code)
    assert event.payload["items"] == ["Giấy chứng sinh", "Giấy đăng ký kết hôn"]


def test_the_counter_cannot_request_a_supplement_during_processing(cast):
    dossier = DossierFactory(cast=cast, status="processing")
    response = post(cast, cast.clerk, dossier.code, "request_supplement", {"items": ["Tờ khai"]})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_request_supplement_within_three_working_days_of_receipt(cast, clock):
    clock.set(2026, 3, 6, 9, 0)  # Friday
    dossier = DossierFactory(cast=cast, status="received", procedure="1.000110")
    # Wednesday 08:00: five calendar days later but under three working days (the weekend
    # does not count): 6 h + 7.5 h + 7.5 h + 0.5 h = 21.5 h < 22.5 h.
    clock.set(2026, 3, 11, 8, 0)
    response = post(cast, cast.leader, dossier.code, "request_supplement", {"items": ["Tờ khai"]})
    assert response.status_code == 200, response.json()


def test_request_supplement_after_three_working_days_is_refused(cast, clock):
    dossier = DossierFactory(cast=cast, status="received", procedure="1.000110")  # Mon 2/3 09:00
    clock.set(2026, 3, 6, 9, 0)  # four working days later
    response = post(cast, cast.leader, dossier.code, "request_supplement", {"items": ["Tờ khai"]})
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "supplement_window_closed"
    assert "request_supplement" not in body["allowed_actions"]
    assert "assign" in body["allowed_actions"]
    dossier.refresh_from_db()
    assert dossier.status == "received"
    assert not Pause.objects.filter(dossier=dossier).exists()


@pytest.mark.parametrize("origin", ["new", "received", "processing"])
def test_supplement_returns_the_dossier_to_where_it_was(cast, clock, origin):
    dossier = DossierFactory(cast=cast, status=origin)
    requester = cast.clerk if origin == "new" else cast.leader
    services.request_supplement(dossier=dossier.code, actor=requester, items=["Tờ khai"])
    clock.set(2026, 3, 2, 10, 0)
    response = post(cast, cast.citizen, dossier.code, "supplement", {"note": "Đã bổ sung"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == origin
    pause = Pause.objects.get(dossier=dossier)
    assert pause.closed_at == at(2026, 3, 2, 10, 0)
    event = last_event(dossier.code)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "supplement",
        "supplement_requested",
        origin,
        cast.citizen.pk,
    )


def test_the_counter_records_a_supplement_handed_in_on_paper(cast):
    dossier = DossierFactory(cast=cast, status="supplement_requested")
    response = post(cast, cast.clerk, dossier.code, "supplement")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "new"


# --- processing -------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["clerk", "other_leader", "citizen", "admin", "nobody", "gone"])
def test_assign_only_to_staff_of_the_handling_agency(cast, who):
    dossier = DossierFactory(cast=cast, status="received")
    if who == "nobody":
        assignee = 999_999
    elif who == "gone":
        type(cast.specialist).objects.filter(pk=cast.specialist.pk).update(is_active=False)
        assignee = cast.specialist.pk
    else:
        assignee = getattr(cast, who).pk
    response = post(cast, cast.leader, dossier.code, "assign", {"assignee": assignee})
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid_assignee"
    assert "assignee" in response.json()["errors"]
    dossier.refresh_from_db()
    assert (dossier.status, dossier.assignee_id) == ("received", None)
    assert not StepRun.objects.filter(dossier=dossier, role="specialist").exists()
    assert Event.objects.filter(dossier=dossier).count() == 2


def test_assign_starts_processing_with_the_specialist_step(cast):
    dossier = DossierFactory(cast=cast, status="received")
    response = post(cast, cast.leader, dossier.code, "assign", {"assignee": cast.specialist.pk})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "processing"
    assert body["assignee"] == "specialist"
    open_steps = [s for s in body["steps"] if s["finished_at"] is None]
    assert [(s["order"], s["role"], s["assignee"]) for s in open_steps] == [
        (2, "specialist", "specialist")
    ]


def test_hand_over_moves_to_the_next_step_then_runs_out_of_steps(cast):
    dossier = DossierFactory(cast=cast, status="processing")
    specialist = cast.client(cast.specialist)
    # The leader step needs a leader.
    wrong = specialist.post(
        url(dossier.code, "hand_over"), {"assignee": cast.specialist.pk}, format="json"
    )
    assert wrong.status_code == 400, wrong.json()
    assert wrong.json()["code"] == "invalid_assignee"
    assert StepRun.objects.get(dossier=dossier, order=2).finished_at is None

    handed = specialist.post(
        url(dossier.code, "hand_over"),
        {"assignee": cast.leader.pk, "note": "Trình ký"},
        format="json",
    )
    assert handed.status_code == 200, handed.json()
    body = handed.json()
    assert body["status"] == "processing"
    assert body["assignee"] == "leader"
    steps = {s["order"]: s for s in body["steps"]}
    assert steps[2]["finished_at"] is not None and steps[2]["note"] == "Trình ký"
    assert steps[3]["role"] == "leader" and steps[3]["assignee"] == "leader"
    assert steps[3]["finished_at"] is None

    # Only the return step is left: the leader decides instead of handing over.
    assert "hand_over" not in body["available_actions"]
    again = post(cast, cast.leader, dossier.code, "hand_over", {"assignee": cast.leader.pk})
    assert again.status_code == 409, again.json()
    assert again.json()["code"] == "no_next_step"
    assert {"approve", "refuse"} <= set(again.json()["allowed_actions"])
    assert Event.objects.filter(dossier=dossier, action="hand_over").count() == 1


def test_payment_pauses_processing_and_records_online_payment(cast):
    dossier = DossierFactory(cast=cast, status="processing")
    asked = post(cast, cast.leader, dossier.code, "request_payment", {"amount": 100000})
    assert asked.status_code == 200, asked.json()
    assert asked.json()["status"] == "awaiting_payment"
    assert asked.json()["portal_status"] == 6
    assert Pause.objects.get(dossier=dossier, closed_at__isnull=True).kind == PauseKind.PAYMENT
    assert last_event(dossier.code).payload == {"amount": 100000}

    paid = post(cast, cast.clerk, dossier.code, "confirm_payment", {"paid_online": True})
    assert paid.status_code == 200, paid.json()
    assert paid.json()["status"] == "processing"
    assert paid.json()["paid_online"] is True
    assert not Pause.objects.filter(dossier=dossier, closed_at__isnull=True).exists()


def test_payment_at_the_counter_is_not_flagged_online(cast):
    dossier = DossierFactory(cast=cast, status="awaiting_payment")
    paid = post(cast, cast.leader, dossier.code, "confirm_payment", {})
    assert paid.status_code == 200, paid.json()
    assert paid.json()["paid_online"] is False


@pytest.mark.parametrize("e_result", [True, False])
def test_approve_issues_the_result(cast, clock, e_result):
    dossier = DossierFactory(cast=cast, status="processing")
    clock.set(2026, 3, 2, 14, 0)
    response = post(cast, cast.leader, dossier.code, "approve", {"e_result": e_result})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "result_ready"
    assert body["portal_status"] == 9
    assert body["outcome"] == "approved"
    assert body["has_e_result"] is e_result
    assert datetime.fromisoformat(body["finished_at"]) == at(2026, 3, 2, 14, 0)
    assert body["assignee"] is None


@pytest.mark.parametrize("body", [{}, {"reason": "  "}])
def test_refuse_needs_a_reason(cast, body):
    dossier = DossierFactory(cast=cast, status="processing")
    response = post(cast, cast.leader, dossier.code, "refuse", body)
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    dossier.refresh_from_db()
    assert dossier.status == "processing"


def test_refuse_with_reasons_is_the_result(cast):
    dossier = DossierFactory(cast=cast, status="processing")
    response = post(cast, cast.leader, dossier.code, "refuse", {"reason": "Không đủ điều kiện"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["outcome"], body["outcome_reason"]) == (
        "result_ready",
        "refused",
        "Không đủ điều kiện",
    )
    assert body["has_e_result"] is False
    assert body["finished_at"] is not None


def test_return_result_records_when_and_how(cast, clock):
    dossier = DossierFactory(cast=cast, status="result_ready")
    clock.set(2026, 3, 3, 8, 0)
    bad = post(cast, cast.clerk, dossier.code, "return_result", {"method": "pigeon"})
    assert bad.status_code == 400
    assert "method" in bad.json()["errors"]
    response = post(cast, cast.clerk, dossier.code, "return_result", {"method": "post"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "returned"
    assert body["return_method"] == "post"
    assert datetime.fromisoformat(body["returned_at"]) == at(2026, 3, 3, 8, 0)
    assert all(s["finished_at"] is not None for s in body["steps"])


# --- endings ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "state", ["new", "received", "processing", "supplement_requested", "awaiting_payment"]
)
def test_the_applicant_withdraws_while_no_result_exists(cast, state):
    dossier = DossierFactory(cast=cast, status=state)
    response = post(cast, cast.citizen, dossier.code, "withdraw", {"reason": "Không còn nhu cầu"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["portal_status"] == 7
    assert body["outcome_reason"] == "Không còn nhu cầu"
    assert body["available_actions"] == []
    assert not Pause.objects.filter(dossier=dossier, closed_at__isnull=True).exists()
    assert not StepRun.objects.filter(dossier=dossier, finished_at__isnull=True).exists()


@pytest.mark.parametrize("state", ["result_ready", "returned"])
def test_no_withdrawal_once_a_result_exists(cast, state):
    dossier = DossierFactory(cast=cast, status=state)
    for user in (cast.citizen, cast.clerk):
        response = post(cast, user, dossier.code, "withdraw")
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "transition_not_allowed"
    dossier.refresh_from_db()
    assert dossier.status == state


def test_stop_needs_a_reason(cast):
    dossier = DossierFactory(cast=cast, status="processing")
    response = post(cast, cast.leader, dossier.code, "stop", {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = post(cast, cast.leader, dossier.code, "stop", {"reason": "Không bổ sung đúng hạn"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "stopped"
    assert response.json()["portal_status"] == 8
    assert response.json()["outcome_reason"] == "Không bổ sung đúng hạn"


# --- the apology letter (Mẫu 04) ---------------------------------------------------------------
def test_reschedule_once_before_the_due_date(cast):
    dossier = DossierFactory(cast=cast, status="processing")  # due Tue 3/3 09:00
    response = post(
        cast,
        cast.leader,
        dossier.code,
        "reschedule",
        {"reason": "Cần xác minh thêm", "new_due_at": "2026-03-05T17:00:00+07:00"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "processing"
    assert datetime.fromisoformat(body["due_at"]) == at(2026, 3, 5, 17, 0)
    assert datetime.fromisoformat(body["original_due_at"]) == at(2026, 3, 3, 9, 0)
    assert body["reschedule_count"] == 1
    event = last_event(dossier.code)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "reschedule",
        "processing",
        "processing",
        cast.leader.pk,
    )
    assert "reschedule" not in body["available_actions"]

    again = post(
        cast,
        cast.leader,
        dossier.code,
        "reschedule",
        {"reason": "Lần nữa", "new_due_at": "2026-03-10T17:00:00+07:00"},
    )
    assert again.status_code == 409, again.json()
    assert again.json()["code"] == "already_rescheduled"
    dossier.refresh_from_db()
    assert dossier.due_at == at(2026, 3, 5, 17, 0)
    assert dossier.reschedule_count == 1


def test_reschedule_of_a_received_dossier(cast):
    dossier = DossierFactory(cast=cast, status="received")
    response = post(
        cast,
        cast.leader,
        dossier.code,
        "reschedule",
        {"reason": "Chờ ý kiến phối hợp", "new_due_at": "2026-03-04T09:00:00+07:00"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "received"
    assert response.json()["reschedule_count"] == 1


def test_a_second_reschedule_is_refused(cast):
    dossier = DossierFactory(cast=cast, status="processing")
    # The first apology already went out (recorded directly).
    with bulk_writes():  # test set-up past the one door
        Dossier.objects.filter(pk=dossier.pk).update(
            reschedule_count=1, due_at=at(2026, 3, 5, 17, 0)
        )
    response = post(
        cast,
        cast.leader,
        dossier.code,
        "reschedule",
        {"reason": "Lần nữa", "new_due_at": "2026-03-10T17:00:00+07:00"},
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "already_rescheduled"
    assert "reschedule" not in response.json()["allowed_actions"]
    dossier.refresh_from_db()
    assert (dossier.due_at, dossier.reschedule_count) == (at(2026, 3, 5, 17, 0), 1)


def test_no_reschedule_after_the_due_date(cast, clock):
    dossier = DossierFactory(cast=cast, status="processing")  # due Tue 3/3 09:00
    clock.set(2026, 3, 3, 9, 1)
    response = post(
        cast,
        cast.leader,
        dossier.code,
        "reschedule",
        {"reason": "Xin lỗi", "new_due_at": "2026-03-06T09:00:00+07:00"},
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "past_due"
    dossier.refresh_from_db()
    assert (dossier.due_at, dossier.reschedule_count) == (at(2026, 3, 3, 9, 0), 0)


# The apology and new date (Mẫu 04) go out "no later than one working day before the due date"
# (Decree 61/2018/NĐ-CP art. 19, carried over by Decree 118/2025/NĐ-CP and the forms of Circular
# 03/2025/TT-VPCP; docs/domain.md §3.4). onecua reads it by days: allowed until the end of office
# hours (17:00) of the working day before the due date's day, whatever the due hour.
APOLOGY_CASES = [
    # Due Mon 9/3 10:00: the working day before is Fri 6/3.
    (at(2026, 3, 9, 10, 0), at(2026, 3, 6, 9, 0), True),
    (at(2026, 3, 9, 10, 0), at(2026, 3, 6, 17, 0), True),
    (at(2026, 3, 9, 10, 0), at(2026, 3, 6, 17, 0, 1), False),
    (at(2026, 3, 9, 10, 0), at(2026, 3, 7, 10, 0), False),  # the weekend in between
    (at(2026, 3, 9, 10, 0), at(2026, 3, 9, 8, 0), False),  # the due day, before the hour
    # Due at the end of a day, Tue 10/3 17:00: all of Monday, not Tuesday morning.
    (at(2026, 3, 10, 17, 0), at(2026, 3, 9, 16, 59), True),
    (at(2026, 3, 10, 17, 0), at(2026, 3, 10, 7, 30), False),
    # Due Mon 23/2 10:00, the first day after Tết (16-20/2 off): until Fri 13/2 17:00.
    (at(2026, 2, 23, 10, 0), at(2026, 2, 13, 16, 59), True),
    (at(2026, 2, 23, 10, 0), at(2026, 2, 16, 9, 0), False),
    # Due Mon 12/1: the working day before is the worked Saturday 10/1 (decreed swap).
    (at(2026, 1, 12, 10, 0), at(2026, 1, 10, 16, 0), True),
    (at(2026, 1, 12, 10, 0), at(2026, 1, 11, 10, 0), False),
    # Due on that worked Saturday: Friday 9/1 is the day before.
    (at(2026, 1, 10, 10, 0), at(2026, 1, 9, 17, 0), True),
    (at(2026, 1, 10, 10, 0), at(2026, 1, 10, 8, 0), False),
    # Due Thu 3/9 after the National day break (31/8, 1/9 and 2/9 off): until Fri 28/8 17:00.
    (at(2026, 9, 3, 10, 0), at(2026, 8, 28, 17, 0), True),
    (at(2026, 9, 3, 10, 0), at(2026, 8, 31, 9, 0), False),
]


@pytest.mark.parametrize(("due", "now", "allowed"), APOLOGY_CASES)
def test_the_apology_goes_out_no_later_than_one_working_day_before_the_due_date(
    cast, clock, due, now, allowed
):
    from core.calendar import get_calendar

    clock.set(2025, 12, 1, 9, 0)
    dossier = DossierFactory(cast=cast, status="processing")
    with bulk_writes():  # test set-up past the one door
        Dossier.objects.filter(pk=dossier.pk).update(due_at=due)
    clock.now = now
    # What the dossier offers (no query: an FSM condition on the row and the cached calendar).
    offered = cast.client(cast.leader).get(f"/api/v1/dossiers/{dossier.code}/").json()
    assert ("reschedule" in offered["available_actions"]) is allowed
    new_due = get_calendar().add_working_days(due, 5)
    response = post(
        cast,
        cast.leader,
        dossier.code,
        "reschedule",
        {"reason": "Cần xác minh thêm", "new_due_at": new_due.isoformat()},
    )
    dossier.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.json()
        assert (dossier.due_at, dossier.reschedule_count) == (new_due, 1)
        return
    assert response.status_code == 409, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "apology_too_late"
    assert "chậm nhất 01 ngày làm việc trước ngày hết hạn" in body["detail"]
    assert "reschedule" not in body["allowed_actions"]
    assert (dossier.due_at, dossier.reschedule_count) == (due, 0)
    assert not Event.objects.filter(dossier=dossier, action="reschedule").exists()


def test_apology_too_late_on_the_due_day_and_past_due_after_it(cast, clock):
    """On the due day before the due hour the apology is too late (apology_too_late); once the
    due date has passed the dossier is overdue (past_due, as before)."""
    dossier = DossierFactory(cast=cast, status="processing")  # due Tue 3/3 09:00
    body = {"reason": "Xin lỗi", "new_due_at": "2026-03-06T09:00:00+07:00"}
    clock.set(2026, 3, 3, 8, 59)
    response = post(cast, cast.leader, dossier.code, "reschedule", body)
    assert (response.status_code, response.json()["code"]) == (409, "apology_too_late")
    response = cast.client(cast.leader).post(
        url(dossier.code, "reschedule"), body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "one working day before" in response.json()["detail"]
    clock.set(2026, 3, 3, 9, 1)
    response = post(cast, cast.leader, dossier.code, "reschedule", body)
    assert (response.status_code, response.json()["code"]) == (409, "past_due")
    # The day before (Mon 2/3) it was in time, up to 17:00.
    clock.set(2026, 3, 2, 17, 0)
    response = post(cast, cast.leader, dossier.code, "reschedule", body)
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    "new_due_at", ["2026-03-03T09:00:00+07:00", "2026-03-03T08:00:00+07:00", "2026-02-27T09:00:00"]
)
def test_reschedule_must_move_the_date_later(cast, new_due_at):
    dossier = DossierFactory(cast=cast, status="processing")
    response = post(
        cast,
        cast.leader,
        dossier.code,
        "reschedule",
        {"reason": "Xin lỗi", "new_due_at": new_due_at},
    )
    assert response.status_code == 400, response.json()
    assert "new_due_at" in response.json()["errors"]
    dossier.refresh_from_db()
    assert (dossier.due_at, dossier.reschedule_count) == (at(2026, 3, 3, 9, 0), 0)


def test_reschedule_needs_a_reason(cast):
    dossier = DossierFactory(cast=cast, status="processing")
    response = post(
        cast, cast.leader, dossier.code, "reschedule", {"new_due_at": "2026-03-06T09:00:00+07:00"}
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


# --- the audit trail --------------------------------------------------------------------------
def test_a_full_life_leaves_one_event_per_action(cast):
    dossier = DossierFactory(cast=cast, status="returned")
    events = list(Event.objects.filter(dossier=dossier))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("submit", "", "new"),
        ("receive", "new", "received"),
        ("assign", "received", "processing"),
        ("approve", "processing", "result_ready"),
        ("return_result", "result_ready", "returned"),
    ]
    assert [e.actor_id for e in events] == [
        cast.citizen.pk,
        cast.clerk.pk,
        cast.leader.pk,
        cast.leader.pk,
        cast.clerk.pk,
    ]


def test_events_cannot_be_changed_or_deleted(cast):
    dossier = DossierFactory(cast=cast, status="received")
    event = Event.objects.filter(dossier=dossier).first()
    event.note = "rewritten history"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        Event.objects.filter(dossier=dossier).update(note="rewritten")
    with pytest.raises(PermissionError):
        Event.objects.filter(dossier=dossier).delete()
    with pytest.raises(PermissionError):
        Event.objects.all().delete()
    assert [e.note for e in Event.objects.filter(dossier=dossier)] == [
        "Đăng ký khai sinh cho con",
        "",
    ]
