"""Every lifecycle action reaches the (mock) national portal, in order, once — also when the
portal is down for a while or fails a third of the calls (the embedded default: Celery eager,
the mock portal in-process)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier
from integrations.mockportal.models import FaultConfig
from integrations.portal.client import reset_client
from integrations.portal.mapping import PORTAL_STATUS
from integrations.portal.reconcile import compare_catalogue, reconcile
from integrations.portal.sync import TOPIC, key_for
from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus
from tests.support.cast import applicant_data
from tests.support.clock import TZ

pytestmark = [pytest.mark.django_db, pytest.mark.outbox]


@pytest.fixture(autouse=True)
def fresh_portal(monkeypatch):
    reset_client()
    monkeypatch.setattr("integrations.mockportal.views._sleep", lambda seconds: None)
    yield
    reset_client()


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run a service as its caller would: commit, then the after-commit delivery."""

    def run(name, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(services, name)(**kwargs)

    return run


def portal_messages():
    """The portal sync's messages (the notifications have their own topics and keys)."""
    return OutboxMessage.objects.filter(topic=TOPIC)


def faults(**values):
    config, _ = FaultConfig.objects.get_or_create(pk=1)
    for name, value in values.items():
        setattr(config, name, value)
    config.save()


def portal(client, code):
    response = client.get(f"/mock-dvcqg/hoso/{code}")
    return response.json() if response.status_code == 200 else None


def portal_view(code):
    from integrations.portal.client import get_client

    return get_client().lookup(code)


def file_dossier(cast, act, summary="Đăng ký khai sinh", **applicant):
    """The citizen files a dossier online (procedure 1.001193, one component); returns it.
    `applicant`: what differs from applicant_data's applicant."""
    return act(
        "submit_online",
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast, **applicant),
        summary=summary,
        components=[{"order": 1}],
    )


