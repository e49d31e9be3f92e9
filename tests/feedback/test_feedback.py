"""Feedback and complaints (phản ánh, kiến nghị — PAKN), issue 14 §4 (docs/feedback.md): sending
(logged in or anonymous with a contact), routing, the state machine, the deadline in working
days, grouping of near-duplicates, publication without personal data, the sender's verdict and
the one re-opening, the portal's outbox topic, object-level authorisation on every endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from core.calendar import LOCAL_TZ, get_calendar
from feedback import services
from feedback.models import Feedback, FeedbackEvent, FeedbackStatus
from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus
from tests.support.clock import at

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"
PROBLEM = "application/problem+json"


def send(client, **body):
    data = {"title": "Phản ánh thời gian giải quyết", "content": "Nội dung phản ánh.", **body}
    return client.post(URL, data, format="json")


def about_committee(cast, client=None, **body):
    client = client or cast.client(cast.citizen)
    r = send(client, subject="agency", agency=cast.committee.code, **body)
    assert r.status_code == 201, r.content
    return r.json()


def act(cast, user, code, name, **body):
    return cast.client(user).post(f"{URL}{code}/{name}/", body, format="json")


# --- sending and routing ------------------------------------------------------------------------
def test_a_citizen_sends_feedback_about_their_dossier_routed_to_the_handling_agency(
    cast, dossier_factory
):
    d = dossier_factory(status="processing")
    r = send(cast.client(cast.citizen), subject="dossier", dossier=d.code)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["code"].startswith("PAKN-2026-") and len(body["code"]) == len("PAKN-2026-000001")
    assert body["agency"] == d.handling_agency.code
    assert body["dossier"] == d.code and body["procedure"] == d.procedure.code
    assert body["status"] == "received" and body["category"] == "procedure"
    f = Feedback.objects.get(code=body["code"])
    assert f.sender == cast.citizen
    assert [e.action for e in f.events.all()] == ["submit"]


def test_codes_are_consecutive(cast):
    a = about_committee(cast)["code"]
    b = about_committee(cast)["code"]
    assert int(b.rsplit("-", 1)[1]) == int(a.rsplit("-", 1)[1]) + 1


def test_routing_by_official_procedure_and_agency(cast):
    citizen = cast.client(cast.citizen)
    r = send(citizen, subject="official", official=cast.specialist.pk)
    assert r.status_code == 201, r.content
    assert r.json()["agency"] == cast.committee.code
    assert r.json()["category"] == "conduct"  # about an official: their conduct
    # A provincial procedure: the department the dossiers' routing picks.
    r = send(citizen, subject="procedure", procedure="1.004227", title="Đất đai")
    assert r.status_code == 201, r.content
    assert r.json()["procedure"] == "1.004227"
    # A commune procedure needs the commune's agency named.
    r = send(citizen, subject="procedure", procedure="1.001193", title="Khai sinh")
    assert r.status_code == 400 and "agency" in r.json()["errors"]
    r = send(
        citizen, subject="procedure", procedure="1.001193", agency=cast.committee.code, title="KS"
    )
    assert r.status_code == 201 and r.json()["agency"] == cast.committee.code


def test_anonymous_with_a_contact_phone_normalised_to_plus_84(cast):
    r = send(
        APIClient(),
        subject="agency",
        agency=cast.committee.code,
        contact_name="Trần Thị Bình",
        contact_phone="0912 345 678",
    )
    assert r.status_code == 201, r.content
    f = Feedback.objects.get(code=r.json()["code"])
    assert f.sender is None and f.contact_phone == "+84912345678"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"subject": "agency"}, "contact"),  # anonymous without a contact
        ({"subject": "agency", "contact_name": "Bình"}, "contact"),  # a name only
        ({"subject": "agency", "contact_name": "Bình", "contact_phone": "123"}, "contact_phone"),
        ({"subject": "agency", "contact_name": "Bình", "contact_email": "x@"}, "contact_email"),
    ],
)
def test_anonymous_needs_a_valid_contact(cast, body, field):
    r = send(APIClient(), agency=cast.committee.code, **body)
    assert r.status_code == 400, r.content
    assert r["Content-Type"].startswith(PROBLEM)
    assert field in r.json()["errors"]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"subject": "dossier", "dossier": "NOPE-260302-0001"}, "dossier"),
        ({"subject": "agency", "content": "x" * 5001}, "content"),
        ({"subject": "agency", "title": "t" * 201}, "title"),
        ({"subject": "agency", "title": ""}, "title"),
        ({"subject": "nothing"}, "subject"),
        ({"subject": "agency", "agency": "no-such-agency"}, "agency"),
        ({"subject": "procedure", "procedure": "9.999999"}, "procedure"),
        ({"subject": "official", "official": 999999}, "official"),
        ({"subject": "agency", "surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_a_400_problem_never_a_500(cast, body, field):
    body.setdefault("agency", cast.committee.code)
    if body["agency"] is None:
        del body["agency"]
    r = send(cast.client(cast.citizen), **body)
    assert r.status_code == 400, r.content
    assert r["Content-Type"].startswith(PROBLEM)
    assert field in r.json()["errors"], r.json()


def test_another_citizens_dossier_is_unknown(cast, dossier_factory):
    d = dossier_factory(status="processing")
    r = send(cast.client(cast.other_citizen), subject="dossier", dossier=d.code)
    assert r.status_code == 400 and "dossier" in r.json()["errors"]


def test_officials_do_not_send_feedback(cast):
    r = send(cast.client(cast.specialist), subject="agency", agency=cast.committee.code)
    assert r.status_code == 403


def test_anonymous_posts_are_throttled(cast, monkeypatch):
    from rest_framework.settings import api_settings

    from feedback.api.views import FeedbackThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "feedback": "2/min"}
    monkeypatch.setattr(FeedbackThrottle, "THROTTLE_RATES", rates)
    client = APIClient()
    contact = {"contact_name": "Bình", "contact_email": "binh@example.vn"}
    codes = [
        send(client, subject="agency", agency=cast.committee.code, **contact).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    # A logged-in citizen is not throttled by this rate.
    assert about_committee(cast)["status"] == "received"


# --- the deadline -------------------------------------------------------------------------------
@pytest.mark.clock(2026, 8, 28, 9, 0)  # Friday 28 August 2026
def test_the_deadline_is_10_working_days_skipping_weekends_and_national_day(cast, clock):
    """FEEDBACK_DEADLINE_DAYS (10) working days: the project's domain notes call it the common
    provincial rule for answering feedback on procedures (docs/feedback.md, "Deadline" — Decree
    20/2008/NĐ-CP, on receiving and handling feedback on administrative regulations, is the
    framework; the number is a setting). Weekends and the National Day holiday (2/9, with its
    adjacent day off, Labour Code 2019 art. 112) do not count."""
    calendar = get_calendar()
    assert not calendar.is_working_day(at(2026, 9, 2).date())  # Quốc khánh
    f = Feedback.objects.get(code=about_committee(cast)["code"])
    due = f.due_at.astimezone(LOCAL_TZ)
    assert f.due_at == f.original_due_at == calendar.due_at(f.received_at, 10)
    # Counted: 28/8 (from 9:00) … ten working days later, past two weekends and the holiday.
    working = [
        d
        for d in (at(2026, 8, 28).date() + timedelta(days=i) for i in range(1, 20))
        if calendar.is_working_day(d)
    ]
    assert due.date() == working[9]
    assert due.date() > at(2026, 9, 11).date()  # 10 weekdays later would be 11/9
    assert calendar.working_days_between(f.received_at, f.due_at) == pytest.approx(10)


# --- the state machine --------------------------------------------------------------------------
ALLOWED = {
    "received": {"assign", "answer", "reject"},
    "assigned": {"assign", "answer", "reject"},
    "answered": {"close"},
    "closed": set(),
    "rejected": set(),
}
OFFICIAL_ACTIONS = {
    "assign": {},
    "answer": {"text": "Trả lời."},
    "reject": {"reason": "Không thuộc thẩm quyền."},
    "close": {},
}


def reach(cast, status: str) -> str:
    code = about_committee(cast)["code"]
    path = {
        "received": [],
        "assigned": ["assign"],
        "answered": ["assign", "answer"],
        "closed": ["assign", "answer", "close"],
        "rejected": ["reject"],
    }[status]
    for name in path:
        r = act(cast, cast.specialist, code, name, **OFFICIAL_ACTIONS[name])
        assert r.status_code == 200, r.content
    assert Feedback.objects.get(code=code).status == status
    return code


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("name", list(OFFICIAL_ACTIONS))
def test_every_official_transition_allowed_or_refused(cast, status, name):
    code = reach(cast, status)
    events = FeedbackEvent.objects.filter(feedback__code=code).count()
    r = act(cast, cast.specialist, code, name, **OFFICIAL_ACTIONS[name])
    if name in ALLOWED[status]:
        assert r.status_code == 200, r.content
        assert FeedbackEvent.objects.filter(feedback__code=code).count() == events + 1
        last = FeedbackEvent.objects.filter(feedback__code=code).last()
        assert (last.action, last.from_status, last.actor) == (name, status, cast.specialist)
    else:
        assert r.status_code == 409, r.content
        assert r["Content-Type"].startswith(PROBLEM)
        assert r.json()["code"] == "transition_not_allowed"
        assert Feedback.objects.get(code=code).status == status
        assert FeedbackEvent.objects.filter(feedback__code=code).count() == events


def test_the_path_with_its_history(cast):
    code = about_committee(cast)["code"]
    leader = cast.leader
    r = act(cast, leader, code, "assign", assignee=cast.specialist.pk, note="Giao chuyên viên")
    assert r.status_code == 200 and r.json()["assignee"] == cast.specialist.pk
    seen = cast.client(cast.citizen).get(f"{URL}{code}/").json()
    assert seen["assignee"] is None  # the sender sees the agency, not who in it handles it
    r = act(cast, leader, code, "assign", assignee=cast.other_leader.pk)  # another agency's
    assert r.status_code == 400 and "assignee" in r.json()["errors"]
    r = act(cast, cast.specialist, code, "answer", text="Đã chấn chỉnh.", publish=True)
    assert r.status_code == 200 and r.json()["status"] == "answered"
    r = act(cast, cast.specialist, code, "close")
    body = r.json()
    assert body["status"] == "closed"
    assert [(e["action"], e["from_status"], e["to_status"]) for e in body["events"]] == [
        ("submit", "", "received"),
        ("assign", "received", "assigned"),
        ("answer", "assigned", "answered"),
        ("close", "answered", "closed"),
    ]


def test_reject_needs_a_reason_and_answer_a_text(cast):
    code = about_committee(cast)["code"]
    r = act(cast, cast.specialist, code, "reject", reason="")
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = act(cast, cast.specialist, code, "answer", text="x" * 10001)
    assert r.status_code == 400 and "text" in r.json()["errors"]
    r = act(cast, cast.specialist, code, "reject", reason="Nội dung không rõ ràng.")
    assert r.status_code == 200 and r.json()["reject_reason"] == "Nội dung không rõ ràng."


# --- the sender's verdict and the one re-opening ------------------------------------------------
def test_satisfaction_and_reopen_once(cast, clock):
    code = reach(cast, "answered")
    clock.now += timedelta(days=3)
    citizen = cast.citizen
    r = act(cast, citizen, code, "satisfaction", verdict="not_satisfied")
    assert r.status_code == 200 and r.json()["verdict"] == "not_satisfied"
    again = act(cast, citizen, code, "satisfaction", verdict="satisfied")
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    r = act(cast, citizen, code, "reopen", reason="Chưa giải quyết dứt điểm.")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "assigned" and body["reopen_count"] == 1 and body["verdict"] == ""
    f = Feedback.objects.get(code=code)
    assert f.due_at > f.original_due_at
    # Answered again; a second re-opening is refused with a clear problem.
    assert act(cast, cast.specialist, code, "answer", text="Trả lời lần 2.").status_code == 200
    r = act(cast, citizen, code, "reopen")
    assert r.status_code == 409
    assert r["Content-Type"].startswith(PROBLEM)
    assert r.json()["code"] == "reopen_limit"
    assert Feedback.objects.get(code=code).status == "answered"


def test_verdict_and_reopen_only_after_an_answer(cast):
    code = about_committee(cast)["code"]
    r = act(cast, cast.citizen, code, "satisfaction", verdict="satisfied")
    assert r.status_code == 409 and r.json()["code"] == "not_answered"
    r = act(cast, cast.citizen, code, "reopen")
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    r = act(cast, cast.citizen, code, "satisfaction", verdict="so-so")
    assert r.status_code == 400 and "verdict" in r.json()["errors"]


# --- object-level authorisation on every endpoint -----------------------------------------------
ENDPOINTS = [
    ("get", "", {}),
    ("post", "assign/", {}),
    ("post", "answer/", {"text": "x"}),
    ("post", "reject/", {"reason": "x"}),
    ("post", "close/", {}),
    ("post", "satisfaction/", {"verdict": "satisfied"}),
    ("post", "reopen/", {}),
]


@pytest.mark.parametrize("method, tail, body", ENDPOINTS)
def test_outside_ones_scope_is_404_and_anonymous_401(cast, method, tail, body):
    code = reach(cast, "answered")
    for user in (cast.other_citizen, cast.other_leader, cast.clerk):  # clerk: the centre
        client = cast.client(user)
        r = getattr(client, method)(f"{URL}{code}/{tail}", body, format="json")
        assert r.status_code == 404, (user, r.content)
        assert r["Content-Type"].startswith(PROBLEM)
    r = getattr(APIClient(), method)(f"{URL}{code}/{tail}", body, format="json")
    assert r.status_code == 401


@pytest.mark.parametrize("tail, body", [e[1:] for e in ENDPOINTS if e[0] == "post"])
def test_the_sender_may_not_act_for_the_agency_nor_the_agency_for_the_sender(cast, tail, body):
    code = reach(cast, "answered")
    official_only = tail in ("assign/", "answer/", "reject/", "close/")
    user = cast.citizen if official_only else cast.specialist
    r = cast.client(user).post(f"{URL}{code}/{tail}", body, format="json")
    assert r.status_code == 403, r.content
    assert r["Content-Type"].startswith(PROBLEM)


def test_lists_are_scoped_filtered_and_paginated(cast, clock):
    mine = about_committee(cast)["code"]
    other = about_committee(cast, cast.client(cast.other_citizen))["code"]
    elsewhere = send(cast.client(cast.citizen), subject="agency", agency=cast.department.code)
    elsewhere = elsewhere.json()["code"]

    def codes(user, query=""):
        r = cast.client(user).get(URL + query)
        assert r.status_code == 200, r.content
        return {row["code"] for row in r.json()["results"]}

    assert codes(cast.citizen) == {mine, elsewhere}
    assert codes(cast.other_citizen) == {other}
    assert codes(cast.specialist) == {mine, other}
    assert codes(cast.other_leader) == {elsewhere}
    assert codes(cast.clerk) == set()
    assert codes(cast.admin) == {mine, other, elsewhere}
    assert APIClient().get(URL).status_code == 401
    act(cast, cast.specialist, mine, "assign")
    assert codes(cast.specialist, "?status=assigned") == {mine}
    assert codes(cast.specialist, "?overdue=true") == set()
    clock.now += timedelta(days=30)
    assert codes(cast.specialist, "?overdue=true") == {mine, other}
    assert cast.client(cast.specialist).get(URL + "?status=bogus").status_code == 400
    assert cast.client(cast.specialist).get(URL + "?overdue=maybe").status_code == 400
    page = cast.client(cast.admin).get(URL + "?page_size=2").json()
    assert len(page["results"]) == 2 and page["next"]


# --- grouping near-duplicates -------------------------------------------------------------------
def test_near_duplicates_are_grouped_and_answered_once(cast):
    first = about_committee(cast, title="Cán bộ phường Việt Trì hẹn trả kết quả quá lâu")["code"]
    # Another sender, same agency and topic, a similar title (accents and case aside).
    dup = about_committee(
        cast,
        cast.client(cast.other_citizen),
        title="can bo phuong Viet Tri hen tra ket qua qua lau!",
    )["code"]
    unrelated = about_committee(cast, title="Đề nghị bố trí thêm ghế chờ")["code"]
    f_dup = Feedback.objects.get(code=dup)
    assert f_dup.primary.code == first
    assert Feedback.objects.get(code=unrelated).primary is None
    r = act(cast, cast.specialist, first, "answer", text="Đã chấn chỉnh cán bộ.", publish=True)
    assert r.status_code == 200, r.content
    f_dup = Feedback.objects.get(code=dup)
    assert f_dup.status == "answered" and f_dup.answer == "Đã chấn chỉnh cán bộ."
    event = f_dup.events.last()
    assert event.action == "answer" and event.payload == {"primary": first}
    assert Feedback.objects.get(code=unrelated).status == "received"
    # The other sender sees their own answered feedback (and may re-open it).
    r = cast.client(cast.other_citizen).get(f"{URL}{dup}/")
    assert r.json()["status"] == "answered" and "reopen" in r.json()["allowed_actions"]


def test_same_dossier_is_grouped_whatever_the_title(cast, dossier_factory):
    d = dossier_factory(status="processing")
    citizen = cast.client(cast.citizen)
    a = send(citizen, subject="dossier", dossier=d.code, title="Chậm").json()["code"]
    b = send(citizen, subject="dossier", dossier=d.code, title="Thiếu giấy hẹn").json()["code"]
    assert Feedback.objects.get(code=b).primary.code == a


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_not_grouped_after_the_period(cast, clock, settings):
    settings.FEEDBACK_GROUP_DAYS = 30
    about_committee(cast, title="Thái độ cán bộ tiếp nhận")
    clock.now += timedelta(days=31)
    late = about_committee(cast, title="Thái độ cán bộ tiếp nhận")["code"]
    assert Feedback.objects.get(code=late).primary is None


# --- publication and search ---------------------------------------------------------------------
def test_public_search_is_accent_insensitive_and_shows_no_personal_data(cast):
    r = send(
        APIClient(),
        subject="agency",
        agency=cast.committee.code,
        title="Phản ánh về thái độ tiếp dân",
        content=(
            "Tôi là Trần Thị Bình, CCCD 025090001234, điện thoại 0912 345 678, "
            "thư binh@example.vn: cán bộ không hướng dẫn."
        ),
        contact_name="Trần Thị Bình",
        contact_phone="0912345678",
        contact_email="binh@example.vn",
    )
    code = r.json()["code"]
    hidden = about_committee(cast, title="Phản ánh chưa công khai")["code"]
    answered = act(
        cast,
        cast.specialist,
        code,
        "answer",
        text="Kính gửi bà Trần Thị Bình: đơn vị đã chấn chỉnh việc tiếp dân.",
        publish=True,
    )
    assert answered.status_code == 200
    act(cast, cast.specialist, hidden, "answer", text="Không công khai.", publish=False)
    public = APIClient()
    r = public.get(URL + "public/", {"q": "phan anh thai do"})
    assert r.status_code == 200, r.content
    rows = r.json()["results"]
    assert [row["code"] for row in rows] == [code]
    text = r.content.decode()
    for secret in ("Trần Thị Bình", "025090001234", "0912", "+8491", "binh@example.vn"):
        assert secret not in text, secret
    assert "đã chấn chỉnh việc tiếp dân" in rows[0]["answer"]
    assert set(rows[0]) >= {"title", "content", "answer", "agency", "received_at"}
    assert not {"contact_name", "contact_phone", "contact_email", "sender", "dossier"} & set(
        rows[0]
    )
    # Filters, and what is not published is not found.
    assert public.get(URL + "public/", {"q": "chua cong khai"}).json()["results"] == []
    by_agency = public.get(URL + "public/", {"agency": cast.committee.code}).json()["results"]
    assert [row["code"] for row in by_agency] == [code]
    assert public.get(URL + "public/", {"agency": cast.department.code}).json()["results"] == []
    assert public.get(URL + "public/", {"procedure": "1.001193"}).json()["results"] == []
    assert public.get(URL + "public/", {"agency": "nope"}).status_code == 400
    assert public.get(URL + "public/", {"q": "x" * 201}).status_code == 400


# --- the outbox topic ---------------------------------------------------------------------------
def test_each_change_enqueues_a_portal_message(cast):
    code = about_committee(cast)["code"]
    act(cast, cast.specialist, code, "answer", text="Trả lời.")
    f = Feedback.objects.get(code=code)
    messages = OutboxMessage.objects.filter(topic="feedback.portal", key=f"feedback:{f.pk}")
    assert [m.reference["event"] for m in messages.order_by("pk")] == list(
        f.events.values_list("pk", flat=True)
    )
    assert delivery.handler_for("feedback.portal") is not None


@pytest.mark.outbox
def test_the_message_is_delivered_and_recorded_without_a_portal_url(cast, settings):
    settings.FEEDBACK_PORTAL_URL = ""
    code = about_committee(cast)["code"]
    f = Feedback.objects.get(code=code)
    delivery.deliver_key(f"feedback:{f.pk}")
    message = OutboxMessage.objects.get(topic="feedback.portal", key=f"feedback:{f.pk}")
    assert message.status == OutboxStatus.SENT
    event = f.events.get()
    assert event.forwarded_at is not None and event.forwarded_to == ""


@pytest.mark.outbox
def test_the_message_is_posted_to_the_portal_url_without_personal_data(cast, settings, monkeypatch):
    settings.FEEDBACK_PORTAL_URL = "https://portal.example/pakn"
    sent = []

    class Answer:
        status_code = 200

    def post(url, json, headers, timeout):
        sent.append((url, json, headers))
        return Answer()

    monkeypatch.setattr("feedback.portal.requests.post", post)
    r = send(
        APIClient(),
        subject="agency",
        agency=cast.committee.code,
        contact_name="Trần Thị Bình",
        contact_phone="0912345678",
    )
    f = Feedback.objects.get(code=r.json()["code"])
    delivery.deliver_key(f"feedback:{f.pk}")
    assert len(sent) == 1
    url, record, headers = sent[0]
    assert url == "https://portal.example/pakn" and record["code"] == f.code
    assert "Bình" not in str(record) and "0912345678" not in str(record)
    assert headers["Idempotency-Key"].startswith("feedback.portal:event:")
    assert f.events.get().forwarded_to == "https://portal.example/pakn"


def test_the_admin_lists_and_shows_feedback_read_only(cast):
    from django.test import Client

    code = reach(cast, "answered")
    f = Feedback.objects.get(code=code)
    client = Client()
    client.force_login(cast.admin)
    page = client.get("/admin/feedback/feedback/", {"status__exact": "answered"})
    assert page.status_code == 200 and code in page.content.decode()
    detail = client.get(f"/admin/feedback/feedback/{f.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Diễn biến xử lý phản ánh" in html or "diễn biến xử lý phản ánh" in html
    events = client.get("/admin/feedback/feedbackevent/")
    assert events.status_code == 200
    event = f.events.first()
    assert client.post(f"/admin/feedback/feedbackevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/feedback/feedbackevent/add/").status_code == 403


def test_services_refuse_like_the_api(cast):
    code = about_committee(cast)["code"]
    f = services.answer(feedback=code, actor=cast.specialist, text="Trả lời.")
    assert f.status == FeedbackStatus.ANSWERED and f.handled_at is not None
