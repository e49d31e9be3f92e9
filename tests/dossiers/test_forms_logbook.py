"""The dossier logbook (Mẫu 07) of a receiving agency over local dates, as PDF and as CSV: the
rows, who may read it, and what bad input gets."""

import csv
import io

import pytest
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier
from dossiers.paperwork import logbook, logbook_rows
from tests.support.clock import at
from tests.support.pdf import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_cast"), pytest.mark.clock()]


URL = "/api/v1/reports/logbook/"


@pytest.fixture
def book(cast, submit, clock):
    """Three dossiers received at the ward centre: one returned by post, one received late
    on Wednesday 4 March (local time), one received just after midnight on the 5th (still
    the 4th in UTC), and one refused at receipt (never received)."""

    def received_at(*moment) -> Dossier:
        clock.set(*moment)
        dossier = Dossier.objects.get(code=submit()["code"])
        services.receive(dossier=dossier, actor=cast.clerk)
        return Dossier.objects.get(pk=dossier.pk)

    first = received_at(2026, 3, 2, 9, 0)
    services.assign(dossier=first, actor=cast.leader, assignee=cast.specialist.pk)
    services.hand_over(dossier=first, actor=cast.specialist, assignee=cast.leader.pk)
    services.approve(dossier=first, actor=cast.leader)
    clock.set(2026, 3, 2, 16, 0)
    services.return_result(dossier=first, actor=cast.clerk, method="post")
    late_evening = received_at(2026, 3, 4, 23, 30)
    after_midnight = received_at(2026, 3, 5, 0, 30)
    clock.set(2026, 3, 3, 10, 0)
    refused = Dossier.objects.get(code=submit()["code"])
    services.refuse_receipt(dossier=refused, actor=cast.clerk, reason="Không thuộc thẩm quyền")
    clock.set(2026, 3, 6, 9, 0)
    return {
        "first": Dossier.objects.get(pk=first.pk),
        "late_evening": late_evening,
        "after_midnight": after_midnight,
        "refused": refused,
    }


def params(cast, **extra) -> dict:
    data = {"agency": cast.centre.code, "date_from": "2026-03-02", "date_to": "2026-03-04"}
    data.update(extra)
    return data


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_lists_the_dossiers_received_on_those_local_dates(cast, book):
    response = cast.client(cast.clerk).get(URL, params(cast, format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="so-theo-doi-{cast.centre.code}-20260302-20260304.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == [
        "STT",
        "Mã hồ sơ",
        "Tên thủ tục hành chính",
        "Chủ hồ sơ",
        "Ngày nhận hồ sơ",
        "Hẹn trả kết quả",
        "Ngày trả kết quả",
        "Hình thức nhận kết quả",
        "Tình trạng, ghi chú",
    ]
    first, evening = book["first"], book["late_evening"]
    local = timezone.localtime
    assert rows[1:] == [
        [
            "1",
            first.code,
            "Thủ tục đăng ký khai sinh",
            "Nguyễn Văn An",
            "02/03/2026 09:00",
            f"{local(first.due_at):%d/%m/%Y %H:%M}",
            "02/03/2026 16:00",
            "Qua dịch vụ bưu chính công ích",
            "Đã trả kết quả; đúng hạn",
        ],
        [
            "2",
            evening.code,
            "Thủ tục đăng ký khai sinh",
            "Nguyễn Văn An",
            "04/03/2026 23:30",
            f"{local(evening.due_at):%d/%m/%Y %H:%M}",
            "",
            "Trực tuyến",
            # On the 6th its one working day has run out.
            "Đã tiếp nhận; đang quá hạn",
        ],
    ]


def test_pdf_prints_the_same_rows(cast, book):
    response = cast.client(cast.clerk).get(URL, params(cast))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG VIỆT TRÌ",
        "SỔ THEO DÕI HỒ SƠ",
        "Từ ngày 02/03/2026 đến ngày 04/03/2026",
        "Thủ tục đăng ký khai sinh",
        "Nguyễn Văn An",
        "Qua dịch vụ bưu chính công ích",
        "Tổng số hồ sơ: 2",
    ):
        assert expected in text, expected
    # Codes may wrap inside their cell: compare without spaces.
    compact = text.replace(" ", "")
    assert book["first"].code in compact
    assert book["late_evening"].code in compact
    assert book["after_midnight"].code not in compact
    assert book["refused"].code not in compact


def test_the_next_local_day_starts_at_local_midnight(cast, book):
    rows = list(logbook_rows(cast.centre, at(2026, 3, 5).date(), at(2026, 3, 5).date()))
    assert [r.code for r in rows] == [book["after_midnight"].code]


def test_who_may_read_which_logbook(cast, book, api):
    ok = {
        (cast.clerk, cast.centre),
        (cast.admin, cast.centre),
        (cast.admin, cast.department),
        (cast.specialist, cast.committee),
        (cast.leader, cast.committee),
        (cast.other_clerk, cast.provincial_centre),
    }
    refused = {
        (cast.citizen, cast.centre),
        (cast.other_clerk, cast.centre),
        (cast.leader, cast.centre),
        (cast.other_leader, cast.committee),
    }
    for user, agency in ok:
        response = cast.client(user).get(URL, params(cast, agency=agency.code, format="csv"))
        assert response.status_code == 200, (user.username, agency.name)
    for user, agency in refused:
        response = cast.client(user).get(URL, params(cast, agency=agency.code, format="csv"))
        assert response.status_code == 403, (user.username, agency.name)
        assert response["Content-Type"] == "application/problem+json"
    assert api.get(URL, params(cast)).status_code == 401
    # The committee received nothing: its logbook is the header alone.
    rows = read_csv(
        cast.client(cast.leader).get(URL, params(cast, agency=cast.committee.code, format="csv"))
    )
    assert len(rows) == 1


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"agency": "", "date_from": "", "date_to": ""}, {"agency", "date_from", "date_to"}),
        ({"agency": "000.99.99.H99"}, {"agency"}),
        ({"date_from": "2026-02-30"}, {"date_from"}),
        ({"date_from": "02/03/2026"}, {"date_from"}),
        ({"date_to": "2026-03-01"}, {"date_to"}),
        ({"date_from": "2025-03-02", "date_to": "2026-03-03"}, {"date_to"}),  # 367 days
        ({"format": "xlsx"}, {"format"}),
    ],
)
def test_bad_input_is_a_400_with_field_errors(cast, query, fields):
    response = cast.client(cast.admin).get(URL, params(cast, **query))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == fields


@pytest.mark.parametrize(
    ("date_from", "date_to"), [("2024-01-01", "2024-12-31"), ("2025-03-03", "2026-03-03")]
)
def test_up_to_366_days_are_allowed(cast, date_from, date_to):
    query = params(cast, date_from=date_from, date_to=date_to, format="csv")
    assert cast.client(cast.admin).get(URL, query).status_code == 200


def test_a_pdf_too_long_points_to_the_csv(cast, book, monkeypatch):
    monkeypatch.setattr(logbook, "PDF_MAX_ROWS", 1)
    client = cast.client(cast.clerk)
    response = client.get(URL, params(cast, format="pdf"))
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "too_many_rows"
    assert "CSV" in problem["detail"]
    assert len(read_csv(client.get(URL, params(cast, format="csv")))) == 3
