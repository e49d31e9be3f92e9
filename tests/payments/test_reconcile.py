"""Reconciliation (issue 13 §3, docs/payments.md): a payment whose notification never comes is
settled by the status query after its expiry; the daily report lists every difference."""

import pytest
from django.core.management import call_command

from dossiers.models import Dossier, Event
from payments.models import Payment, PaymentMessage
from payments.reconcile import daily_report, reconcile
from tests.support.cast import file_online
from tests.support.payments import notify

pytestmark = pytest.mark.django_db


def start(cast, dossier):
    response = cast.client(cast.citizen).post(
        f"/api/v1/dossiers/{dossier.code}/payments/", {}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["reference"]


@pytest.fixture
def pending(cast, fee_procedure, platform, clock):
    dossiers = [file_online(cast, fee_procedure) for _ in range(4)]
    return dossiers, [start(cast, d) for d in dossiers]


def test_a_lost_notification_is_settled_by_the_status_query(cast, pending, platform, clock, capsys):
    dossiers, refs = pending
    platform.outcomes[refs[0]] = {"status": "paid"}
    platform.outcomes[refs[1]] = {"status": "cancelled"}
    del platform.orders[refs[2]]  # the platform never took this order
    # refs[3]: still pending at the platform
    assert sum(reconcile().values()) == 0  # nothing has expired yet
    clock.advance(minutes=31)
    call_command("payments_reconcile")
    assert "4 payment(s) asked about." in capsys.readouterr().out
    status = dict(Payment.objects.values_list("reference", "status"))
    assert [status[r] for r in refs] == ["paid", "cancelled", "expired", "pending"]
    paid = Dossier.objects.get(pk=dossiers[0].pk)
    assert paid.paid_online and not paid.fees_owed
    assert Event.objects.filter(action="pay_online").count() == 1
    assert PaymentMessage.objects.filter(reference=refs[0], kind="query_answer").exists()
    # The late notification of the same payment changes nothing more.
    assert notify(platform.notification(refs[0])).json()["code"] == "02"
    assert Event.objects.filter(action="pay_online").count() == 1
    # Asking again: only the one still pending is asked about.
    assert reconcile() == {"still_pending": 1}


def test_the_platform_down_or_an_unverifiable_answer_changes_nothing(pending, platform, clock):
    _, refs = pending
    clock.advance(minutes=31)
    platform.down = True
    assert reconcile() == {"unavailable": 1}
    platform.down = False
    platform.outcomes[refs[0]] = {"status": "paid", "amount": 1}  # signed, another amount
    platform.outcomes[refs[1]] = {"status": "paid", "secret": "forged"}
    counts = reconcile()
    assert counts["held"] == 1 and counts["unverified"] == 1
    status = dict(Payment.objects.values_list("reference", "status"))
    assert status[refs[0]] == "held" and status[refs[1]] == "pending"
    assert not Event.objects.filter(action="pay_online").exists()


def test_the_daily_report_lists_the_differences(cast, pending, platform, clock):
    _, refs = pending
    platform.outcomes[refs[0]] = {"status": "paid"}  # we missed it
    platform.outcomes[refs[1]] = {"status": "cancelled"}
    notify(platform.notification(refs[1], "cancelled"))  # both agree
    del platform.orders[refs[2]]  # only ours
    platform.orders["OCFOREIGN00000000001"] = {"amount": 5000}  # only theirs
    differences = daily_report((clock.now).date())
    kinds = {(d.kind, d.reference) for d in differences}
    assert kinds == {
        ("status", refs[0]),
        ("only_ours", refs[2]),
        ("only_platform", "OCFOREIGN00000000001"),
    }


def test_the_daily_report_command(pending, platform, clock, capsys):
    call_command("payments_daily_report", "--date", clock.now.date().isoformat())
    assert "0 difference(s)" in capsys.readouterr().out
