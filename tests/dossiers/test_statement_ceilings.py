"""Statements per request (issue 16 §1: "at most 15 SQL statements per receipt; the same for
receive, approve and the citizen's submission"): each request kind, over the API with a real
token as a client sends it, counted with Django's CaptureQueriesContext. The ceilings are
behavioural limits (a new query per request shows up here), not timings; docs/performance.md
§3 has the figures on PostgreSQL and what each step removed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import issue_token
from dossiers import services, watching
from dossiers.models import Dossier, DossierAction, DossierStatus, Event
from outbox.models import OutboxMessage
from tests.support.cast import applicant_data, at_counter, file_online
from tests.support.fees import with_fees
from tests.support.files import pdf_bytes, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("module_cast"),
    pytest.mark.clock(2026, 3, 2, 9, 0),
]

# Per request kind: the most statements one request may execute, token to response.
CEILINGS = {
    # A person with no account, no phone or e-mail, no unit given: nobody to notify (the issue's
    # target, as bench/bench_actions.py files it).
    "counter intake": 15,
    # The same with a phone and an e-mail: the notice and its outbox row (2 statements).
    "counter intake, notified": 17,
    # The citizen's own account is found (their notice preferences: 1 more) and the applicant's
    # unit is read (1 more).
    "counter intake, the citizen's account": 19,
    # Each answers with the dossier's detail, built from the row the write holds (no read back
    # of the dossier and its applicant's unit) with its lists (components, files, pauses, fees,
    # events, steps) read in one statement (dossiers/detail_lists.py; docs/performance.md
    # §3.1.2). The test cast notifies more people than the benchmark's (1-2 statements more).
    "submission": 17,
    "receive": 16,
    "approve": 18,
    "approve with e-result": 22,
}
# On PostgreSQL the running set's write rides on the indicator cells' statement (a WITH clause,
# indicators/tally.py): one fewer wherever the change enters or leaves the running set.
POSTGRESQL_CEILINGS = {
    "counter intake": 14,
    "counter intake, notified": 16,
    "counter intake, the citizen's account": 18,
    "receive": 15,
    "approve": 17,
    "approve with e-result": 21,
}


def ceiling(kind: str) -> int:
    if connection.vendor == "postgresql":
        return POSTGRESQL_CEILINGS.get(kind, CEILINGS[kind])
    return CEILINGS[kind]


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, device='test')[1]}")
    return client


def statements_of(client, path, body, expected_status) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, body, format="json")
    assert response.status_code == expected_status, response.json()
    return len(queries.captured_queries), response.json()


def assert_answer_is_the_detail(client, body) -> None:
    # The answer, built from the rows the write holds, is the dossier's detail as read afresh.
    response = client.get(f"/api/v1/dossiers/{body['code']}/")
    assert response.status_code == 200
    assert body == response.json()


def intake_body(cast, **applicant) -> dict:
    return {
        "procedure": "1.001193",
        "applicant": applicant_data(cast, **applicant),
        "summary": "Tại quầy",
        "components": [{"order": 1}],
    }


def processing(cast) -> Dossier:
    dossier = file_online(cast)
    services.receive(dossier=dossier.code, actor=cast.clerk)
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    return dossier


@pytest.mark.parametrize(
    ("kind", "applicant"),
    [
        ("counter intake", {"personal_id": "025090007777", "unit": None, "phone": "", "email": ""}),
        ("counter intake, notified", {"personal_id": "025090007777", "unit": None}),
        ("counter intake, the citizen's account", {}),
    ],
)
def test_counter_intake(cast, kind, applicant):
    clerk = client_of(cast.clerk)
    statements_of(clerk, "/api/v1/counter/intake/", intake_body(cast, **applicant), 201)
    count, body = statements_of(
        clerk, "/api/v1/counter/intake/", intake_body(cast, **applicant), 201
    )
    assert count <= ceiling(kind)
    # Everything the write did is there: the dossier, its event, its outbox row.
    dossier = Dossier.objects.get(code=body["dossier"]["code"])
    assert Event.objects.filter(dossier=dossier, action=DossierAction.INTAKE).count() == 1
    assert OutboxMessage.objects.filter(key=f"dossier:{dossier.pk}").exists()


def test_submission(cast):
    citizen = client_of(cast.citizen)
    body = {
        "procedure": "1.001193",
        "applicant": applicant_data(cast),
        "summary": "Trực tuyến",
        "components": [{"order": 1}],
    }
    statements_of(citizen, "/api/v1/dossiers/", body, 201)
    count, answer = statements_of(citizen, "/api/v1/dossiers/", body, 201)
    assert count <= ceiling("submission")
    assert_answer_is_the_detail(citizen, answer)


def test_receive(cast):
    clerk = client_of(cast.clerk)
    for _ in range(2):  # the second one counts (a client's first request writes its token)
        dossier = file_online(cast)
        count, body = statements_of(clerk, f"/api/v1/dossiers/{dossier.code}/receive/", {}, 200)
    assert body["status"] == "received"
    assert count <= ceiling("receive")
    assert_answer_is_the_detail(clerk, body)


@pytest.mark.parametrize(
    ("e_result", "kind"), [(False, "approve"), (True, "approve with e-result")]
)
def test_approve(cast, e_result, kind):
    leader = client_of(cast.leader)
    for _ in range(2):  # the second one counts (a client's first request writes its token)
        dossier = processing(cast)
        count, body = statements_of(
            leader, f"/api/v1/dossiers/{dossier.code}/approve/", {"e_result": e_result}, 200
        )
    assert body["status"] == "result_ready"
    assert count <= ceiling(kind)
    assert_answer_is_the_detail(leader, body)


def test_the_watch_moment_set_without_reading_the_steps_is_the_one_the_read_gives(cast):
    """The intake and the receipt know that no step of the dossier is open and skip the door's
    read of the step runs (dossiers/watching.py `for_write(run=...)`): the moment stored is the
    one the read would give."""
    intake = at_counter(cast)
    received = services.receive(dossier=file_online(cast).code, actor=cast.clerk)
    for dossier, action, before in (
        (intake, DossierAction.INTAKE, None),
        (received, DossierAction.RECEIVE, DossierStatus.NEW),
    ):
        stored = Dossier.objects.get(pk=dossier.pk).watch_at
        assert stored is not None
        read = watching.for_write(dossier, action, before, stored_now(dossier), watchdog=False)
        assert stored == read


def stored_now(dossier):
    # The write's own moment: the Event's.
    return Event.objects.filter(dossier=dossier).latest("id").at


def test_every_answer_of_a_dossier_s_course_is_its_detail(cast):
    """Across a course with a pause, its end, an assignment and a refusal: each action's answer,
    built from the row the door holds, equals the detail read afresh (issue 16 §1)."""
    clerk, citizen, leader = client_of(cast.clerk), client_of(cast.citizen), client_of(cast.leader)
    code = file_online(cast).code
    for client, action, body in (
        (clerk, "request-supplement", {"items": ["Bản sao giấy khai sinh"]}),
        (citizen, "supplement", {"note": "Đã bổ sung"}),
        (clerk, "receive", {}),
        (leader, "assign", {"assignee": cast.specialist.pk}),
        (leader, "refuse", {"reason": "Không đủ điều kiện"}),
    ):
        _count, answer = statements_of(client, f"/api/v1/dossiers/{code}/{action}/", body, 200)
        assert_answer_is_the_detail(client, answer)
    assert answer["status"] == "result_ready"
    assert [event["action"] for event in answer["timeline"]][-1] == "refuse"
    assert answer["pauses"]


def test_the_answer_with_files_and_fee_lines_is_the_detail(cast):
    """The lists read in one statement (dossiers/detail_lists.py) with rows in each: fee lines,
    two files on one component (attached at the same moment: their order is their id's), the
    submission's and the receipt's answers equal the detail read afresh, for the citizen and for
    the officer."""
    with_fees("1.001193")
    citizen, clerk = client_of(cast.citizen), client_of(cast.clerk)
    body = {
        "procedure": "1.001193",
        "applicant": applicant_data(cast),
        "summary": "Trực tuyến",
        "components": [{"order": 1}],
    }
    _count, answer = statements_of(citizen, "/api/v1/dossiers/", body, 201)
    assert answer["fee_lines"]
    assert_answer_is_the_detail(citizen, answer)
    code = answer["code"]
    for name in ("to-khai.pdf", "ban-sao.pdf"):
        services.attach_file(
            dossier=code, order=1, actor=cast.citizen, upload=upload(name, pdf_bytes())
        )
    _count, answer = statements_of(clerk, f"/api/v1/dossiers/{code}/receive/", {}, 200)
    files = answer["components"][0]["files"]
    assert [f["name"] for f in files] == ["to-khai.pdf", "ban-sao.pdf"]
    assert answer["fee_lines"] and answer["steps"]
    assert_answer_is_the_detail(clerk, answer)
