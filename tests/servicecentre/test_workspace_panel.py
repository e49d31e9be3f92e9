"""The counter's queue on the workspace's "My work" (issue 15 §2: "the dossiers waiting for me or
my counter … and the next ticket"): an official with an open counter session sees the ticket
at the counter, the next number the counter would call and how many wait; one without a
session sees no panel; the panel only reads (calling stays on the counter panel)."""

from __future__ import annotations

import pytest

from servicecentre import services
from servicecentre.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.clock(2026, 3, 2, 9, 0)]

MY_WORK = "/lam-viec/"


def test_no_counter_session_no_panel(hall, client):
    services.issue_ticket(hall.a)
    client.force_login(hall.cast.clerk)
    page = client.get(MY_WORK).content.decode()
    assert 'id="queue-next"' not in page


def test_the_next_ticket_of_my_counter_on_my_work(hall, client):
    services.open_session(hall.one, hall.cast.clerk)
    client.force_login(hall.cast.clerk)
    page = client.get(MY_WORK).content.decode()
    assert "Hàng chờ tại Quầy 1" in page
    assert "Không có ai đang chờ." in page

    services.issue_ticket(hall.b)  # counter 1 serves group A only
    first = services.issue_ticket(hall.a)
    services.issue_ticket(hall.a)
    page = client.get(MY_WORK).content.decode()
    assert f"Số tiếp theo: {first.label} (Hộ tịch) — 2 người đang chờ." in page
    assert "Quầy đang trống." in page
    assert Ticket.objects.filter(status="waiting").count() == 3  # reading calls nobody

    services.call_next(hall.one, hall.cast.clerk)
    page = client.get(MY_WORK).content.decode()
    assert f"Đang phục vụ: số {first.label}" in page
    assert "Số tiếp theo: A-002 (Hộ tịch) — 1 người đang chờ." in page
    assert f'href="/quay-phuc-vu/{hall.one.pk}/"' in page
