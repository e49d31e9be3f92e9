"""The portal's sync in batches (issue 16 §3): a worker takes the due messages of many dossiers
at once (`outbox.deliver_topic` with runs) and sends one item per dossier — its record as of
its last message, with the progress step of every message, in order — in one call to the
portal (`hoso/dongbo`), built with a fixed number of queries whatever the batch's size. The
guarantees stay: order per dossier, nothing lost, a refusal holding back only its dossier,
dead letters visible, the portal's record equal to ours. (The mock portal in-process.)"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import services
from dossiers.models import Dossier
from integrations.mockportal.models import Counter, FaultConfig, ProgressStep, Record
from integrations.portal import mapping
from integrations.portal.client import reset_client
from integrations.portal.sync import TOPIC
from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus
from tests.support.cast import applicant_data

pytestmark = [pytest.mark.django_db, pytest.mark.outbox]

ACTIONS = 6


@pytest.fixture(autouse=True)
def backlog_mode(settings, monkeypatch):
    """Messages wait (no delivery at commit), as a backlog a worker then drains."""
    reset_client()
    monkeypatch.setattr("integrations.mockportal.views._sleep", lambda seconds: None)
    settings.OUTBOX_AUTODELIVER = False
    yield
    reset_client()


def lifecycle(cast, steps: int = ACTIONS) -> str:
    d = services.submit_online(
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast),
        summary="Hồ sơ đồng bộ theo lô",
        components=[{"order": 1}],
    )
    actions = [
        lambda: services.receive(dossier=d.code, actor=cast.clerk),
        lambda: services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk),
        lambda: services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk),
        lambda: services.approve(dossier=d.code, actor=cast.leader),
        lambda: services.return_result(dossier=d.code, actor=cast.clerk),
    ]
    for action in actions[: steps - 1]:
        action()
    return d.code


def counter(name: str) -> int:
    return Counter.objects.filter(name=name).values_list("value", flat=True).first() or 0


def assert_portal_equals_ours(codes):
    for code in codes:
        dossier = Dossier.objects.get(code=code)
        events = list(dossier.events.order_by("id"))
        record = Record.objects.get(ma_ho_so=code)
        assert record.trang_thai == mapping.PORTAL_STATUS[dossier.status]
        assert record.phien_ban == len(events)
        assert record.data == mapping.dossier_record(dossier, events[-1])
        steps = list(ProgressStep.objects.filter(record=record).order_by("id"))
        assert [s.data for s in steps] == [mapping.progress_step(dossier, e) for e in events]


def test_a_backlog_goes_in_one_call_one_item_per_dossier_every_step_in_order(cast):
    codes = [lifecycle(cast) for _ in range(3)]
    assert delivery.deliver_topic(TOPIC) == 3 * ACTIONS
    assert not OutboxMessage.objects.filter(topic=TOPIC).exclude(status=OutboxStatus.SENT).exists()
    assert counter("requests:hoso/dongbo") == 1
    assert counter("requests:hoso/create") == counter("requests:hoso/tiendo") == 0
    assert_portal_equals_ours(codes)
    # One record per dossier per batch: the portal's history has the last version only.
    for code in codes:
        record = Record.objects.get(ma_ho_so=code)
        assert list(record.versions.values_list("phien_ban", "trang_thai")) == [(ACTIONS, 10)]


def test_later_messages_continue_the_record_and_the_steps(cast):
    code = lifecycle(cast, steps=2)
    assert delivery.deliver_topic(TOPIC) == 2
    dossier = Dossier.objects.get(code=code)
    services.assign(dossier=code, actor=cast.leader, assignee=cast.specialist.pk)
    services.hand_over(dossier=code, actor=cast.specialist, assignee=cast.leader.pk)
    assert delivery.deliver_topic(TOPIC) == 2
    assert_portal_equals_ours([code])
    record = Record.objects.get(ma_ho_so=dossier.code)
    assert list(record.versions.values_list("phien_ban", flat=True)) == [2, 4]


def test_the_queries_of_a_batch_do_not_grow_with_its_size(cast, settings):
    settings.OUTBOX_BATCH_SIZE = 1000
    lifecycle(cast, steps=1)
    delivery.deliver_topic(TOPIC)  # warm: the client logs in, the fault row exists

    def statements(dossiers: int) -> int:
        for _ in range(dossiers):
            lifecycle(cast)
        with CaptureQueriesContext(connection) as queries:
            assert delivery.deliver_topic(TOPIC) == dossiers * ACTIONS
        return len(queries)

    small, large = statements(2), statements(8)
    # Ours (claim, runs, dossiers + 3 prefetches, events, superseded, one UPDATE) and the
    # mock's (in-process: token, faults, counters, bulk writes), per batch, not per message.
    assert small == large
    assert large < 40


def test_a_refused_dossier_holds_back_only_itself(cast, monkeypatch):
    from integrations.mockportal import views

    good = lifecycle(cast)
    bad = lifecycle(cast)
    original = views.validate_record

    def strict(data):
        errors = original(data)
        if data.get("MaHoSo") == bad:
            errors.add("MaHoSo", "Từ chối (kiểm thử).")
        return errors

    monkeypatch.setattr(views, "validate_record", strict)
    assert delivery.deliver_topic(TOPIC) == ACTIONS
    assert_portal_equals_ours([good])
    assert not Record.objects.filter(ma_ho_so=bad).exists()
    bad_messages = OutboxMessage.objects.filter(key=f"dossier:{Dossier.objects.get(code=bad).pk}")
    statuses = list(bad_messages.order_by("id").values_list("status", "attempts"))
    # The head is a visible dead letter; the rest of its run was not attempted, still in order.
    assert statuses == [(OutboxStatus.DEAD, 1)] + [(OutboxStatus.PENDING, 0)] * (ACTIONS - 1)
    assert "400" in bad_messages.order_by("id").first().last_error
    assert delivery.dead_letters_summary()["count"] == 1


def test_portal_down_then_up_loses_nothing(cast):
    FaultConfig.objects.update_or_create(pk=1, defaults={"down": True})
    codes = [lifecycle(cast) for _ in range(2)]
    assert delivery.deliver_topic(TOPIC) == 0
    heads = OutboxMessage.objects.filter(topic=TOPIC, attempts=1)
    assert heads.count() == 2 and "503" in heads.first().last_error
    assert OutboxMessage.objects.filter(topic=TOPIC, status=OutboxStatus.PENDING).count() == 12
    FaultConfig.objects.filter(pk=1).update(down=False)
    OutboxMessage.objects.update(next_attempt_at=heads.first().created_at)
    assert delivery.deliver_topic(TOPIC) == 2 * ACTIONS
    assert_portal_equals_ours(codes)


def test_a_retried_batch_is_a_replay(cast):
    """The same batch again (a worker killed after the portal applied it): nothing doubles."""
    codes = [lifecycle(cast) for _ in range(2)]
    assert delivery.deliver_topic(TOPIC) == 2 * ACTIONS
    OutboxMessage.objects.update(status=OutboxStatus.PENDING)
    assert delivery.deliver_topic(TOPIC) == 2 * ACTIONS
    assert counter("duplicates") == 1  # the whole call replayed under its Idempotency-Key
    assert_portal_equals_ours(codes)
    for code in codes:
        assert Record.objects.get(ma_ho_so=code).versions.count() == 1


def test_a_superseded_dead_message_s_step_goes_with_the_batch(cast, monkeypatch):
    from integrations.mockportal import views

    code = lifecycle(cast, steps=1)
    assert delivery.deliver_topic(TOPIC) == 1
    original = views.validate_record

    def no_two(data):
        errors = original(data)
        if data.get("TrangThaiHoSo") == 2:
            errors.add("TrangThaiHoSo", "Từ chối (kiểm thử).")
        return errors

    monkeypatch.setattr(views, "validate_record", no_two)
    services.receive(dossier=code, actor=cast.clerk)
    assert delivery.deliver_topic(TOPIC) == 0  # refused: dead
    monkeypatch.undo()
    services.assign(dossier=code, actor=cast.leader, assignee=cast.specialist.pk)
    services.hand_over(dossier=code, actor=cast.specialist, assignee=cast.leader.pk)
    key = f"dossier:{Dossier.objects.get(code=code).pk}"
    # deliver_key supersedes the dead message (and sends the next one alone)...
    assert delivery.deliver_key(key, limit=2) == 1
    # ...then the batch takes the rest; every step reached the portal, in order.
    delivery.deliver_topic(TOPIC)
    assert not OutboxMessage.objects.filter(key=key, status=OutboxStatus.PENDING).exists()
    assert_portal_equals_ours([code])


def test_the_mock_answers_each_item_of_a_batch(client, cast):
    from integrations.portal.client import get_client

    code = lifecycle(cast, steps=1)
    dossier = Dossier.objects.get(code=code)
    event = dossier.events.get()
    good = mapping.dossier_record(dossier, event)
    good["TienDo"] = [mapping.progress_step(dossier, event)]
    bad = {**good, "MaHoSo": "X-1", "TrangThaiHoSo": 42}
    results = get_client().sync_batch([good, bad], idempotency_key="t1")
    assert [r["error_code"] for r in results] == ["0", "1"]
    assert "TrangThaiHoSo" in results[1]["errors"]
    assert Record.objects.get(ma_ho_so=code).data == {
        k: v for k, v in good.items() if k != "TienDo"
    }
    assert not Record.objects.filter(ma_ho_so="X-1").exists()
