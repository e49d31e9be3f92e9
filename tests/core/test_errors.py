"""The problem+json builder."""

from core.errors import Conflict, problem, problem_exception_handler


def test_extra_members_never_override_the_standard_ones():
    body = problem(409, "transition_not_allowed", "Không thể", status="returned", type="x")
    assert body["status"] == 409
    assert body["code"] == "transition_not_allowed"
    assert body["type"].endswith("/transition_not_allowed")


def test_domain_error_with_a_status_extra_still_answers_its_own_status():
    response = problem_exception_handler(
        Conflict("Không thể", code="transition_not_allowed", extra={"status": "returned"}), {}
    )
    assert response.status_code == 409
    assert response.data["status"] == 409
    assert response.content_type == "application/problem+json"