def lifecycle(cast, act):
    """Submit online and take the dossier to the returned result; returns its code."""
    d = file_dossier(cast, act)
    act("receive", dossier=d.code, actor=cast.clerk)
    act("assign", dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    act("hand_over", dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
    act("approve", dossier=d.code, actor=cast.leader, e_result=True)
    act("return_result", dossier=d.code, actor=cast.clerk, method="online")
    return d.code


def drain(rounds=20):
    """What the workers and the beat sweeper would do over time: make every wait due, sweep."""
    for _ in range(rounds):
        pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        if not pending.exists():
            return
        pending.update(
            next_attempt_at=timezone.now(), created_at=timezone.now() - timedelta(minutes=5)
        )
        delivery.sweep()


def test_every_action_reaches_the_portal_in_order(cast, act):
    code = lifecycle(cast, act)
    view = portal_view(code)
    assert view["data"]["TrangThaiHoSo"] == 10
    history = [(h["PhienBan"], h["TrangThaiHoSo"]) for h in view["history"]]
    assert history == [(1, 1), (2, 2), (3, 4), (4, 4), (5, 9), (6, 10)]
    assert all(h["applied"] for h in view["history"])
    assert len(view["progress"]) == 6
    messages = OutboxMessage.objects.filter(key=key_for(Dossier.objects.get(code=code).pk))
    assert messages.count() == 6
    assert set(messages.values_list("status", flat=True)) == {OutboxStatus.SENT}


# Every path through the state diagram (docs/state-diagram.md) reaches the portal with each
# state's TrangThaiHoSo, in order, whatever came before. A dossier that leaves "new" without
# being received (3, 5, and 7 or 8 after a request at receipt) carries the time of that check as
# NgayTiepNhan, which the portal requires for every status but 1 (docs/portal-sync.md).
CLERK, LEADER, SPECIALIST, CITIZEN = "clerk", "leader", "specialist", "citizen"
PATHS = {
    "refused at receipt": ([("refuse_receipt", CLERK, {"reason": "Sai thẩm quyền"})], [1, 3]),
    "withdrawn before receipt": ([("withdraw", CITIZEN, {})], [1, 7]),
    "supplement at receipt, supplied, received": (
        [
            ("request_supplement", CLERK, {"items": ["Giấy chứng sinh"]}),
            ("supplement", CITIZEN, {}),
            ("receive", CLERK, {}),
        ],
        [1, 5, 1, 2],
    ),
    "supplement at receipt, supplied, refused": (
        [
            ("request_supplement", CLERK, {"items": ["Giấy chứng sinh"]}),
            ("supplement", CITIZEN, {}),
            ("refuse_receipt", CLERK, {"reason": "Giấy tờ không hợp lệ"}),
        ],
        [1, 5, 1, 3],
    ),
    "supplement at receipt, withdrawn": (
        [("request_supplement", CLERK, {"items": ["Tờ khai"]}), ("withdraw", CITIZEN, {})],
        [1, 5, 7],
    ),
    "supplement at receipt, never supplied, stopped": (
        [
            ("request_supplement", CLERK, {"items": ["Tờ khai"]}),
            ("stop", LEADER, {"reason": "Hết hạn bổ sung"}),
        ],
        [1, 5, 8],
    ),
    "received, supplement, withdrawn": (
        [
            ("receive", CLERK, {}),
            ("request_supplement", LEADER, {"items": ["Bản sao CCCD"]}),
            ("withdraw", CITIZEN, {}),
        ],
        [1, 2, 5, 7],
    ),
    "received, stopped": (
        [("receive", CLERK, {}), ("stop", LEADER, {"reason": "Theo đề nghị"})],
        [1, 2, 8],
    ),
    "processing, withdrawn": (
        [
            ("receive", CLERK, {}),
            ("assign", LEADER, {"assignee": SPECIALIST}),
            ("withdraw", CITIZEN, {}),
        ],
        [1, 2, 4, 7],
    ),
    "processing, payment, stopped": (
        [
            ("receive", CLERK, {}),
            ("assign", LEADER, {"assignee": SPECIALIST}),
            ("request_payment", SPECIALIST, {"amount": 50000}),
            ("stop", LEADER, {"reason": "Không nộp phí"}),
        ],
        [1, 2, 4, 6, 8],
    ),
    "processing, supplement, payment, refused, returned": (
        [
            ("receive", CLERK, {}),
            ("assign", LEADER, {"assignee": SPECIALIST}),
            ("request_supplement", LEADER, {"items": ["Bản sao CCCD"]}),
            ("supplement", CITIZEN, {}),
            ("request_payment", SPECIALIST, {"amount": 50000}),
            ("confirm_payment", CLERK, {"paid_online": True}),
            ("refuse", LEADER, {"reason": "Không đủ điều kiện"}),
            ("return_result", CLERK, {"method": "post"}),
        ],
        [1, 2, 4, 5, 4, 6, 4, 9, 10],
    ),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_every_path_of_the_diagram_reaches_the_portal_in_order(cast, act, path):
    steps, expected = PATHS[path]
    code = file_dossier(cast, act).code
    for action, who, kwargs in steps:
        if kwargs.get("assignee") == SPECIALIST:
            kwargs = {**kwargs, "assignee": cast.specialist.pk}
        act(action, dossier=code, actor=getattr(cast, who), **kwargs)
    dossier = Dossier.objects.get(code=code)
    messages = OutboxMessage.objects.filter(key=key_for(dossier.pk))
    assert set(messages.values_list("status", flat=True)) == {OutboxStatus.SENT}, [
        (m.status, m.last_error) for m in messages
    ]
    view = portal_view(code)
    assert [h["TrangThaiHoSo"] for h in view["history"]] == expected
    assert [h["PhienBan"] for h in view["history"]] == list(range(1, len(expected) + 1))
    assert all(h["applied"] for h in view["history"])
    assert view["data"]["TrangThaiHoSo"] == PORTAL_STATUS[dossier.status] == expected[-1]
    assert len(view["progress"]) == len(expected)
    assert [p["TrangThai"] for p in view["progress"]] == expected
    # The portal's receipt date: the receipt, or the last check (or withdrawal) that took the
    # dossier out of "new" without receiving it.
    last_out_of_new = dossier.events.filter(from_status="new").order_by("-id").first()
    when = dossier.received_at or last_out_of_new.at
    assert view["data"]["NgayTiepNhan"] == when.astimezone(TZ).strftime("%Y%m%d%H%M%S")


def test_the_portal_down_for_a_run_of_actions_then_up(cast, act):
    faults(down=True)
    codes = [lifecycle(cast, act) for _ in range(3)]
    assert portal_messages().filter(status=OutboxStatus.SENT).count() == 0
    assert portal_messages().filter(status=OutboxStatus.PENDING).count() == 18
    faults(down=False)
    drain()
    for code in codes:
        view = portal_view(code)
        ours = Dossier.objects.get(code=code)
        assert view["data"]["TrangThaiHoSo"] == PORTAL_STATUS[ours.status] == 10
        assert [h["PhienBan"] for h in view["history"]] == [1, 2, 3, 4, 5, 6]  # no duplicate
    assert not portal_messages().exclude(status=OutboxStatus.SENT).exists()


def test_a_third_of_calls_failing_still_delivers_everything_in_order(cast, act):
    faults(error_rate=0.3, latency_ms=50, accept_out_of_order=True)
    codes = [lifecycle(cast, act) for _ in range(4)]
    drain(rounds=60)
    faults(error_rate=0, latency_ms=0)
    for code in codes:
        view = portal_view(code)
        assert view["data"]["TrangThaiHoSo"] == 10
        statuses = [h["TrangThaiHoSo"] for h in view["history"] if h["applied"]]
        # Never 10 before 2: each version arrives after the one before it.
        versions = [h["PhienBan"] for h in view["history"]]
        assert versions == sorted(versions)
        assert statuses[0] == 1 and statuses[-1] == 10
    assert not portal_messages().exclude(status=OutboxStatus.SENT).exists()


def test_a_revoked_token_is_renewed(cast, act):
    from integrations.mockportal.models import Token

    file_dossier(cast, act, "Hồ sơ")
    Token.objects.all().delete()  # the portal forgot our session
    code = Dossier.objects.get().code
    act("receive", dossier=code, actor=cast.clerk)
    assert portal_view(code)["data"]["TrangThaiHoSo"] == 2
    assert not portal_messages().exclude(status=OutboxStatus.SENT).exists()


def test_a_record_the_portal_refuses_is_dead_and_visible(cast, act, monkeypatch):
    from integrations.portal import mapping

    original = mapping.dossier_record

    def broken(dossier, event):
        record = original(dossier, event)
        record["TrangThaiHoSo"] = 42
        return record

    monkeypatch.setattr(mapping, "dossier_record", broken)
    file_dossier(cast, act, "Hồ sơ lỗi")
    message = portal_messages().get()
    assert message.status == OutboxStatus.DEAD
    assert "400" in message.last_error


def refuse_status(monkeypatch, status):
    """The mock portal refuses every record with this TrangThaiHoSo (a rule we break)."""
    from integrations.mockportal import views

    original = views.validate_record

    def strict(data):
        errors = original(data)
        if data.get("TrangThaiHoSo") == status:
            errors.add("TrangThaiHoSo", "Trạng thái bị từ chối (kiểm thử).")
        return errors

    monkeypatch.setattr(views, "validate_record", strict)


def test_a_later_event_supersedes_a_dead_message_and_the_portal_converges(cast, act, monkeypatch):
    """A refused record is dead and counted; the dossier's next event sends the whole record
    again, so the portal shows the current status; the dead message stays visible as
    superseded, and the progress step it carried is resent with the later one."""
    code = file_dossier(cast, act, "Hồ sơ").code
    refuse_status(monkeypatch, 2)
    act("receive", dossier=code, actor=cast.clerk)
    dead = portal_messages().get(reference__action="receive")
    assert dead.status == OutboxStatus.DEAD
    assert "400" in dead.last_error and "TrangThaiHoSo" in dead.last_error
    assert delivery.dead_letters_summary()["count"] == 1
    assert portal_view(code)["data"]["TrangThaiHoSo"] == 1  # the portal is behind

    monkeypatch.undo()
    act("assign", dossier=code, actor=cast.leader, assignee=cast.specialist.pk)
    view = portal_view(code)
    assert (
        view["data"]["TrangThaiHoSo"] == 4 == PORTAL_STATUS[Dossier.objects.get(code=code).status]
    )
    assert [(h["PhienBan"], h["TrangThaiHoSo"]) for h in view["history"]] == [(1, 1), (3, 4)]
    # The receipt step reached the portal with the assignment, before it.
    assert [p["TrangThai"] for p in view["progress"]] == [1, 2, 4]
    dead.refresh_from_db()
    later = portal_messages().get(reference__action="assign")
    assert (dead.status, dead.superseded_by, later.status) == (
        OutboxStatus.SUPERSEDED,
        later,
        OutboxStatus.SENT,
    )
    assert delivery.dead_letters_summary()["count"] == 0
    # And the following events go as usual.
    act("approve", dossier=code, actor=cast.leader, e_result=True)
    assert portal_view(code)["data"]["TrangThaiHoSo"] == 9


def test_a_dead_first_message_is_superseded_by_a_create(cast, act, monkeypatch):
    """The portal never got the dossier (its first record refused): the next message's update
    finds nothing and becomes a create."""
    refuse_status(monkeypatch, 1)
    code = file_dossier(cast, act, "Hồ sơ").code
    assert portal_view(code) is None
    assert portal_messages().get().status == OutboxStatus.DEAD
    monkeypatch.undo()
    act("refuse_receipt", dossier=code, actor=cast.clerk, reason="Sai thẩm quyền")
    view = portal_view(code)
    assert view["data"]["TrangThaiHoSo"] == 3
    assert [p["TrangThai"] for p in view["progress"]] == [1, 3]
    assert set(portal_messages().values_list("status", flat=True)) == {
        OutboxStatus.SUPERSEDED,
        OutboxStatus.SENT,
    }


def test_reconciliation_resends_what_drifted(cast, act, django_capture_on_commit_callbacks):
    from integrations.mockportal.models import Record

    code = lifecycle(cast, act)
    # The portal lost our last updates (say, it was restored from a backup).
    record = Record.objects.get(ma_ho_so=code)
    record.trang_thai = 4
    record.data = {**record.data, "TrangThaiHoSo": 4}
    record.save()
    assert portal_view(code)["data"]["TrangThaiHoSo"] == 4
    with django_capture_on_commit_callbacks(execute=True):
        repaired = reconcile(hours=1)
    assert repaired == [code]
    assert portal_view(code)["data"]["TrangThaiHoSo"] == 10
    assert reconcile(hours=1) == []  # nothing left to repair
    # A repair is not a status change: the index's sync counts still equal their recount.
    from indicators.rebuild import verify

    report = verify()
    assert report.ok, [d.describe() for d in report.differences[:5]]


def test_catalogue_comparison_finds_differences_both_ways(cast):
    diff = compare_catalogue()
    # The mini catalogue has 6 procedures; the portal lists the real catalogue (minus ~1%).
    assert diff.only_portal
    assert len(diff.only_ours) <= 6


def test_a_business_s_dossier_reaches_the_portal_with_its_tax_code(cast, act):
    """An organisation is known by its tax code (Decree 118/2025 art. 9; docs/domain.md §5): the
    record's SoGiayToChuHoSo carries it and DinhDanhCHS (a person's ID) is left out, so no
    status change of a business's dossier ends as a dead letter at the portal (a load test found
    ten such dead letters before)."""
    d = file_dossier(
        cast,
        act,
        "Hồ sơ của doanh nghiệp",
        kind=2,
        full_name="Công ty TNHH An Phát",
        personal_id="",
        tax_code="2600123456",
    )
    act("receive", dossier=d.code, actor=cast.clerk)
    assert not portal_messages().filter(status=OutboxStatus.DEAD).exists()
    view = portal_view(d.code)
    assert view["data"]["SoGiayToChuHoSo"] == "2600123456"
    assert view["data"]["LoaiDoiTuong"] == 2
    assert view["data"]["TrangThaiHoSo"] == PORTAL_STATUS["received"]


def test_the_portal_still_refuses_a_person_known_by_anything_but_a_12_digit_id(client):
    from integrations.mockportal.validation import validate_record

    base = {
        "MaHoSo": "H43.12-250101-0001",
        "MaTTHC": "1.001234",
        "TenTTHC": "Thủ tục",
        "ChuHoSo": "Nguyễn Văn An",
        "TrichYeuHoSo": "x",
        "KenhThucHien": 1,
        "TrangThaiHoSo": 2,
        "NgayTiepNhan": "20250102083000",
        "PhienBan": 1,
    }
    person = {**base, "LoaiDoiTuong": 1, "SoGiayToChuHoSo": "2600123456"}
    assert "SoGiayToChuHoSo" in validate_record(person)
    company = {**base, "LoaiDoiTuong": 2, "SoGiayToChuHoSo": "2600123456-001"}
    assert "SoGiayToChuHoSo" not in validate_record(company)
    assert "SoGiayToChuHoSo" in validate_record({**company, "SoGiayToChuHoSo": "26001"})


def test_a_dossier_the_watchdog_stops_reaches_the_portal(
    cast, act, django_capture_on_commit_callbacks
):
    """A supplement window that ran out stops the dossier, by the system (Decree 118/2025/NĐ-CP;
    docs/domain.md §3.3). Its event records no actor; the portal's TienDo still names who acted
    (NguoiXuLy is required), so the stop is delivered, not dead (the load test found two)."""
    from dossiers.services import watch

    d = file_dossier(cast, act)
    act("receive", dossier=d.code, actor=cast.clerk)
    act("assign", dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    act("request_supplement", dossier=d.code, actor=cast.specialist, items=["Bản sao giấy tờ"])
    deadline = Dossier.objects.get(pk=d.pk).supplement_deadline
    with django_capture_on_commit_callbacks(execute=True):
        stopped = watch.stop_expired_supplement(dossier=d.code, now=deadline + timedelta(minutes=1))
    assert stopped is not None and stopped.status == "stopped"
    drain()
    assert not portal_messages().filter(status=OutboxStatus.DEAD).exists()
    assert portal_view(d.code)["data"]["TrangThaiHoSo"] == PORTAL_STATUS["stopped"]
