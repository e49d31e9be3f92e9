"""The leaders' dashboard page (/dashboard/): who sees what, filters and their errors, and that
the figures, charts, 766 table, ranking and lists shown are the selectors' values.

Procedure 1.001193 takes 1 working day: received Mon 2/3/2026 09:00 it is due Tue 3/3 09:00.
The page is read on Wed 4/3 07:30: one dossier finished early, one late, one overdue (due 3/3),
one due today (received 3/3 08:00, due 4/3 08:00)."""

import re
from datetime import date

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from dossiers import services
from indicators import figures, index766, scope
from indicators.dashboard import charts
from indicators.measures import Filters, Period
from tests.support.cast import PASSWORD, file_online

# The seeded province once per module (each test in its own savepoint), on the clock from Monday
# 2 March 2026, 08:00.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]

URL = "/dashboard/"
MARCH = {"period": "month", "date": "2026-03-04"}


def received(cast, clock, when, procedure="1.001193", clerk=None):
    clock.set(*when)
    d = file_online(cast, procedure)
    services.receive(dossier=d.code, actor=clerk or cast.clerk)
    return d


@pytest.fixture
def world(cast, clock):
    early = received(cast, clock, (2026, 3, 2, 9, 0))
    late = received(cast, clock, (2026, 3, 2, 9, 0))
    overdue = received(cast, clock, (2026, 3, 2, 9, 0))
    for d in (early, late, overdue):
        services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    clock.set(2026, 3, 2, 16, 0)
    services.approve(dossier=early.code, actor=cast.leader)
    due_today = received(cast, clock, (2026, 3, 3, 8, 0))
    clock.set(2026, 3, 3, 10, 0)
    services.approve(dossier=late.code, actor=cast.leader)
    # A provincial procedure, handled by a department: outside the ward leader's subtree.
    provincial = received(cast, clock, (2026, 3, 3, 9, 0), "1.004227", clerk=cast.other_clerk)
    clock.set(2026, 3, 4, 7, 30)
    cast.codes = {
        "early": early.code,
        "late": late.code,
        "overdue": overdue.code,
        "due_today": due_today.code,
        "provincial": provincial.code,
        "provincial_agency": provincial.handling_agency.code,
    }
    return cast


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def section(html: str, element_id: str) -> str:
    match = re.search(rf'<(section|div)[^>]*id="{element_id}".*?</section>', html, re.S)
    assert match, element_id
    return match.group(0)


def ward(cast) -> Filters:
    return Filters(agencies=scope.tree(fresh=True).subtree(cast.committee.pk))


