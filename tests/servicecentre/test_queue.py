"""Queue tickets at a service centre (issue 15 §1; Decree 118/2025/NĐ-CP: the one-stop centre
receives in person): numbering per group and local day, the order of call-next (appointments
first at their time), recall, skip, transfer, serving, the dossiers a ticket produced, the
display board's cache, the kiosk's network rule, the printed ticket and the figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.errors import Conflict, DomainError, Forbidden, NotFound
from servicecentre import board, figures, services
from servicecentre.models import Ticket, TicketStatus
from tests.support.cast import at_counter
from tests.support.clock import at

pytestmark = [pytest.mark.django_db, pytest.mark.clock(2026, 3, 2, 8, 0)]


def issue(group, n=1):
    return [services.issue_ticket(group) for _ in range(n)]


def test_numbers_run_per_group_and_restart_the_next_local_day(hall, clock):
    first = issue(hall.a, 3)
    b = services.issue_ticket(hall.b)
    assert [t.label for t in first] == ["A-001", "A-002", "A-003"]
    assert b.label == "B-001"
    # 23:59 local is still the same day; 00:01 local (17:01 UTC) is the next.
    clock.set(2026, 3, 2, 23, 59)
    assert services.issue_ticket(hall.a).label == "A-004"
    clock.set(2026, 3, 3, 0, 1)
    tomorrow = services.issue_ticket(hall.a)
    assert (tomorrow.label, str(tomorrow.day)) == ("A-001", "2026-03-03")


def test_another_centre_numbers_on_its_own(hall):
    services.issue_ticket(hall.a)
    other = hall.other_centre.groups.get()
    assert services.issue_ticket(other).label == "A-001"


def test_call_next_takes_the_longest_waiting_of_the_counters_groups(hall, clock):
    clerk = hall.cast.clerk
    services.open_session(hall.one, clerk)
    services.issue_ticket(hall.b)  # counter 1 does not serve B
    clock.advance(minutes=1)
    a1 = services.issue_ticket(hall.a)
    clock.advance(minutes=1)
    a2 = services.issue_ticket(hall.a)
    clock.advance(minutes=5)
    called = services.call_next(hall.one, clerk)
    assert called.pk == a1.pk
    assert (called.status, called.counter_id, called.wait_seconds) == ("called", hall.one.pk, 360)
    # The counter is busy until the ticket is served, skipped or transferred.
    with pytest.raises(Conflict) as busy:
        services.call_next(hall.one, clerk)
    assert busy.value.code == "counter_busy"
    services.skip(called, clerk)
    assert services.call_next(hall.one, clerk).pk == a2.pk


def test_an_appointment_comes_first_at_its_time_not_before(hall, clock, citizen_slot):
    clerk = hall.cast.clerk
    services.open_session(hall.one, clerk)
    appointment = citizen_slot(hall.a, at(2026, 3, 2, 9, 0))
    clock.set(2026, 3, 2, 8, 30)
    walk_in = services.issue_ticket(hall.a)
    clock.set(2026, 3, 2, 8, 40)
    priority = services.check_in(hall.centre, services.appointment_token(appointment))
    assert priority.priority and priority.queued_at == at(2026, 3, 2, 9, 0)
    later = services.issue_ticket(hall.a)
    # 08:45: the appointment's time has not come: the walk-in who came first is called.
    clock.set(2026, 3, 2, 8, 45)
    assert services.call_next(hall.one, clerk).pk == walk_in.pk
    services.skip(Ticket.objects.get(pk=walk_in.pk), clerk)
    # 09:00: the appointment goes before the walk-in who came at 08:40.
    clock.set(2026, 3, 2, 9, 0)
    assert services.call_next(hall.one, clerk).pk == priority.pk
    services.skip(Ticket.objects.get(pk=priority.pk), clerk)
    assert services.call_next(hall.one, clerk).pk == later.pk


def test_recall_skip_start_finish(hall, clock):
    clerk = hall.cast.clerk
    services.open_session(hall.one, clerk)
    ticket = services.issue_ticket(hall.a)
    called = services.call_next(hall.one, clerk)
    clock.advance(seconds=30)
    recalled = services.recall(called, clerk)
    assert recalled.calls == 2 and recalled.last_called_at > recalled.called_at
    started = services.start(recalled, clerk)
    assert started.status == TicketStatus.SERVING
    with pytest.raises(Conflict):
        services.recall(started, clerk)  # only a called ticket is recalled
    with pytest.raises(Conflict):
        services.skip(started, clerk)
    clock.advance(minutes=7)
    done = services.finish(started, clerk)
    assert (done.status, done.service_seconds) == ("done", 420)
    assert Ticket.objects.get(pk=ticket.pk).status == "done"


def test_a_transfer_keeps_the_tickets_place_and_goes_to_that_counter_only(hall, clock):
    clerk, colleague = hall.cast.clerk, hall.colleague
    services.open_session(hall.one, clerk)
    services.open_session(hall.three, colleague)
    first = services.issue_ticket(hall.a)
    clock.advance(minutes=1)
    second = services.issue_ticket(hall.a)
    clock.advance(minutes=1)
    called = services.call_next(hall.one, clerk)
    assert called.pk == first.pk
    with pytest.raises(DomainError) as same:
        services.transfer(called, clerk, hall.one)
    assert same.value.code == "invalid_counter"
    other_centre_counter = hall.other_centre.counters.create(number=1)
    with pytest.raises(DomainError):
        services.transfer(called, clerk, other_centre_counter)
    moved = services.transfer(called, clerk, hall.two)  # counter 2 serves B only
    assert (moved.status, moved.transferred_to_id, moved.queued_at) == (
        "waiting",
        hall.two.pk,
        first.queued_at,
    )
    # Counter 3 (A and B) does not get the transferred ticket; counter 2 does, before anyone.
    assert services.call_next(hall.three, colleague).pk == second.pk
    services.open_session(hall.two, make_official(hall, "third"))
    third = hall.two.sessions.get(closed_at__isnull=True).official
    assert services.call_next(hall.two, third).pk == first.pk


def make_official(hall, name):
    from accounts.roles import Role
    from tests.support.cast import make_user

    return make_user(name, Role.RECEIVING_OFFICER, hall.cast.centre)


def test_sessions_one_official_per_counter_and_officials_of_the_centre_only(hall):
    clerk, colleague = hall.cast.clerk, hall.colleague
    services.open_session(hall.one, clerk)
    with pytest.raises(Conflict) as taken:
        services.open_session(hall.one, colleague)
    assert taken.value.code == "counter_taken"
    # Opening another counter closes the official's first session.
    services.open_session(hall.two, clerk)
    assert services.current_session(hall.one) is None
    with pytest.raises(Forbidden):
        services.open_session(hall.one, hall.cast.other_clerk)  # the provincial centre's
    with pytest.raises(Forbidden):
        services.open_session(hall.one, hall.cast.citizen)
    services.issue_ticket(hall.a)
    with pytest.raises(Conflict) as no_session:
        services.call_next(hall.one, colleague)
    assert no_session.value.code == "no_session"
    services.close_session(hall.two, clerk)
    with pytest.raises(Conflict):
        services.close_session(hall.two, clerk)


def test_an_empty_queue_is_told(hall):
    services.open_session(hall.one, hall.cast.clerk)
    with pytest.raises(NotFound) as empty:
        services.call_next(hall.one, hall.cast.clerk)
    assert empty.value.code == "queue_empty"


def test_yesterdays_waiting_tickets_are_not_called_today(hall, clock):
    services.issue_ticket(hall.a)
    clock.set(2026, 3, 3, 8, 0)
    services.open_session(hall.one, hall.cast.clerk)
    with pytest.raises(NotFound):
        services.call_next(hall.one, hall.cast.clerk)


def test_a_ticket_links_the_dossiers_it_produced(hall):
    clerk = hall.cast.clerk
    services.open_session(hall.one, clerk)
    services.issue_ticket(hall.a)
    ticket = services.call_next(hall.one, clerk)
    dossier = at_counter(hall.cast)  # received at the ward centre
    link = services.link_dossier(ticket, clerk, dossier.code)
    assert link.dossier_id == dossier.pk
    assert services.link_dossier(ticket, clerk, dossier.code).pk == link.pk  # once
    with pytest.raises(DomainError) as unknown:
        services.link_dossier(ticket, clerk, "nope")
    assert unknown.value.code == "invalid_dossier"


def test_people_ahead(hall, clock):
    tickets = issue(hall.a, 3)
    services.issue_ticket(hall.b)
    assert [services.people_ahead(t) for t in tickets] == [0, 1, 2]


# --- the display board -----------------------------------------------------------------------
def test_the_board_is_cached_and_a_call_invalidates_it(hall, django_capture_on_commit_callbacks):
    clerk = hall.cast.clerk
    services.open_session(hall.one, clerk)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_ticket(hall.a)
    first = board.fragment(hall.centre)
    assert cache.get(board.key(hall.centre.pk)) == first
    assert "A-001" not in first  # waiting, not called
    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(hall.one, clerk)
    assert cache.get(board.key(hall.centre.pk)) is None
    html = board.fragment(hall.centre)
    assert 'data-ticket="A-001"' in html and 'data-marker="' in html


def test_the_board_fragment_is_one_cache_read(hall, client, django_assert_max_num_queries):
    url = reverse("servicecentre:board-fragment", args=[hall.centre.pk])
    client.get(url)
    with django_assert_max_num_queries(1):  # the centre's row; the fragment from the cache
        response = client.get(url)
    assert response.status_code == 200
    assert client.get(reverse("servicecentre:board-fragment", args=[99999])).status_code == 404


def test_the_board_page_polls_with_the_vendored_htmx(hall, client):
    html = client.get(reverse("servicecentre:board", args=[hall.centre.pk])).content.decode()
    assert "/static/django_htmx/htmx" in html and "https://" not in html.split("<body")[0]
    assert 'hx-trigger="every 2s"' in html and "servicecentre/board.js" in html


# --- the kiosk -------------------------------------------------------------------------------
def test_the_kiosk_is_refused_outside_the_centres_networks(hall, client, settings):
    url = reverse("servicecentre:kiosk", args=[hall.centre.pk])
    settings.ONECUA_CENTRE_NETWORKS = []
    assert client.get(url).status_code == 403
    assert client.post(url, {"group": hall.a.pk}).status_code == 403
    assert not Ticket.objects.exists()
    settings.ONECUA_CENTRE_NETWORKS = ["127.0.0.0/8"]
    assert client.get(url).status_code == 200


def test_the_kiosk_opens_for_an_official_of_the_centre(hall, client, settings):
    settings.ONECUA_CENTRE_NETWORKS = []
    url = reverse("servicecentre:kiosk", args=[hall.centre.pk])
    client.force_login(hall.cast.other_clerk)
    assert client.get(url).status_code == 403
    client.force_login(hall.cast.clerk)
    assert client.get(url).status_code == 200


def test_the_kiosk_issues_a_ticket_and_its_printout(hall, client, settings):
    settings.ONECUA_CENTRE_NETWORKS = ["127.0.0.0/8"]
    url = reverse("servicecentre:kiosk", args=[hall.centre.pk])
    services.issue_ticket(hall.b)
    response = client.post(url, {"group": hall.b.pk}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "B-002" in html
    assert "Có 1 người đang chờ trước bạn" in html
    ticket = Ticket.objects.get(label="B-002")
    token = services.ticket_token(ticket)
    pdf = client.get(reverse("servicecentre:ticket-pdf", args=[token]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 226.7717" in pdf.content  # 80 mm wide
    page = client.get(reverse("servicecentre:ticket", args=[token]))
    assert page.status_code == 200 and "B-002" in page.content.decode()
    qr = client.get(reverse("servicecentre:ticket-qr", args=[token]))
    assert qr["Content-Type"] == "image/svg+xml"


def test_the_kiosk_refuses_bad_input(hall, client, settings):
    settings.ONECUA_CENTRE_NETWORKS = ["127.0.0.0/8"]
    url = reverse("servicecentre:kiosk", args=[hall.centre.pk])
    assert client.post(url, {"group": "x"}).status_code == 400
    other_group = hall.other_centre.groups.get()
    assert client.post(url, {"group": other_group.pk}).status_code == 400
    bad = client.post(url, {"appointment": "forged-token"})
    assert bad.status_code == 404 and "Mã không hợp lệ" in bad.content.decode()
    assert client.get(reverse("servicecentre:ticket", args=["forged"])).status_code == 404
    assert client.get(reverse("servicecentre:kiosk", args=[99999])).status_code == 404


# --- figures ---------------------------------------------------------------------------------
def test_figures_per_centre_counter_group_and_official(hall, clock):
    clerk = hall.cast.clerk
    services.open_session(hall.one, clerk)
    for minutes in (0, 1, 2):
        clock.set(2026, 3, 2, 8, minutes)
        services.issue_ticket(hall.a)
    clock.set(2026, 3, 2, 8, 10)
    t = services.call_next(hall.one, clerk)  # waited 10 min
    services.start(t, clerk)
    clock.set(2026, 3, 2, 8, 15)
    services.finish(Ticket.objects.get(pk=t.pk), clerk)  # served 5 min
    t = services.call_next(hall.one, clerk)  # waited 14 min
    services.skip(t, clerk)
    report = figures.report(hall.centre, clock.now.date(), clock.now.date())
    total = report["total"]
    assert (total["issued"], total["waited"], total["served"], total["no_shows"]) == (3, 2, 1, 1)
    assert (total["avg_wait_seconds"], total["p90_wait_seconds"]) == (720, 840)
    assert total["avg_service_seconds"] == 300
    assert [r["label"] for r in report["by_counter"]] == ["1"]
    assert report["by_official"][0]["id"] == clerk.pk
    assert report["by_group"][0]["issued"] == 3


def test_the_dashboard_panel(hall, clock):
    from indicators.dashboard import extensions
    from indicators.measures import Filters, Period

    services.issue_ticket(hall.a)
    day = clock.now.date()
    panels = extensions.panels(Filters(), Period.of("month", day), clock.now)
    assert panels["queue"]["today"]["issued"] == 1
    assert panels["queue"]["today"]["waiting"] == 1
    mine_only = extensions.panels(
        Filters(agencies=frozenset({hall.cast.department.pk})), Period.of("month", day), clock.now
    )
    assert mine_only["queue"] == {}


def test_tickets_older_than_a_day_keep_their_day(hall, clock):
    ticket = services.issue_ticket(hall.a)
    clock.advance(timedelta(days=1))
    assert Ticket.objects.get(pk=ticket.pk).day.isoformat() == "2026-03-02"
