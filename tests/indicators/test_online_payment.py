"""The Decision 766 online-payment group (10 points) on a controlled set, by hand:
6 × dossiers paid online / dossiers with fees + 2 × procedures with fees that offer online payment
(`Procedure.online_payment`, "Thủ tục có phí được triển khai thanh toán trực tuyến") / procedures
with fees + 2 × procedures with fees paid online at least once / procedures with fees
(docs/indicators.md, "Online payment offered"). The live counters equal the Python recount
(SQLite and PostgreSQL) and the set-based one (PostgreSQL); a later catalogue change is picked up
by rebuild_stats."""

from datetime import date

import pytest
from django.core.management import call_command

from dossiers import services
from indicators import rebuild
from indicators.figures import indicators
from indicators.index766 import index766
from indicators.measures import Filters, Period
from indicators.models import ProcedureCount, Scope, Span
from procedures.models import FeeLine, FeeMode, Procedure, ProcedureStatus
from tests.support.dossiers import DossierFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]

MARCH = Period.of("month", date(2026, 3, 2))
# code -> (has a fee, offers online payment)
CATALOGUE = {
    "1.001193": (True, True),  # A: two dossiers, one paid online, one at the counter
    "1.000110": (True, False),  # B: one dossier paid online (the flag is not set)
    "1.000656": (True, True),  # C: one dossier, not paid yet
    "2.000488": (False, True),  # D: free: in neither count
}


def _catalogue(code: str, *, fee: bool, offered: bool) -> None:
    procedure = Procedure.objects.get(code=code, status=ProcedureStatus.PUBLISHED)
    FeeLine.objects.filter(procedure=procedure).delete()
    if fee:
        FeeLine.objects.create(
            procedure=procedure, order=1, name="Lệ phí", amount=50_000, kind="le_phi"
        )
    procedure.fee_mode = FeeMode.FIXED if fee else FeeMode.FREE
    procedure.online_payment = offered
    procedure.save()


def _paid(cast, code: str, *, online: bool):
    d = DossierFactory(cast=cast, status="awaiting_payment", procedure=code)
    services.confirm_payment(dossier=d.code, actor=cast.leader, paid_online=online)
    return d


@pytest.fixture
def controlled(cast, clock):
    for code, (fee, offered) in CATALOGUE.items():
        _catalogue(code, fee=fee, offered=offered)
    clock.set(2026, 3, 2, 9, 0)
    _paid(cast, "1.001193", online=True)
    _paid(cast, "1.001193", online=False)
    _paid(cast, "1.000110", online=True)
    DossierFactory(cast=cast, status="processing", procedure="1.000656")
    _paid(cast, "2.000488", online=False)
    return cast


def _payment_group(cast) -> dict:
    scope = Filters(agencies=frozenset({cast.committee.pk}))
    group = next(g for g in index766(scope, MARCH)["groups"] if g["key"] == "online_payment")
    return {"points": group["points"], **{i["key"]: i for i in group["items"]}}


def _assert_payment_group(cast) -> None:
    g = _payment_group(cast)
    paid, offered, used = g["paid_online"], g["offered"], g["used"]
    assert (paid["numerator"], paid["denominator"], paid["points"]) == (2, 4, 3.0)  # 6 × 2/4
    assert (offered["numerator"], offered["denominator"]) == (2, 3)  # A, C of A, B, C
    assert offered["computable"] and offered["points"] == pytest.approx(2 * 2 / 3, abs=0.01)
    assert (used["numerator"], used["denominator"]) == (2, 3)  # A, B of A, B, C
    assert used["points"] == pytest.approx(2 * 2 / 3, abs=0.01)
    assert g["points"] == pytest.approx(3 + 4 / 3 + 4 / 3, abs=0.02)


def test_the_online_payment_group_by_hand(controlled):
    cast = controlled
    _assert_payment_group(cast)
    scope = Filters(agencies=frozenset({cast.committee.pk}))
    fig = indicators(scope, MARCH)
    assert fig["procedures"]["with_fees"] == 3
    assert fig["procedures"]["with_online_payment"] == 2
    assert fig["procedures"]["with_fees_offering_online_payment"] == 2
    # The same through the cells (a field filter skips the maintained counts).
    committee_fields = frozenset(
        Procedure.objects.filter(code__in=CATALOGUE).values_list("field_id", flat=True)
    )
    by_cells = {"with_fees_offering_online_payment": 0, "with_fees": 0}
    for field in committee_fields:
        f = Filters(agencies=scope.agencies, field=field)
        procedures = indicators(f, MARCH)["procedures"]
        for key in by_cells:
            by_cells[key] += procedures[key]
    assert by_cells == {"with_fees_offering_online_payment": 2, "with_fees": 3}
    # The province's maintained row counts the same (only the committee has dossiers).
    province = ProcedureCount.objects.get(
        scope=Scope.PROVINCE, scope_id=0, span=Span.MONTH, period=date(2026, 3, 1)
    )
    assert (province.with_fees, province.paid, province.offered) == (3, 2, 2)
    report = rebuild.verify()
    assert report.ok, [d.describe() for d in report.differences]


def test_no_fee_no_procedure_counted_and_full_points(cast, clock):
    for code in CATALOGUE:
        _catalogue(code, fee=False, offered=True)
    clock.set(2026, 3, 2, 9, 0)
    DossierFactory(cast=cast, status="processing", procedure="1.001193")
    offered = _payment_group(cast)["offered"]
    assert (offered["denominator"], offered["no_data"], offered["points"]) == (0, True, 2.0)


def test_a_catalogue_change_is_counted_again_by_rebuild(controlled):
    """The flag is read when a procedure's row crosses zero. The admin changes it on a new draft
    version (the counted version keeps its own); a change made past it, on a version that has
    dossiers (an UPDATE, a migration), is counted by rebuild_stats, and verify_stats shows the
    difference until then (docs/indicators.md)."""
    cast = controlled
    Procedure.objects.filter(code="1.000110", status=ProcedureStatus.PUBLISHED).update(
        online_payment=True
    )
    assert not rebuild.verify().ok
    call_command("rebuild_stats")
    assert rebuild.verify().ok
    offered = _payment_group(cast)["offered"]
    assert (offered["numerator"], offered["denominator"]) == (3, 3)


def test_postgres_set_based_recount_counts_offered_alike(controlled, on_postgres):
    cast = controlled
    for method in ("sql", "python"):
        report = rebuild.verify(method=method)
        assert report.ok, [d.describe() for d in report.differences]
    call_command("rebuild_stats", "--method", "sql")
    _assert_payment_group(cast)
    assert rebuild.verify(method="python").ok