def test_a_leader_sees_their_subtree_and_the_figures_are_the_selectors(world, clock):
    response = browser(world.leader).get(URL, MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    march = Period.of("month", date(2026, 3, 4))
    expected = figures.indicators(ward(world), march)

    fig = response.context["figures"]
    assert fig["counts"] == expected["counts"]
    assert fig["rates"] == expected["rates"]
    assert fig["counts"]["received"] == 4  # the department's dossier is not theirs
    assert fig["counts"]["finished"] == 2
    assert fig["rates"]["on_time_rate"] == 0.5
    assert fig["rates"]["online_rate"] == 1.0

    cards = {c["key"]: c for c in response.context["cards"]}
    assert set(cards) == {
        "online_rate",
        "on_time_rate",
        "e_result_rate",
        "digitisation_rate",
        "reuse_rate",
        "paid_online_rate",
        "synced_on_time_rate",
        "average_processing_days",
    }
    for key, value in expected["rates"].items():
        assert cards[key]["value"] == value
        assert cards[key]["target"] == expected["targets"].get(key)
    assert cards["average_processing_days"]["value"] == expected["average_processing_days"]
    # Shown in Vietnamese number format, with the target and a bar against it.
    on_time = re.search(r'data-key="on_time_rate".*?</article>', html, re.S)
    assert on_time, "on-time card"
    assert "50,0 %" in on_time.group(0)
    assert "Chỉ tiêu 100 %" in on_time.group(0)
    assert 'class="chart progress"' in on_time.group(0)
    online = re.search(
        r'data-key="online_rate"[^>]*>(?:(?!</article>).)*Chỉ tiêu ([\d,]+ %)', html, re.S
    )
    assert online.group(1) == "87,4 %"
    assert re.search(r'data-key="received">4<', html)
    assert re.search(r'data-key="backlog_overdue">1<', html)

    # The period label and the filter's agency list: the leader's own subtree only.
    assert "Tháng 03/2026" in html
    codes = [a["code"] for a in response.context["form"]["agencies"]]
    assert codes[0] == world.committee.code
    assert world.centre.code in codes
    assert world.department.code not in codes


def test_the_lists_show_overdue_and_due_today_dossiers_in_local_time(world, clock):
    html = browser(world.leader).get(URL, MARCH).content.decode()
    overdue = section(html, "overdue")
    assert re.findall(r'<tr data-code="([^"]+)"', overdue) == [world.codes["overdue"]]
    # Due Tue 3/3 09:00 local (02:00 UTC), shown day-first in local time.
    assert "03/03/2026 09:00" in overdue
    assert "Thủ tục đăng ký khai sinh" in overdue
    assert world.committee.name in overdue
    due_today = section(html, "due-today")
    assert re.findall(r'<tr data-code="([^"]+)"', due_today) == [world.codes["due_today"]]
    assert "04/03/2026 08:00" in due_today
    # A leader is not staff: no admin links.
    assert "/admin/" not in overdue


def test_the_administrator_sees_the_province_and_admin_links(world, clock):
    response = browser(world.admin).get(URL, MARCH)
    assert response.status_code == 200
    assert response.context["figures"]["counts"]["received"] == 5
    ranked = {r["code"] for r in response.context["ranking"]}
    assert {world.committee.code, world.codes["provincial_agency"]} <= ranked
    overdue = section(response.content.decode(), "overdue")
    link = re.search(r'<a href="(/admin/dossiers/dossier/\d+/change/)">([^<]+)</a>', overdue)
    assert link and link.group(2) == world.codes["overdue"]
    # Narrowed to the department: only its dossier.
    narrowed = browser(world.admin).get(URL, {**MARCH, "agency": world.codes["provincial_agency"]})
    assert narrowed.context["figures"]["counts"]["received"] == 1


def test_an_agency_inside_the_subtree_is_allowed_another_is_403(world, clock):
    inside = browser(world.leader).get(URL, {**MARCH, "agency": world.centre.code})
    assert inside.status_code == 200
    # The centre handles nothing: its subtree has no dossiers.
    assert inside.context["figures"]["counts"]["received"] == 0
    for user, agency in (
        (world.other_leader, world.committee.code),
        (world.leader, world.department.code),
    ):
        response = browser(user).get(URL, {**MARCH, "agency": agency})
        assert response.status_code == 403
        text = response.content.decode()
        assert "Bạn chỉ được xem số liệu của cơ quan mình" in text
        assert "figures" not in response.context
        assert world.codes["overdue"] not in text


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.RECEIVING_OFFICER, Role.PROCESSING_OFFICER])
def test_other_roles_get_a_403_page(world, role):
    user = User.objects.create(username=f"dash-{role}", role=role, agency=world.committee)
    response = browser(user).get(URL, MARCH)
    assert response.status_code == 403
    assert "Bạn không có quyền xem bảng điều khiển" in response.content.decode()
    assert "figures" not in response.context


def test_anonymous_is_sent_to_the_dashboard_login(world):
    response = Client().get(URL, MARCH)
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/?next=/dashboard/")


def test_login_form_logs_a_leader_in_and_logout_sends_back(world):
    # (The module's cast was hashed before the tests' fast hasher applied: a user of its own.)
    leader = User(username="dashleader", role=Role.LEADER, agency=world.committee)
    leader.set_password(PASSWORD)
    leader.save()
    client = Client()
    page = client.get("/dashboard/login/")
    assert page.status_code == 200
    assert "Đăng nhập bảng điều khiển" in page.content.decode()
    wrong = client.post("/dashboard/login/", {"username": "dashleader", "password": "nope"})
    assert wrong.status_code == 200
    assert "error" in wrong.content.decode()
    ok = client.post("/dashboard/login/", {"username": "dashleader", "password": PASSWORD})
    assert ok.status_code == 302
    assert ok["Location"] == "/dashboard/"
    assert client.get(URL, MARCH).status_code == 200
    out = client.post("/dashboard/logout/")
    assert out.status_code == 302
    assert out["Location"] == "/dashboard/login/"
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"period": "week"}, "Kỳ: Giá trị phải là một trong"),
        ({"date": "2026-13-01"}, "Ngày: Ngày phải có dạng YYYY-MM-DD."),
        ({"agency": "nope"}, "Cơ quan: Cơ quan không tồn tại."),
        ({"group_by": "planet"}, "Xếp hạng theo: Giá trị phải là một trong"),
    ],
)
def test_a_bad_filter_is_a_400_page_in_vietnamese(world, params, shown):
    response = browser(world.admin).get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert shown in html
    assert "<form" in html  # the filters stay on the page to correct the value


