"""The dossier console in the admin: a read-only list and page, and action buttons that go
through the services with the logged-in user as the actor."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from core.calendar import get_calendar
from dossiers import services
from dossiers.action_table import ACTION_TABLE
from dossiers.models import Applicant, Dossier, Event, bulk_writes
from tests.support.cast import CITIZEN_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(submit) -> Dossier:
    return Dossier.objects.get(code=submit()["code"])


def login(client, user, *, staff=True):
    if staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def changelist():
    return reverse("admin:dossiers_dossier_changelist")


def change_url(dossier):
    return reverse("admin:dossiers_dossier_change", args=[dossier.pk])


def action_url(dossier, action):
    return reverse("admin:dossiers_dossier_action", args=[dossier.pk, action])


def buttons(content: str) -> set[str]:
    import re

    return set(re.findall(r'data-action="([a-z_]+)"', content))


def codes_listed(response) -> set[str]:
    assert response.status_code == 200
    return {obj.code for obj in response.context["cl"].result_list}


# --- the list -----------------------------------------------------------------------------
def test_changelist_filters_and_search_for_a_superuser(client, cast, dossier, submit):
    late = Dossier.objects.get(code=submit()["code"])
    services.receive(dossier=late, actor=cast.clerk)
    with bulk_writes():  # test set-up past the one door
        Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    login(client, cast.admin)
    both = {dossier.code, late.code}
    cases = [
        ({}, both),
        ({"status__exact": "new"}, {dossier.code}),
        ({"status__exact": "received"}, {late.code}),
        ({"overdue": "yes"}, {late.code}),
        ({"overdue": "no"}, {dossier.code}),
        ({"channel__exact": "2"}, both),
        ({"channel__exact": "1"}, set()),
        ({"receiving_agency": cast.centre.pk}, both),
        ({"receiving_agency": cast.provincial_centre.pk}, set()),
        ({"handling_agency": cast.committee.pk}, both),
        ({"handling_agency": cast.department.pk}, set()),
        ({"handling_agency": "x"}, set()),
        ({"procedure": "1.001193"}, both),
        ({"procedure": "1.000656"}, set()),
        ({"q": dossier.code}, {dossier.code}),
        ({"q": dossier.code.lower()}, {dossier.code}),
        ({"q": "Nguyễn Văn"}, both),
        ({"q": "văn an"}, both),
        ({"q": "Trần Thị"}, set()),
        ({"q": CITIZEN_ID}, both),
        ({"q": "0912345678"}, both),
        ({"status__exact": "new", "overdue": "no", "q": "An"}, {dossier.code}),
    ]
    for params, expected in cases:
        response = client.get(changelist(), params)
        assert codes_listed(response) == expected, params

    content = client.get(changelist()).content.decode()
    assert "Quá hạn" in content  # the Vietnamese filter and column
    assert cast.centre.name in content  # agencies come from the Agency table
    assert 'name="procedure"' in content


def test_agency_filter_keeps_the_other_parameters(client, cast, dossier):
    login(client, cast.admin)
    content = client.get(changelist(), {"status__exact": "new", "q": "An"}).content.decode()
    assert '<input type="hidden" name="status__exact" value="new">' in content
    assert '<input type="hidden" name="q" value="An">' in content


def test_an_officer_lists_only_dossiers_in_scope(client, cast, dossier):
    login(client, cast.clerk)
    assert changelist() in client.get(reverse("admin:index")).content.decode()
    assert codes_listed(client.get(changelist())) == {dossier.code}
    client.logout()
    login(client, cast.other_clerk)
    assert codes_listed(client.get(changelist())) == set()
    assert client.get(change_url(dossier)).status_code == 302  # "does not exist" → index
    assert client.get(action_url(dossier, "receive")).status_code == 404


def test_officers_need_is_staff(client, cast, dossier):
    login(client, cast.clerk, staff=False)
    response = client.get(change_url(dossier))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_staff_citizen_sees_nothing(client, cast, dossier):
    login(client, cast.citizen)
    assert client.get(changelist()).status_code == 403


# --- the page -----------------------------------------------------------------------------
def test_officer_sees_the_timeline_and_exactly_their_buttons(client, cast, dossier):
    login(client, cast.clerk)
    response = client.get(change_url(dossier))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nộp hồ sơ trực tuyến" in content  # the timeline's first event
    assert "Dòng thời gian xử lý" in content or "dòng thời gian xử lý" in content
    assert "Thủ tục đăng ký khai sinh" in content
    expected = set(services.available_actions(dossier, cast.clerk))
    assert expected == {"receive", "refuse_receipt", "request_supplement", "withdraw"}
    assert buttons(content) == expected
    assert action_url(dossier, "receive") in content
    # View only: no save buttons, no inputs for the dossier's fields, no inline deletes.
    assert 'name="_save"' not in content
    assert 'name="summary"' not in content
    assert "DELETE" not in content


def test_leader_sees_no_button_on_a_new_dossier(client, cast, dossier):
    login(client, cast.leader)
    content = client.get(change_url(dossier)).content.decode()
    assert buttons(content) == set()
    assert 'id="dossier-actions-note"' in content


def test_the_administrator_sees_no_button_and_a_note(client, cast, dossier):
    login(client, cast.admin)
    content = client.get(change_url(dossier)).content.decode()
    assert buttons(content) == set()
    assert "chỉ được xem hồ sơ" in content


# --- the actions --------------------------------------------------------------------------
def test_receive_through_the_form_runs_the_service(client, cast, dossier):
    login(client, cast.clerk)
    form = client.get(action_url(dossier, "receive"))
    assert form.status_code == 200
    assert "csrfmiddlewaretoken" in form.content.decode()
    response = client.post(action_url(dossier, "receive"), {"note": "Đủ thành phần"})
    assert response.status_code == 302
    assert response["Location"] == change_url(dossier)
    dossier.refresh_from_db()
    assert dossier.status == "received"
    assert dossier.due_at is not None
    event = Event.objects.filter(dossier=dossier).order_by("-at", "-id").first()
    assert (event.action, event.from_status, event.to_status) == ("receive", "new", "received")
    assert event.actor == cast.clerk
    assert event.note == "Đủ thành phần"
    page = client.get(response["Location"]).content.decode()
    assert "Đã thực hiện" in page
    assert "Đã tiếp nhận" in page


def test_the_form_is_protected_by_csrf(cast, dossier):
    from django.test import Client

    client = login(Client(enforce_csrf_checks=True), cast.clerk)
    response = client.post(action_url(dossier, "receive"), {"note": ""})
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == "new"


def test_refuse_receipt_without_reason_changes_nothing(client, cast, dossier):
    login(client, cast.clerk)
    events = Event.objects.filter(dossier=dossier).count()
    response = client.post(action_url(dossier, "refuse_receipt"), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert "errornote" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == "new"
    assert Event.objects.filter(dossier=dossier).count() == events

    response = client.post(
        action_url(dossier, "refuse_receipt"), {"reason": "Không thuộc thẩm quyền"}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "not_received"
    assert dossier.outcome_reason == "Không thuộc thẩm quyền"


def test_an_action_not_available_now_is_refused(client, cast, dossier):
    login(client, cast.clerk)
    events = Event.objects.filter(dossier=dossier).count()
    response = client.get(action_url(dossier, "approve"))
    assert response.status_code == 302
    assert response["Location"] == change_url(dossier)
    page = client.get(response["Location"]).content.decode()
    assert "không có quyền" in page  # the service's own reason
    response = client.post(
        action_url(dossier, "assign"), {"assignee": cast.specialist.pk}, follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    dossier.refresh_from_db()
    assert dossier.status == "new"
    assert dossier.assignee is None
    assert Event.objects.filter(dossier=dossier).count() == events


def test_an_action_no_longer_available_after_the_state_moved(client, cast, dossier):
    login(client, cast.clerk)
    services.receive(dossier=dossier, actor=cast.clerk)
    response = client.post(action_url(dossier, "receive"), {"note": ""}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert "Đã tiếp nhận" in messages[0]  # "… khi hồ sơ ở trạng thái “Đã tiếp nhận”"
    assert Event.objects.filter(dossier=dossier, action="receive").count() == 1


def test_the_administrator_cannot_act(client, cast, dossier):
    login(client, cast.admin)
    response = client.post(action_url(dossier, "receive"), {"note": ""}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    dossier.refresh_from_db()
    assert dossier.status == "new"


def test_unknown_action_is_404(client, cast, dossier):
    login(client, cast.clerk)
    assert client.get(action_url(dossier, "teleport")).status_code == 404
    assert client.post(action_url(dossier, "save")).status_code == 404


def test_request_supplement_takes_one_item_per_line(client, cast, dossier):
    login(client, cast.clerk)
    response = client.post(
        action_url(dossier, "request_supplement"),
        {"items": "Bản sao giấy chứng sinh\n\n  Giấy tờ tùy thân của người đi đăng ký  \n"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "supplement_requested"
    event = dossier.events.get(action="request_supplement")
    assert event.payload["items"] == [
        "Bản sao giấy chứng sinh",
        "Giấy tờ tùy thân của người đi đăng ký",
    ]
    assert event.actor == cast.clerk


def test_assign_offers_the_handling_agency_staff_and_records_the_leader(client, cast, dossier):
    services.receive(dossier=dossier, actor=cast.clerk)
    login(client, cast.leader)
    content = client.get(change_url(dossier)).content.decode()
    assert "assign" in buttons(content)
    form = client.get(action_url(dossier, "assign"))
    choices = {user.pk for user in form.context["form"].fields["assignee"].queryset}
    assert choices == {cast.specialist.pk, cast.leader.pk}  # not the clerk, not other agencies
    wrong = client.post(action_url(dossier, "assign"), {"assignee": cast.clerk.pk})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["assignee"]
    response = client.post(action_url(dossier, "assign"), {"assignee": cast.specialist.pk})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "processing"
    assert dossier.assignee == cast.specialist
    assert dossier.events.get(action="assign").actor == cast.leader


def _reschedule_form(dossier, when, reason="Cần xác minh thêm"):
    when = timezone.localtime(when)
    return {
        "reason": reason,
        "new_due_at_0": when.strftime("%d/%m/%Y"),
        "new_due_at_1": when.strftime("%H:%M"),
    }


@pytest.fixture
def received(cast, dossier) -> Dossier:
    services.receive(dossier=dossier, actor=cast.clerk)
    dossier.refresh_from_db()
    return dossier


def _due_in_a_week(dossier) -> None:
    """These tests run on the wall clock: give the dossier a due date (in office hours) five
    working days ahead, so that the apology is in time (no later than one working day before
    the due date) whatever the day and hour they run."""
    due = get_calendar().add_working_days(timezone.now(), 5)
    with bulk_writes():  # test set-up past the one door
        Dossier.objects.filter(pk=dossier.pk).update(due_at=due)
    dossier.refresh_from_db()


def test_reschedule_to_an_earlier_date_shows_the_service_error(client, cast, received):
    _due_in_a_week(received)
    login(client, cast.leader)
    earlier = received.due_at - timedelta(hours=1)
    response = client.post(action_url(received, "reschedule"), _reschedule_form(received, earlier))
    assert response.status_code == 200  # the service's field error, shown on the form
    assert response.context["form"].errors["new_due_at"]
    response = client.post(
        action_url(received, "reschedule"), _reschedule_form(received, earlier, "")
    )
    assert response.context["form"].errors["reason"]
    received.refresh_from_db()
    assert received.reschedule_count == 0


def test_reschedule_with_a_new_date(client, cast, received):
    _due_in_a_week(received)
    login(client, cast.leader)
    later = (received.due_at + timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(action_url(received, "reschedule"), _reschedule_form(received, later))
    assert response.status_code == 302
    received.refresh_from_db()
    # The new appointment is moved into office hours when it falls outside them.
    assert received.due_at == get_calendar().in_office_time(later)
    assert received.reschedule_count == 1


def test_an_error_escaping_the_service_is_a_message_not_a_500(client, cast, received, monkeypatch):
    import dataclasses

    from django_fsm import TransitionNotAllowed

    from dossiers.models import DossierAction

    def broken(**kwargs):
        raise TransitionNotAllowed("conditions")

    row = ACTION_TABLE[DossierAction.STOP]
    monkeypatch.setitem(ACTION_TABLE, DossierAction.STOP, dataclasses.replace(row, service=broken))
    login(client, cast.leader)
    response = client.post(action_url(received, "stop"), {"reason": "Thử"}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    received.refresh_from_db()
    assert received.status == "received"


# --- nothing is edited directly -------------------------------------------------------------
def test_the_dossier_cannot_be_added_changed_or_deleted(client, cast, dossier):
    login(client, cast.admin)
    assert client.get(reverse("admin:dossiers_dossier_add")).status_code == 403
    before = Dossier.objects.values().get(pk=dossier.pk)
    response = client.post(
        change_url(dossier),
        {"summary": "Sửa trực tiếp", "status": "returned", "code": "X", "_save": "Lưu"},
    )
    assert response.status_code == 403
    assert Dossier.objects.values().get(pk=dossier.pk) == before
    delete = reverse("admin:dossiers_dossier_delete", args=[dossier.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Dossier.objects.filter(pk=dossier.pk).exists()


def test_events_cannot_be_deleted_through_the_admin(client, cast, dossier):
    model_admin = admin.site._registry.get(Event)
    if model_admin is not None:  # not registered: the inline is the only view
        request = type("R", (), {"user": cast.admin})()
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_add_permission(request)
    dossier_admin = admin.site._registry[Dossier]
    request = type("R", (), {"user": cast.admin})()
    for inline in dossier_admin.get_inline_instances(request, dossier):
        assert not inline.has_delete_permission(request, dossier)
        assert not inline.has_add_permission(request, dossier)
        assert not inline.has_change_permission(request, dossier)
    login(client, cast.admin)
    events = Event.objects.filter(dossier=dossier).count()
    data = {
        "events-TOTAL_FORMS": "1",
        "events-INITIAL_FORMS": "1",
        "events-0-id": str(dossier.events.first().pk),
        "events-0-DELETE": "on",
        "_save": "Lưu",
    }
    assert client.post(change_url(dossier), data).status_code == 403
    assert Event.objects.filter(dossier=dossier).count() == events


def test_every_transition_has_a_form():
    transitions = {t.name for t in Dossier._meta.get_field("status").get_all_transitions(Dossier)}
    assert {row.name for row in ACTION_TABLE.values() if row.form} == transitions


# --- the applicant --------------------------------------------------------------------------
def test_applicant_is_read_only(client, cast, dossier):
    applicant = dossier.applicant
    login(client, cast.admin)
    listing = client.get(reverse("admin:dossiers_applicant_changelist"), {"q": CITIZEN_ID})
    assert list(listing.context["cl"].result_list) == [applicant]
    listing = client.get(reverse("admin:dossiers_applicant_changelist"), {"q": "nguyễn"})
    assert list(listing.context["cl"].result_list) == [applicant]
    url = reverse("admin:dossiers_applicant_change", args=[applicant.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"full_name": "Tên khác", "kind": 1}).status_code == 403
    assert Applicant.objects.get(pk=applicant.pk).full_name == "Nguyễn Văn An"
    assert client.get(reverse("admin:dossiers_applicant_add")).status_code == 403
    delete = reverse("admin:dossiers_applicant_delete", args=[applicant.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_officers_do_not_browse_all_applicants(client, cast, dossier):
    login(client, cast.clerk)
    assert client.get(reverse("admin:dossiers_applicant_changelist")).status_code == 403


# --- counting at scale ------------------------------------------------------------------------
def test_the_list_counts_exactly_on_small_tables(client, cast, dossier):
    from dossiers.admin.filters import EstimatedCountPaginator

    assert EstimatedCountPaginator(Dossier.objects.order_by("pk"), 50).count == 1
    login(client, cast.admin)
    assert client.get(changelist()).context["cl"].result_count == 1


def test_an_unfiltered_list_uses_the_planner_estimate_on_postgres(
    on_postgres, cast, dossier, monkeypatch
):
    from django.db import connection

    from dossiers.admin.filters import EstimatedCountPaginator

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Dossier._meta.db_table}")
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [Dossier._meta.db_table],
        )
        estimate = cursor.fetchone()[0]
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 0)
    unfiltered = EstimatedCountPaginator(Dossier.objects.order_by("pk"), 50)
    # The estimate once the table has been analysed; an exact count while it has not.
    assert unfiltered.count == (estimate if estimate > 0 else 1)
    filtered = EstimatedCountPaginator(Dossier.objects.filter(status="new").order_by("pk"), 50)
    assert filtered.count == 1
