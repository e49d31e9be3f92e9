"""GET /api/v1/calendar/due-date: the counter's appointment calculator."""

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/calendar/due-date"


def test_friday_afternoon_receipt_counts_from_the_next_working_morning(api):
    # Fri 9 Jan 2026 16:00 is after the cut-off; Sat 10 Jan 2026 is a decreed working day.
    response = api.get(URL, {"received_at": "2026-01-09T16:00:00+07:00", "days": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["counting_from"] == "2026-01-10T07:30:00+07:00"
    assert body["due_at"] == "2026-01-10T17:00:00+07:00"


def test_utc_input_is_answered_in_local_time(api):
    # 02:00 UTC = 09:00 in Hà Nội on Fri 13 Feb 2026; Tết closes 16–20 Feb.
    body = api.get(URL, {"received_at": "2026-02-13T02:00:00Z", "days": 1}).json()
    assert body["received_at"] == "2026-02-13T09:00:00+07:00"
    assert body["due_at"] == "2026-02-23T09:00:00+07:00"


def test_trailing_slash_works_too(api):
    response = api.get(URL + "/", {"received_at": "2026-03-02T09:00:00+07:00", "days": 2})
    assert response.json()["due_at"] == "2026-03-04T09:00:00+07:00"


def test_working_hours_unit(api):
    body = api.get(
        URL, {"received_at": "2026-03-03T10:00:00+07:00", "days": 8, "unit": "working_hours"}
    ).json()
    assert body["due_at"] == "2026-03-04T10:30:00+07:00"


def test_months_unit_ends_on_the_corresponding_day(api):
    """Civil Code 2015 art. 148(3) and (5): Fri 30 Jan + 1 month has no 30 Feb, so the last day
    is Sat 28 Feb, a day off: the limit ends at the end of Mon 2 Mar."""
    body = api.get(
        URL, {"received_at": "2026-01-30T10:00:00+07:00", "days": 1, "unit": "months"}
    ).json()
    assert (body["unit"], body["value"]) == ("months", "1.00")
    assert body["due_at"] == "2026-03-02T17:00:00+07:00"


def test_procedure_code_takes_its_time_limit(api, mini_catalogue):
    # 1.004227 takes 20 working days; from Mon 20 Apr 2026 09:00, Hùng Kings day (Mon 27 Apr,
    # observed), 30/4 and 1/5 are skipped: due Thu 21 May 09:00.
    body = api.get(
        URL, {"received_at": "2026-04-20T09:00:00+07:00", "procedure": "1.004227"}
    ).json()
    assert body["procedure"] == "1.004227"
    assert body["value"] == "20.00"
    assert body["due_at"] == "2026-05-21T09:00:00+07:00"


def test_received_at_defaults_to_now(api):
    body = api.get(URL, {"days": 0}).json()
    assert body["received_at"]
    assert body["due_at"] >= body["counting_from"][:16]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"received_at": "yesterday", "days": 1}, "received_at"),
        ({"received_at": "2026-13-45T09:00", "days": 1}, "received_at"),
        ({"days": -1}, "days"),
        ({"days": "ten"}, "days"),
        ({"days": 1, "unit": "weeks"}, "unit"),
        ({"days": 121, "unit": "months"}, "days"),
        ({}, "days"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


def test_unknown_procedure_is_404(api, db):
    response = api.get(URL, {"procedure": "9.999999"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
