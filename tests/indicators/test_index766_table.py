"""The Decision 766 table (indicators/index766.py) is consistent, and a row is all a new
sub-indicator needs."""

from dataclasses import replace

from indicators import index766
from indicators.feedback import FEEDBACK_MEASURES
from indicators.index766 import GROUPS, ITEMS, Item
from indicators.measures import CHANNELS, PROCEDURE_NAMES
from indicators.models import COUNTERS

# Every key `measures.measures()` answers.
MEASURES = (
    set(COUNTERS)
    | {"received_online", "overdue"}
    | {f"received_{name}" for name in CHANNELS.values()}
    | {f"backlog_{name}" for name in ("in_process", "paused", "pending", "overdue")}
    | set(PROCEDURE_NAMES)
    | set(FEEDBACK_MEASURES)
)


def terms(measure):
    return measure if isinstance(measure, tuple) else (measure,)


def test_groups_add_up_to_100_and_each_group_to_its_rows():
    assert index766.MAXIMUM == 100
    assert [g.key for g in GROUPS] == [
        "transparency",
        "progress",
        "online_service",
        "online_payment",
        "satisfaction",
        "digitisation",
    ]
    for group in GROUPS:
        rows = [row for row in ITEMS if row.group == group.key]
        assert rows, group.key
        assert sum(row.maximum for row in rows) == group.maximum, group.key
    assert {row.group for row in ITEMS} <= {g.key for g in GROUPS}
    keys = [(row.group, row.key) for row in ITEMS]
    assert len(keys) == len(set(keys))


def test_a_row_is_computable_from_measures_or_gives_its_reason():
    for row in ITEMS:
        if row.reason is not None:
            assert row.numerator is None and row.denominator is None, row.key
            continue
        assert row.numerator is not None and row.denominator is not None, row.key
        for term in (*terms(row.numerator), *terms(row.denominator)):
            assert callable(term) or term in MEASURES, (row.key, term)


def test_a_new_row_is_scored_without_anything_else(monkeypatch):
    """Population data connected: "population_data" becomes computable by replacing its row."""
    population = Item(
        "digitisation", "population_data", "Population", 5, "paid_procedures", "fee_procedures"
    )
    items = tuple(population if row.key == "population_data" else row for row in ITEMS)
    monkeypatch.setattr(index766, "ITEMS", items)
    s = index766.scores({"fee_procedures": 4, "paid_procedures": 1})
    assert s["computable_max"] == 83
    digitisation = next(g for g in s["groups"] if g["key"] == "digitisation")
    row = next(i for i in digitisation["items"] if i["key"] == "population_data")
    assert (row["numerator"], row["denominator"], row["rate"], row["points"]) == (1, 4, 0.25, 1.25)
    assert ("digitisation", "population_data") not in {
        (x["group"], x["item"]) for x in s["not_computable"]
    }


def test_the_offered_row_counts_procedures_with_fees_offering_online_payment():
    """Decision 766 online payment, "Thủ tục có phí được triển khai thanh toán trực tuyến": 2 ×
    procedures with fee-bearing dossiers that offer online payment / procedures with fees."""
    row = next(r for r in ITEMS if r.key == "offered")
    assert (row.group, row.maximum, row.reason) == ("online_payment", 2, None)
    assert (row.numerator, row.denominator) == ("offered_procedures", "fee_procedures")
    s = index766.scores({"fee_procedures": 4, "offered_procedures": 3})
    payment = next(g for g in s["groups"] if g["key"] == "online_payment")
    offered = next(i for i in payment["items"] if i["key"] == "offered")
    assert (offered["rate"], offered["points"]) == (0.75, 1.5)


def test_target_and_no_data_conventions(monkeypatch):
    row = next(r for r in ITEMS if r.key == "digitised")
    assert (row.maximum, row.target) == (4, 0.8)
    monkeypatch.setattr(index766, "ITEMS", (row,))
    monkeypatch.setattr(index766, "GROUPS", (replace(GROUPS[-1], maximum=4),))
    half = index766.scores({"received": 10, "digitised": 4})["groups"][0]["items"][0]
    assert half["points"] == 2.0  # 4 × min(1, 0.4 / 0.8)
    assert half["no_data"] is False
    none = index766.scores({})["groups"][0]["items"][0]
    assert (none["points"], none["no_data"], none["rate"]) == (4.0, True, None)
