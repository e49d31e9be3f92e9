"""Feedback in the Decision 766 satisfaction group (docs/indicators.md, "Decision 766";
docs/feedback.md, "Counting"): counters kept in the transaction of each change, equal to both
recounts (`verify_stats`), and the group's arithmetic on a controlled set with feedback present.

Source of the formulas: the project's domain notes on how the national portal scores the group
(docs/domain.md §6): feedback handled on time 6 × ratio; feedback handled to the applicant's
satisfaction (not unsatisfied, not re-opened) 6 × ratio; dossiers received and handled without a
"not satisfied" rating, feedback or lateness min(6, 6 × ratio / 0.9). With feedback present the
no-feedback split does not apply. Feedback is due 10 working days after receipt (received Mon
2/3/2026 09:00: due Mon 16/3 09:00); procedure 1.001193 takes 1 working day."""

from __future__ import annotations

from datetime import date

import pytest

from dossiers import services as dossier_services
from dossiers.models import Dossier
from feedback import services
from indicators import rebuild, recount_sql
from indicators.index766 import index766
from indicators.measures import Filters, Period, measures
from indicators.models import COUNTERS, KEY, StatCell
from organisations.models import Agency
from satisfaction import services as satisfaction
from tests.support.dossiers import DossierFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]

MARCH = Period.of("month", date(2026, 3, 2))


def returned(cast, clock, *approved):
    clock.set(2026, 3, 2, 9, 0)
    d = DossierFactory(cast=cast, status="processing")
    clock.set(*approved)
    dossier_services.approve(dossier=d.code, actor=cast.leader)
    dossier_services.return_result(dossier=d.code, actor=cast.clerk)
    return d


def feedback(cast, title, **extra):
    kwargs = {"subject": "agency", "agency": cast.committee.code, **extra}
    return services.submit(sender=cast.citizen, title=title, content="Nội dung.", **kwargs).code


def group(s: dict) -> dict:
    g = next(g for g in s["groups"] if g["key"] == "satisfaction")
    return {**g, "by_key": {i["key"]: i for i in g["items"]}}


def verified():
    """The live counters equal the recount (the set-based one too on PostgreSQL), for the whole
    province and limited to the committee (`verify_stats --agency`)."""
    methods = ["python", "sql"] if recount_sql.is_postgres() else ["python"]
    for method in methods:
        for agencies in (None, [Agency.objects.get(name="Ủy ban nhân dân phường Việt Trì").pk]):
            report = rebuild.verify(method=method, agency_ids=agencies)
            assert report.ok, (method, [d.describe() for d in report.differences])
    return True