def test_charts_have_a_bar_per_day_and_series_and_a_point_per_known_rate(world, clock):
    response = browser(world.leader).get(URL, MARCH)
    html = response.content.decode()
    flow = section(html, "chart-flow")
    assert flow.count("<svg") == 1
    bars = re.findall(
        r'<rect class="bar" data-series="([^"]+)" data-label="([^"]+)" '
        r'data-value="([^"]+)"',
        flow,
    )
    assert len(bars) == 31 * 2  # every day of March, received and finished
    by_key = {(s, label): float(v) for s, label, v in bars}
    assert by_key[("Tiếp nhận", "02/03")] == 3
    assert by_key[("Tiếp nhận", "03/03")] == 1
    assert by_key[("Đã giải quyết", "02/03")] == 1
    assert by_key[("Đã giải quyết", "03/03")] == 1
    assert sum(by_key[("Tiếp nhận", f"{d:02d}/03")] for d in range(1, 32)) == 4

    rates = section(html, "chart-rates")
    points = re.findall(
        r'<circle class="point" data-series="([^"]+)" data-label="([^"]+)" data-value="([^"]+)"',
        rates,
    )
    # Online rate on the two days with receipts, on-time rate on the two days with results.
    assert sorted(points) == [
        ("Trực tuyến", "02/03", "1.0"),
        ("Trực tuyến", "03/03", "1.0"),
        ("Đúng hạn", "02/03", "1.0"),
        ("Đúng hạn", "03/03", "0.0"),
    ]
    assert re.findall(r'<line class="target" data-value="([^"]+)"', rates) == ["0.874", "1.0"]


def test_a_year_is_charted_by_month(world, clock):
    response = browser(world.leader).get(URL, {"period": "year", "date": "2026-03-04"})
    flow = section(response.content.decode(), "chart-flow")
    labels = re.findall(r'<rect class="bar" data-series="Tiếp nhận" data-label="([^"]+)"', flow)
    assert labels == [f"T{m}" for m in range(1, 13)]
    assert "Theo tháng, năm 2026" in flow
    assert response.context["period_label"] == "Năm 2026"


def test_the_766_table_and_the_ranking(world, clock):
    response = browser(world.admin).get(URL, MARCH)
    html = response.content.decode()
    march = Period.of("month", date(2026, 3, 4))
    expected = index766.index766(Filters(), march)
    assert response.context["index"]["total"] == expected["total"]
    table = section(html, "index766")
    assert re.findall(r'<tr class="group" data-group="([^"]+)"', table) == [
        g["key"] for g in expected["groups"]
    ]
    total = re.search(r'id="index766-total">([^<]+)<', table).group(1)
    assert total == f"{expected['total']:.2f}".replace(".", ",")
    # The groups that cannot be computed, and why.
    assert "Chấm trên Cổng DVCQG" in table
    # The satisfaction group is scored (issue 14 §3), with its three items.
    assert "Phản ánh, kiến nghị được xử lý đúng hạn" in table
    assert "không có đánh giá không hài lòng" in table

    ranking = index766.ranking(Filters(), march, by="agency")
    rows = re.findall(
        r'<tr class="ranked" data-code="([^"]+)" data-rank="(\d+)" data-total="([^"]+)"',
        section(html, "ranking"),
    )
    assert [(c, int(r), float(t)) for c, r, t in rows] == [
        (r["code"], r["rank"], r["total"]) for r in ranking
    ]
    assert len(rows) == 2
    chart = section(html, "chart-ranking")
    assert len(re.findall(r'<rect class="bar"', chart)) == len(ranking)
    by_commune = browser(world.admin).get(URL, {**MARCH, "group_by": "commune"})
    assert [r["name"] for r in by_commune.context["ranking"]] == [world.unit.name]


def test_chart_text_is_escaped():
    svg = charts.column_chart(
        ["<b>"], [charts.Series('"x" & <y>', [1], "#000")], title="<script>alert(1)</script>"
    )
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
    ranked = charts.ranking_chart([("A & B", 10.0)], title="t", maximum=100)
    assert "A &amp; B" in ranked
    assert charts.nice_ceiling(58) == 100 and charts.nice_ceiling(3) == 5
    assert charts.nice_ceiling(0.9) == 1


def test_dead_portal_messages_are_counted_on_the_page(world, clock):
    """A message the portal refused for good stops its dossier's sync (docs/portal-sync.md): the
    page counts them ("Thông điệp gửi lỗi"), with the latest reason as a tooltip."""
    from outbox.models import OutboxMessage, OutboxStatus

    html = browser(world.leader).get(URL, MARCH).content.decode()
    assert re.search(r'data-key="dead_letters">0<', html)
    assert "Thông điệp gửi lỗi" in html
    first, second = OutboxMessage.objects.order_by("id")[:2]
    for message, reason in ((first, "portal refused: 400 A"), (second, "portal refused: 400 B")):
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.DEAD, last_error=reason
        )
    response = browser(world.leader).get(URL, MARCH)
    assert response.context["dead_letters"]["count"] == 2
    html = response.content.decode()
    assert re.search(r'data-key="dead_letters">2<', html)
    card = re.search(r'<div class="stat alert" id="dead-letters"[^>]*>', html)
    assert card and "portal refused: 400 B" in card.group(0)
