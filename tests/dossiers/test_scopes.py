"""Who sees and does what: each role within its scope, everything else a 404 (outside the scope)
or a 403 (inside it, but not theirs to do); `available_actions` is exactly what the user may do."""

import pytest

from dossiers import services
from dossiers.models import Dossier, Event, bulk_writes
from tests.support.cast import applicant_data, file_online
from tests.support.dossiers import DossierFactory

# One cast per module (each test in its own savepoint), on the clock: Monday 2 March 2026,
# 09:00.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_cast"), pytest.mark.clock()]


def url(code: str, action: str | None = None) -> str:
    if action is None:
        return f"/api/v1/dossiers/{code}/"
    return f"/api/v1/dossiers/{code}/{action.replace('_', '-')}/"


def codes(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {d["code"] for d in response.json()["results"]}


PAYLOADS = {
    "refuse_receipt": {"reason": "Sai thẩm quyền"},
    "request_supplement": {"items": ["Tờ khai"]},
    "request_payment": {"amount": 1000},
    "adjust_fee": {"line": 1, "exempt": True, "reason": "Hộ nghèo", "legal_basis": "Luật Phí"},
    "collect_fee": {"method": "cash"},
    "refuse": {"reason": "Không đủ điều kiện"},
    "stop": {"reason": "Dừng"},
    "reschedule": {"reason": "Xin lỗi", "new_due_at": "2026-03-20T09:00:00+07:00"},
}


def act(cast, user, code, action, **body):
    data = {**PAYLOADS.get(action, {}), **body}
    if action in ("assign", "hand_over"):
        data.setdefault("assignee", cast.specialist.pk if action == "assign" else cast.leader.pk)
    return cast.client(user).post(url(code, action), data, format="json")


# --- citizens ---------------------------------------------------------------------------------
def test_a_citizen_sees_only_their_own_dossiers(cast):
    mine = {file_online(cast).code, file_online(cast).code}
    theirs = file_online(cast, citizen=cast.other_citizen).code
    an, binh = cast.client(cast.citizen), cast.client(cast.other_citizen)
    assert codes(an.get("/api/v1/dossiers/")) == mine
    assert codes(binh.get("/api/v1/dossiers/")) == {theirs}

    for code in mine:
        assert an.get(url(code)).status_code == 200
        response = binh.get(url(code))
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "not_found"
    response = an.get(url(theirs))
    assert response.status_code == 404


def test_a_citizen_cannot_act_on_another_citizens_dossier(cast):
    dossier = DossierFactory(cast=cast, status="supplement_requested")
    for action in ("withdraw", "supplement"):
        response = act(cast, cast.other_citizen, dossier.code, action)
        assert response.status_code == 404, response.json()
        assert response.json()["code"] == "not_found"
    dossier.refresh_from_db()
    assert dossier.status == "supplement_requested"
    assert Event.objects.filter(dossier=dossier).count() == 2


def test_a_counter_filed_dossier_is_visible_to_the_citizen_with_that_id(cast):
    clerk = cast.client(cast.clerk)
    filed = []
    for personal_id in (cast.citizen.personal_id, "025090005555"):
        response = clerk.post(
            "/api/v1/counter/intake/",
            {
                "procedure": "1.001193",
                "applicant": applicant_data(cast, personal_id=personal_id),
                "summary": "Nộp tại quầy",
                "components": [{"order": 1}],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        filed.append(response.json()["dossier"]["code"])
    an_s, stranger_s = filed
    an = cast.client(cast.citizen)
    assert codes(an.get("/api/v1/dossiers/")) == {an_s}
    detail = an.get(url(an_s))
    assert detail.status_code == 200
    assert detail.json()["available_actions"] == ["withdraw"]
    assert an.get(url(stranger_s)).status_code == 404
    assert cast.client(cast.other_citizen).get(url(an_s)).status_code == 404
    # The owner may withdraw it like their own online dossier.
    assert act(cast, cast.citizen, an_s, "withdraw").status_code == 200


# --- officials --------------------------------------------------------------------------------
def test_a_receiving_officer_sees_only_their_centres_dossiers(cast):
    ward = DossierFactory(cast=cast, status="new").code
    provincial = file_online(cast, receiving_agency=cast.provincial_centre.code).code
    clerk, other = cast.client(cast.clerk), cast.client(cast.other_clerk)
    assert codes(clerk.get("/api/v1/dossiers/")) == {ward}
    assert codes(other.get("/api/v1/dossiers/")) == {provincial}
    assert clerk.get(url(provincial)).status_code == 404
    assert other.get(url(ward)).status_code == 404
    response = act(cast, cast.clerk, provincial, "receive")
    assert response.status_code == 404
    assert Dossier.objects.get(code=provincial).status == "new"
    assert act(cast, cast.other_clerk, provincial, "receive").status_code == 200


def test_processing_staff_see_only_their_agencys_dossiers(cast):
    committee = DossierFactory(cast=cast, status="received").code
    department = file_online(cast)
    # Set up (not an API path): a dossier handled by another agency.
    with bulk_writes():  # test set-up past the one door
        Dossier.objects.filter(pk=department.pk).update(handling_agency=cast.department)
    services.receive(dossier=department.code, actor=cast.clerk)
    department = department.code
    for user in (cast.leader, cast.specialist):
        client = cast.client(user)
        assert codes(client.get("/api/v1/dossiers/")) == {committee}
        assert client.get(url(department)).status_code == 404
    other = cast.client(cast.other_leader)
    assert codes(other.get("/api/v1/dossiers/")) == {department}
    assert other.get(url(committee)).status_code == 404
    # The ward centre received both, so its clerk sees both.
    assert codes(cast.client(cast.clerk).get("/api/v1/dossiers/")) == {committee, department}

    response = act(cast, cast.leader, department, "assign")
    assert response.status_code == 404
    response = act(cast, cast.other_leader, committee, "assign", assignee=cast.other_leader.pk)
    assert response.status_code == 404
    assert Dossier.objects.get(code=committee).status == "received"


# --- the administrator --------------------------------------------------------------------------
def test_the_administrator_reads_everything(cast):
    ward = DossierFactory(cast=cast, status="new").code
    provincial = file_online(cast, receiving_agency=cast.provincial_centre.code).code
    other = file_online(cast, citizen=cast.other_citizen).code
    admin = cast.client(cast.admin)
    assert codes(admin.get("/api/v1/dossiers/")) == {ward, provincial, other}
    for code in (ward, provincial, other):
        response = admin.get(url(code))
        assert response.status_code == 200
        assert response.json()["available_actions"] == []


ACTION_STATES = {
    "receive": "new",
    "refuse_receipt": "new",
    "request_supplement": "received",
    "supplement": "supplement_requested",
    "assign": "received",
    "hand_over": "processing",
    "request_payment": "processing",
    "confirm_payment": "awaiting_payment",
    "approve": "processing",
    "refuse": "processing",
    "return_result": "result_ready",
    "withdraw": "processing",
    "stop": "processing",
    "reschedule": "processing",
}


def test_the_administrator_acts_on_nothing(cast):
    dossiers = {
        state: DossierFactory(cast=cast, status=state) for state in set(ACTION_STATES.values())
    }
    for action, state in ACTION_STATES.items():
        response = act(cast, cast.admin, dossiers[state].code, action)
        assert response.status_code == 403, (action, response.json())
        assert response.json()["code"] == "permission_denied"
    for state, dossier in dossiers.items():
        dossier.refresh_from_db()
        assert dossier.status == state
    admin = cast.client(cast.admin)
    response = admin.post(
        "/api/v1/dossiers/",
        {"procedure": "1.001193", "applicant": applicant_data(cast), "summary": "Thử"},
        format="json",
    )
    assert response.status_code == 403
    response = admin.post(
        "/api/v1/counter/intake/",
        {"procedure": "1.001193", "applicant": applicant_data(cast), "summary": "Thử"},
        format="json",
    )
    assert response.status_code == 403


# --- the wrong role on a state that allows the action --------------------------------------
@pytest.mark.parametrize(
    ("who", "action", "state"),
    [
        ("specialist", "approve", "processing"),
        ("specialist", "refuse", "processing"),
        ("specialist", "assign", "received"),
        ("specialist", "stop", "processing"),
        ("specialist", "reschedule", "processing"),
        ("citizen", "receive", "new"),
        ("citizen", "request_supplement", "new"),
        ("citizen", "approve", "processing"),
        ("citizen", "stop", "processing"),
        ("citizen", "return_result", "result_ready"),
        ("clerk", "approve", "processing"),
        ("clerk", "assign", "received"),
        ("clerk", "hand_over", "processing"),
        ("clerk", "reschedule", "processing"),
        ("clerk", "request_supplement", "received"),
        ("leader", "receive", "new"),
        ("leader", "refuse_receipt", "new"),
        ("leader", "request_supplement", "new"),
        ("leader", "return_result", "result_ready"),
        ("leader", "withdraw", "processing"),
        ("leader", "supplement", "supplement_requested"),
    ],
)
def test_the_wrong_role_is_forbidden(cast, who, action, state):
    dossier = DossierFactory(cast=cast, status=state)
    events = Event.objects.filter(dossier=dossier).count()
    response = act(cast, getattr(cast, who), dossier.code, action)
    assert response.status_code == 403, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "permission_denied"
    dossier.refresh_from_db()
    assert dossier.status == state
    assert Event.objects.filter(dossier=dossier).count() == events


def test_only_citizens_submit_online_and_only_clerks_take_counter_intake(cast):
    body = {"procedure": "1.001193", "applicant": applicant_data(cast), "summary": "Thử"}
    for user in (cast.clerk, cast.leader, cast.specialist):
        response = cast.client(user).post("/api/v1/dossiers/", body, format="json")
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "permission_denied"
    for user in (cast.citizen, cast.leader, cast.specialist):
        response = cast.client(user).post("/api/v1/counter/intake/", body, format="json")
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "permission_denied"
    assert not Dossier.objects.exists()


# --- unauthenticated --------------------------------------------------------------------------
def test_anonymous_requests_are_401_problems(cast, api):
    code = DossierFactory(cast=cast, status="new").code
    calls = [
        ("get", "/api/v1/dossiers/"),
        ("get", url(code)),
        ("post", url(code, "receive")),
        ("post", url(code, "withdraw")),
        ("post", "/api/v1/dossiers/"),
        ("post", "/api/v1/counter/intake/"),
        ("get", f"/api/v1/counter/receipts/{code}/"),
    ]
    for method, path in calls:
        response = getattr(api, method)(path, {}, format="json")
        assert response.status_code == 401, (path, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "not_authenticated"
        assert response.json()["status"] == 401
    assert Dossier.objects.get(code=code).status == "new"


def test_a_bad_token_is_401(cast, api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/v1/dossiers/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


# --- available actions ------------------------------------------------------------------------
EXPECTED_ACTIONS = {
    "new": {
        "citizen": ["withdraw"],
        "clerk": ["receive", "refuse_receipt", "request_supplement", "withdraw"],
        "leader": [],
        "specialist": [],
    },
    "received": {
        "citizen": ["withdraw"],
        "clerk": ["stop", "withdraw"],
        "leader": ["assign", "request_supplement", "reschedule", "stop"],
        "specialist": ["request_supplement"],
    },
    "processing": {
        "citizen": ["withdraw"],
        "clerk": ["request_payment", "stop", "withdraw"],
        "leader": [
            "approve",
            "hand_over",
            "refuse",
            "request_payment",
            "request_supplement",
            "reschedule",
            "stop",
        ],
        "specialist": ["hand_over", "request_payment", "request_supplement"],
    },
    "supplement_requested": {
        "citizen": ["supplement", "withdraw"],
        "clerk": ["stop", "supplement", "withdraw"],
        "leader": ["stop"],
        "specialist": [],
    },
    "awaiting_payment": {
        "citizen": ["withdraw"],
        # The amount asked for is owed: it may be exempted, reduced or paid at the counter.
        "clerk": ["adjust_fee", "collect_fee", "confirm_payment", "stop", "withdraw"],
        "leader": ["adjust_fee", "collect_fee", "confirm_payment", "stop"],
        "specialist": ["adjust_fee", "collect_fee", "confirm_payment"],
    },
    "result_ready": {"citizen": [], "clerk": ["return_result"], "leader": [], "specialist": []},
    "returned": {"citizen": [], "clerk": [], "leader": [], "specialist": []},
}


@pytest.mark.parametrize("state", list(EXPECTED_ACTIONS))
def test_available_actions_are_exactly_what_each_user_may_do(cast, state):
    dossier = DossierFactory(cast=cast, status=state)
    for who, expected in EXPECTED_ACTIONS[state].items():
        client = cast.client(getattr(cast, who))
        detail = client.get(url(dossier.code))
        assert detail.status_code == 200, (who, detail.json())
        assert detail.json()["available_actions"] == expected, who
        listed = client.get("/api/v1/dossiers/").json()["results"]
        assert [d["available_actions"] for d in listed] == [expected], who
    admin = cast.client(cast.admin).get(url(dossier.code)).json()
    assert admin["available_actions"] == []


def test_available_actions_follow_the_clock(cast, clock):
    clock.set(2026, 3, 2, 9, 0)
    # Due Mon 23/3 09:00.
    dossier = DossierFactory(cast=cast, status="received", procedure="1.000110")
    leader = cast.client(cast.leader)
    # Four working days after receipt: too late to ask for a supplement, still time to apologise.
    clock.set(2026, 3, 6, 9, 0)
    actions = leader.get(url(dossier.code)).json()["available_actions"]
    assert actions == ["assign", "reschedule", "stop"]
    # Past the due date: no apology either.
    clock.set(2026, 3, 23, 9, 1)
    actions = leader.get(url(dossier.code)).json()["available_actions"]
    assert actions == ["assign", "stop"]


def test_every_listed_action_is_accepted(cast):
    """What the list offers a user is not refused when they try it (one try per action)."""
    for state in ("new", "received", "processing", "awaiting_payment", "result_ready"):
        for who in ("citizen", "clerk", "leader", "specialist"):
            for action in EXPECTED_ACTIONS[state][who]:
                dossier = DossierFactory(cast=cast, status=state)
                response = act(cast, getattr(cast, who), dossier.code, action)
                assert response.status_code == 200, (state, who, action, response.json())