def test_the_group_with_feedback_on_a_controlled_set(cast, clock):
    on_time = (2026, 3, 3, 8, 0)
    d1 = returned(cast, clock, *on_time)
    d2 = returned(cast, clock, *on_time)
    returned(cast, clock, 2026, 3, 4, 9, 0)  # d3: late
    assert Dossier.objects.get(pk=d2.pk).applicant.account == cast.citizen
    staff = cast.specialist

    clock.set(2026, 3, 2, 9, 0)
    f1 = feedback(cast, "Thái độ tiếp dân")
    f2 = feedback(cast, "Niêm yết thủ tục thiếu")
    clock.set(2026, 3, 3, 10, 0)
    services.answer(feedback=f1, actor=staff, text="Đã chấn chỉnh.")  # on time
    services.rate(feedback=f1, actor=cast.citizen, verdict="satisfied")
    clock.set(2026, 3, 5, 9, 0)
    f4 = feedback(cast, "Đề nghị ngoài thẩm quyền")
    f5 = feedback(cast, "Xin thêm ghế chờ")  # stays open
    f6 = feedback(cast, "Sai sót trên giấy hẹn")
    clock.set(2026, 3, 6, 9, 0)
    services.reject(feedback=f4, actor=staff, reason="Không thuộc thẩm quyền.")  # handled
    services.answer(feedback=f6, actor=staff, text="Đã sửa.")
    services.reopen(feedback=f6, actor=cast.citizen, reason="Chưa sửa hết.")  # not satisfied
    assert verified()
    clock.set(2026, 3, 10, 9, 0)
    # About d2 after it finished (in time, not rated): d2 leaves the third item's numerator.
    f3 = feedback(cast, "Kết quả hồ sơ", subject="dossier", dossier=d2.code, agency="")
    clock.set(2026, 3, 11, 9, 0)
    services.answer(feedback=f3, actor=staff, text="Kết quả đúng quy định.")
    services.rate(feedback=f3, actor=cast.citizen, verdict="not_satisfied")
    clock.set(2026, 3, 20, 9, 0)
    services.answer(feedback=f2, actor=staff, text="Đã bổ sung niêm yết.")  # late (due 16/3)
    assert verified()

    f = Filters(agencies=frozenset({cast.committee.pk}))
    m = measures(f, MARCH)[None]
    assert (m["feedback"], m["feedback_on_time"], m["feedback_late"]) == (6, 4, 1)
    assert (m["feedback_satisfied"], m["feedback_not_satisfied"]) == (3, 1)
    assert m["feedback_dossiers_in_time"] == 1
    items = group(index766(f, MARCH))["by_key"]
    # On time: f1, f3, f4, f6 of 6 → 6 × 4/6 = 4.
    assert (items["feedback_on_time"]["numerator"], items["feedback_on_time"]["denominator"]) == (
        4,
        6,
    )
    assert items["feedback_on_time"]["max"] == 6 and items["feedback_on_time"]["points"] == 4.0
    # Satisfied: f1, f2 (late, but not unsatisfied), f4 of 6 → 3.
    assert items["feedback_satisfied"]["max"] == 6 and items["feedback_satisfied"]["points"] == 3.0
    # Dossiers: finished 3, late 1 (d3), with feedback 1 (d2): 1/3 → 6 × (1/3) / 0.9 = 2.22.
    dossiers = items["dossiers_satisfied"]
    assert (dossiers["numerator"], dossiers["denominator"]) == (1, 3)
    assert dossiers["max"] == 6 and dossiers["points"] == 2.22
    assert group(index766(f, MARCH))["points"] == 9.22
    # d1 rated: nothing moves; d2 rated "not satisfied": it counts once, as unsatisfied.
    satisfaction.record(Dossier.objects.get(pk=d1.pk), level="satisfied", channel="api")
    satisfaction.record(Dossier.objects.get(pk=d2.pk), level="not_satisfied", channel="api")
    m = measures(f, MARCH)[None]
    assert (m["unsatisfied_in_time"], m["feedback_dossiers_in_time"]) == (1, 0)
    assert group(index766(f, MARCH))["by_key"]["dossiers_satisfied"]["numerator"] == 1
    assert verified()
    # Another feedback about d2 does not count it twice; f5 is still open and counts as received.
    clock.set(2026, 3, 23, 9, 0)
    feedback(cast, "Kết quả hồ sơ lần 2", subject="dossier", dossier=d2.code, agency="")
    assert measures(f, MARCH)[None]["feedback_dossiers_in_time"] == 0
    assert verified()
    assert f5
    if recount_sql.is_postgres():  # the set-based rebuild gives the live cells back
        before = list(StatCell.objects.order_by(*KEY).values(*KEY, *COUNTERS))
        rebuild.rebuild(method="sql")
        after = list(StatCell.objects.order_by(*KEY).values(*KEY, *COUNTERS))
        nonzero = [r for r in before if any(r[c] for c in COUNTERS)]
        assert nonzero == [r for r in after if any(r[c] for c in COUNTERS)]


def test_without_feedback_the_split_still_applies(cast, clock):
    returned(cast, clock, 2026, 3, 3, 8, 0)
    items = group(index766(Filters(agencies=frozenset({cast.committee.pk})), MARCH))["by_key"]
    assert items["feedback_on_time"]["max"] == 9 and items["feedback_satisfied"]["max"] == 0
