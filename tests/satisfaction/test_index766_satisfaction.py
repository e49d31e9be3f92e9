"""The Decision 766 satisfaction group (18 points) on a controlled set, hand-computed.

Source of the formulas (docs/indicators.md, "Decision 766", satisfaction): the project's design
notes on how the national portal scores the group (the shared domain notes §8, summarised in
docs/domain.md §6): feedback handled on time 6 × ratio (6 with no feedback); feedback handled to
the applicant's satisfaction 6 × ratio (6 with none); dossiers received and handled without a
"not satisfied" rating, feedback or lateness min(6, 6 × ratio / 0.9); with no feedback the
points are split between the on-time feedback and the dossier items (our reading: the 6 points
of the feedback-satisfaction item go 3 + 3 to them: 9 + 9 × min(1, ratio / 0.9)).

Procedure 1.001193 takes 1 working day: received Mon 2/3/2026 09:00 it is due Tue 3/3 09:00."""

from __future__ import annotations

from datetime import date

import pytest

from dossiers import services
from indicators import rebuild
from indicators.figures import indicators
from indicators.index766 import index766, scores
from indicators.measures import Filters, Period
from satisfaction import services as satisfaction
from tests.support.dossiers import DossierFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]

MARCH = Period.of("month", date(2026, 3, 2))


def group(s: dict) -> dict:
    g = next(g for g in s["groups"] if g["key"] == "satisfaction")
    return {**g, "by_key": {i["key"]: i for i in g["items"]}}


def processing(cast, clock):
    clock.set(2026, 3, 2, 9, 0)
    return DossierFactory(cast=cast, status="processing")


def returned(cast, clock, *approved):
    d = processing(cast, clock)
    clock.set(*approved)
    services.approve(dossier=d.code, actor=cast.leader)
    services.return_result(dossier=d.code, actor=cast.clerk)
    return d


def rate(d, level):
    from dossiers.models import Dossier

    satisfaction.record(Dossier.objects.get(pk=d.pk), level=level, channel="api")


def test_the_group_on_a_controlled_set(cast, clock):
    on_time = (2026, 3, 3, 8, 0)
    d1 = returned(cast, clock, *on_time)
    d2 = returned(cast, clock, *on_time)
    d3 = returned(cast, clock, *on_time)
    returned(cast, clock, *on_time)  # d4: not rated
    d5 = returned(cast, clock, 2026, 3, 4, 9, 0)  # late
    d6 = processing(cast, clock)
    clock.set(*on_time)
    services.refuse(dossier=d6.code, actor=cast.leader, reason="Không đủ điều kiện")  # refused
    clock.set(2026, 3, 5, 9, 0)
    d7 = DossierFactory(cast=cast, status="not_received")  # receipt refused: never finished
    clock.set(2026, 3, 10, 9, 0)
    rate(d1, "very_satisfied")
    rate(d2, "satisfied")
    rate(d3, "not_satisfied")
    rate(d5, "not_satisfied")  # late and unsatisfied: excluded once
    rate(d6, "not_satisfied")
    rate(d7, "satisfied")

    f = Filters(agencies=frozenset({cast.committee.pk}))
    s = index766(f, MARCH)
    g = group(s)
    items = g["by_key"]
    # finished = d1..d6 = 6; late = 1 (d5); rated not satisfied in time = 2 (d3, d6):
    # 6 − 1 − 2 = 3 of 6 = 0.5. No feedback: the split applies.
    dossiers = items["dossiers_satisfied"]
    assert (dossiers["numerator"], dossiers["denominator"], dossiers["rate"]) == (3, 6, 0.5)
    assert dossiers["max"] == 9 and dossiers["target"] == 0.9
    assert dossiers["points"] == 5.0  # 9 × min(1, 0.5 / 0.9)
    assert items["feedback_on_time"]["max"] == 9 and items["feedback_on_time"]["points"] == 9.0
    assert items["feedback_on_time"]["no_data"] is True
    assert items["feedback_satisfied"]["max"] == 0 and items["feedback_satisfied"]["points"] == 0
    assert g["points"] == 14.0 and g["max"] == 18 and g["computable_max"] == 18
    # The ratings' distribution (d7's refused receipt counts there, not in the index's finished).
    ratings = indicators(f, MARCH)["ratings"]
    assert ratings == {
        "very_satisfied": 1,
        "satisfied": 2,
        "not_satisfied": 3,
        "total": 6,
        "not_satisfied_rate": 0.5,
    }
    report = rebuild.verify()
    assert report.ok, [d.describe() for d in report.differences]


def test_arithmetic_with_feedback_and_at_the_90_percent_threshold():
    # With feedback the items are scored as they stand: 6 × 3/4, 6 × 2/4, min(6, 6 × 0.9/0.9).
    m = {
        "feedback": 4,
        "feedback_on_time": 3,
        "feedback_satisfied": 2,
        "finished": 10,
        "late": 0,
        "unsatisfied_in_time": 0,
        "feedback_dossiers_in_time": 1,
    }
    items = group(scores(m))["by_key"]
    assert [items[k]["max"] for k in items] == [6, 6, 6]
    assert items["feedback_on_time"]["points"] == 4.5
    assert items["feedback_satisfied"]["points"] == 3.0
    assert items["dossiers_satisfied"]["points"] == 6.0  # 90 %: full
    assert group(scores(m))["points"] == 13.5
    # Below 90 %: 8 of 10 → 6 × 0.8 / 0.9 = 5.33.
    items = group(scores({**m, "late": 1}))["by_key"]
    assert items["dossiers_satisfied"]["points"] == 5.33


def test_nothing_at_all_keeps_the_full_points():
    g = group(scores({}))
    assert g["points"] == 18.0  # 9 (no feedback) + 0 + 9 (no dossier: no data)
    assert g["by_key"]["dossiers_satisfied"]["no_data"] is True


def test_no_feedback_split_with_every_dossier_satisfied():
    g = group(scores({"finished": 20, "late": 1, "unsatisfied_in_time": 1}))
    assert g["by_key"]["dossiers_satisfied"]["points"] == 9.0  # 18/20 = 0.9 → full
    assert g["points"] == 18.0


def test_the_dashboard_shows_the_group_and_the_ratings(cast, clock):
    import re

    from django.test import Client

    d1 = returned(cast, clock, 2026, 3, 3, 8, 0)
    d2 = returned(cast, clock, 2026, 3, 3, 8, 0)
    rate(d1, "very_satisfied")
    rate(d2, "not_satisfied")
    client = Client()
    client.force_login(cast.leader)
    html = client.get("/dashboard/", {"period": "month", "date": "2026-03-02"}).content.decode()
    assert 'data-group="satisfaction"' in html
    assert 'data-item="dossiers_satisfied"' in html
    assert "chia đều" in html  # the no-feedback split is explained
    section = html[html.index('id="ratings"') :]
    counts = dict(re.findall(r'data-level="(\w+)" data-count="(\d+)"', section))
    assert counts == {"very_satisfied": "1", "satisfied": "0", "not_satisfied": "1"}
