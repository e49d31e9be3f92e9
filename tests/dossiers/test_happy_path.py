"""Done when: a citizen submits online, an officer receives, a specialist and a leader process
and approve, and the officer returns the result — all through the API, each step visible in
the timeline."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_online_dossier_from_submission_to_returned_result(cast, submit):
    body = submit()
    code = body["code"]
    assert re.fullmatch(rf"{re.escape(cast.centre.code)}-\d{{6}}-0001", code)
    assert body["status"] == "new"
    assert body["portal_status"] == 1
    assert body["receiving_agency"] == cast.centre.code
    assert body["handling_agency"] == cast.committee.code
    assert body["available_actions"] == ["withdraw"]

    clerk = cast.client(cast.clerk)
    queue = clerk.get("/api/v1/dossiers/", {"status": "new"}).json()["results"]
    assert [d["code"] for d in queue] == [code]
    assert set(queue[0]["available_actions"]) == {
        "receive",
        "refuse_receipt",
        "request_supplement",
        "withdraw",
    }

    received = clerk.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json")
    assert received.status_code == 200, received.json()
    received = received.json()
    assert received["status"] == "received"
    assert received["due_at"] is not None
    assert received["original_due_at"] == received["due_at"]

    leader = cast.client(cast.leader)
    assigned = leader.post(
        f"/api/v1/dossiers/{code}/assign/", {"assignee": cast.specialist.pk}, format="json"
    )
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["status"] == "processing"
    assert assigned.json()["assignee"] == "specialist"

    specialist = cast.client(cast.specialist)
    handed = specialist.post(
        f"/api/v1/dossiers/{code}/hand-over/",
        {"assignee": cast.leader.pk, "note": "Đủ điều kiện, trình ký"},
        format="json",
    )
    assert handed.status_code == 200, handed.json()

    approved = leader.post(f"/api/v1/dossiers/{code}/approve/", {"e_result": True}, format="json")
    assert approved.status_code == 200, approved.json()
    approved = approved.json()
    assert approved["status"] == "result_ready"
    assert approved["outcome"] == "approved"
    assert approved["has_e_result"] is True

    returned = clerk.post(
        f"/api/v1/dossiers/{code}/return-result/", {"method": "online"}, format="json"
    )
    assert returned.status_code == 200, returned.json()
    final = returned.json()
    assert final["status"] == "returned"
    assert final["portal_status"] == 10
    assert final["returned_at"] is not None
    assert final["available_actions"] == []

    timeline = [(e["action"], e["from_status"], e["to_status"]) for e in final["timeline"]]
    assert timeline == [
        ("submit", "", "new"),
        ("receive", "new", "received"),
        ("assign", "received", "processing"),
        ("hand_over", "processing", "processing"),
        ("approve", "processing", "result_ready"),
        ("return_result", "result_ready", "returned"),
    ]
    actors = [e["actor"] for e in final["timeline"]]
    assert actors == ["An", "Clerk", "Leader", "Specialist", "Leader", "Clerk"]
    steps = [(s["role"], s["assignee"], s["finished_at"] is not None) for s in final["steps"]]
    assert steps == [
        ("receive", "clerk", True),
        ("specialist", "specialist", True),
        ("leader", "leader", True),
        ("return", None, True),
    ]
    assert all(s["timing"] in ("early", "on_time") for s in final["steps"])

    # The citizen follows their dossier and sees the same story, told by agencies: which
    # official acted and the officials' working notes stay inside.
    mine = cast.client(cast.citizen).get(f"/api/v1/dossiers/{code}/").json()
    assert mine["status"] == "returned"
    assert [e["actor"] for e in mine["timeline"]] == [
        "An",
        cast.centre.name,
        cast.committee.name,
        cast.committee.name,
        cast.committee.name,
        cast.centre.name,
    ]
    assert mine["timeline"][3]["note"] == ""  # "Đủ điều kiện, trình ký" is internal
    assert final["timeline"][3]["note"] == "Đủ điều kiện, trình ký"
    assert all(s["assignee"] is None for s in mine["steps"])
    assert mine["assignee"] is None
