"""The embedded run's delivery after the response (outbox/background.py): a counter intake
answers before its portal message is delivered; the delivery worker (dev.sh run's
`outbox_worker`, here its loop in this process) finds it by polling and delivers it within
seconds with the same code as the Celery task (in order per key, retries); the "thread" mode
does the same from the server's own thread; a worker or thread that dies loses nothing — the
sweep of the next start delivers what it left pending. (Issue 16 §2: the embedded default is as
fast as production.)"""

import threading
import time

import pytest
from django.db import OperationalError, transaction

from dossiers.models import Dossier
from integrations.mockportal.models import Record
from integrations.portal.client import reset_client
from integrations.portal.sync import TOPIC, key_for
from outbox import background, delivery
from outbox.models import OutboxMessage, OutboxStatus
from tests.support.cast import applicant_data, build_small_cast

# Real commits (the thread reads what the request wrote from its own connection).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.outbox]


def wait_until(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def read(query):
    """`query()`, from the test's thread while the delivery thread may be writing: the test
    database on SQLite is one in-memory database shared between the threads' connections
    (shared cache), where a read during another connection's write fails at once with
    "database table is locked" instead of waiting; read again, as a busy timeout would."""
    deadline = time.monotonic() + 5.0
    while True:
        try:
            return query()
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def status_of(message_id: int) -> str:
    return read(lambda: OutboxMessage.objects.values_list("status", flat=True).get(pk=message_id))


@pytest.fixture
def thread(settings, monkeypatch):
    settings.OUTBOX_THREAD_SWEEP_SECONDS = 0.5
    monkeypatch.setattr("integrations.mockportal.views._sleep", lambda seconds: None)
    reset_client()
    background.start()
    yield
    background.stop()
    reset_client()


class Gate:
    """Wraps a handler: it waits until the test opens the gate (a slow portal)."""

    def __init__(self, handler):
        self.handler = handler
        self.open = threading.Event()
        self.entered = threading.Event()

    def __call__(self, message):
        self.entered.set()
        assert self.open.wait(10), "the gate was never opened"
        return self.handler(message)


def intake_body(cast) -> dict:
    return {
        "procedure": "1.001193",
        "applicant": applicant_data(cast),
        "summary": "Đăng ký khai sinh tại quầy",
        "components": [{"order": 1, "provided": True, "originals": 1, "copies": 2}],
    }


def test_a_counter_intake_answers_before_its_portal_message_is_delivered(thread, monkeypatch):
    # The portal sync is a batched topic: the thread hands it to the batch handler.
    gate = Gate(delivery.batch_handler_for(TOPIC))
    monkeypatch.setitem(delivery._BATCH_HANDLERS, TOPIC, gate)
    cast = build_small_cast()
    body = intake_body(cast)
    started = time.monotonic()
    response = cast.client(cast.clerk).post("/api/v1/counter/intake/", body, format="json")
    answered = time.monotonic() - started
    assert response.status_code == 201, response.content
    code = response.json()["dossier"]["code"]
    dossier = read(lambda: Dossier.objects.get(code=code))
    message = read(lambda: OutboxMessage.objects.get(topic=TOPIC, key=key_for(dossier.pk)))
    # The answer came while the portal was still "slow": the message is pending.
    assert status_of(message.pk) == OutboxStatus.PENDING
    assert answered < 10
    assert gate.entered.wait(5), "the thread never took the message"
    gate.open.set()
    assert wait_until(lambda: status_of(message.pk) == OutboxStatus.SENT)
    # The mock portal has the dossier's record.
    assert read(lambda: Record.objects.filter(ma_ho_so=code).exists())


def test_the_thread_sends_the_dossiers_written_meanwhile_to_the_portal_in_one_call(
    thread, monkeypatch
):
    """While the thread is busy, the intakes only wake the portal's topic; the thread's next
    batch carries all of them: one portal call, not one per dossier."""
    batches: list[list[str]] = []
    real = delivery.batch_handler_for(TOPIC)

    def recording(messages):
        batches.append(sorted({m.key for m in messages}))
        return real(messages)

    monkeypatch.setitem(delivery._BATCH_HANDLERS, TOPIC, recording)
    cast = build_small_cast()
    client = cast.client(cast.clerk)
    codes = []
    # The thread is busy: it cannot take a job while this test holds its timetable's lock
    # (re-entrant: the requests of this thread still hand their wake-ups over).
    with background._lock:
        for _ in range(3):
            response = read(
                lambda: client.post("/api/v1/counter/intake/", intake_body(cast), format="json")
            )
            assert response.status_code == 201, response.content
            codes.append(response.json()["dossier"]["code"])
        pks = read(
            lambda: list(Dossier.objects.filter(code__in=codes).values_list("pk", flat=True))
        )
        jobs = [job for _, _, job in background._heap]
        # One wake-up of the topic, none per dossier.
        assert jobs.count(("topic", TOPIC)) == 1
        assert not {("key", key_for(pk)) for pk in pks} & set(jobs)
    assert wait_until(
        lambda: read(
            lambda: (
                not OutboxMessage.objects.filter(topic=TOPIC)
                .exclude(status=OutboxStatus.SENT)
                .exists()
            )
        )
    )
    assert read(lambda: Record.objects.filter(ma_ho_so__in=codes).count()) == 3
    assert batches == [sorted(key_for(pk) for pk in pks)]


class Receiver:
    def __init__(self):
        self.got: list[int] = []
        self.fail_next: list[Exception] = []

    def __call__(self, message):
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.got.append(message.reference["n"])


def put(key: str, n: int) -> OutboxMessage:
    """Write a message as a request would. The delivery thread may be in its sweep's write at
    that moment: on the shared-cache test database that fails at once ("database table is
    locked") where a file database's busy timeout would wait, so write again, as `read` does
    (the failed transaction wrote nothing)."""

    def write():
        with transaction.atomic():
            return delivery.enqueue(
                topic="test.topic", key=key, reference={"n": n}, idempotency_key=f"{key}:{n}"
            )

    return read(write)


def test_the_thread_delivers_in_order_and_retries_after_its_backoff(thread, settings, monkeypatch):
    settings.OUTBOX_BACKOFF_BASE = 0.2
    settings.OUTBOX_BACKOFF_MAX = 0.4
    receiver = Receiver()
    receiver.fail_next = [delivery.TransientError("portal down")]
    monkeypatch.setitem(delivery._HANDLERS, "test.topic", receiver)
    ids = [put("dossier:9", n).pk for n in (1, 2, 3)]
    assert wait_until(lambda: all(status_of(pk) == OutboxStatus.SENT for pk in ids))
    assert receiver.got == [1, 2, 3]  # the first failed once, nothing overtook it
    assert read(lambda: OutboxMessage.objects.get(pk=ids[0]).attempts) == 2


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_thread_that_dies_loses_nothing(thread, settings, monkeypatch):
    receiver = Receiver()
    monkeypatch.setitem(delivery._HANDLERS, "test.topic", receiver)
    real = delivery.deliver_key

    def crash(key, **kwargs):
        raise SystemExit("the thread dies in the middle of a delivery")

    monkeypatch.setattr(delivery, "deliver_key", crash)
    first = put("dossier:3", 1)
    assert wait_until(lambda: not background.running())
    assert status_of(first.pk) == OutboxStatus.PENDING  # in the database, not lost
    monkeypatch.setattr(delivery, "deliver_key", real)
    # The next write finds the thread dead and starts a new one, whose first sweep delivers
    # what the dead one left pending, in order, then the new message.
    second = put("dossier:3", 2)
    assert background.running()
    assert wait_until(lambda: status_of(first.pk) == status_of(second.pk) == OutboxStatus.SENT)
    assert receiver.got == [1, 2]


def test_a_restarted_thread_sweeps_what_the_last_one_left_pending(settings, monkeypatch):
    settings.OUTBOX_THREAD_SWEEP_SECONDS = 0.5
    settings.OUTBOX_AUTODELIVER = False  # as if the process stopped before delivering
    receiver = Receiver()
    monkeypatch.setitem(delivery._HANDLERS, "test.topic", receiver)
    left = [put(f"dossier:{n}", n).pk for n in (1, 2)]
    settings.OUTBOX_AUTODELIVER = True
    assert all(status_of(pk) == OutboxStatus.PENDING for pk in left)
    background.start()  # the next run of the server
    try:
        assert wait_until(lambda: all(status_of(pk) == OutboxStatus.SENT for pk in left))
    finally:
        background.stop()
    assert sorted(receiver.got) == [1, 2]


def test_the_thread_runs_only_in_the_serving_process_without_a_broker(settings, monkeypatch):
    settings.OUTBOX_DELIVERY = "thread"
    monkeypatch.setattr("sys.argv", ["manage.py", "runserver", "127.0.0.1:8000"])
    monkeypatch.delenv("RUN_MAIN", raising=False)
    assert not background.serving_process()  # the autoreloader's watcher
    monkeypatch.setenv("RUN_MAIN", "true")
    assert background.serving_process()
    monkeypatch.setattr("sys.argv", ["manage.py", "seed_all"])
    assert not background.start_if_embedded()  # a management command delivers as before
    monkeypatch.setattr("sys.argv", ["manage.py", "runserver", "--noreload"])
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert not background.start_if_embedded()  # with a broker, Celery workers deliver
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.OUTBOX_DELIVERY = "worker"  # dev.sh run: a process of its own, not a thread
    assert not background.start_if_embedded()
    assert not background.running()


def test_in_worker_mode_the_request_only_writes_and_the_worker_delivers(settings, monkeypatch):
    """dev.sh run: ONECUA_OUTBOX_DELIVERY=worker. The server's requests leave their messages
    pending; the outbox_worker process (its loop, started here as the command starts it) finds
    them by polling, with no wake-up from the writer."""
    settings.OUTBOX_DELIVERY = "worker"
    monkeypatch.setattr("integrations.mockportal.views._sleep", lambda seconds: None)
    reset_client()
    cast = build_small_cast()
    body = {
        "procedure": "1.001193",
        "applicant": applicant_data(cast),
        "summary": "Đăng ký khai sinh tại quầy",
        "components": [{"order": 1, "provided": True, "originals": 1, "copies": 2}],
    }
    response = cast.client(cast.clerk).post("/api/v1/counter/intake/", body, format="json")
    assert response.status_code == 201, response.content
    code = response.json()["dossier"]["code"]
    message = read(
        lambda: OutboxMessage.objects.get(
            topic=TOPIC, key=key_for(Dossier.objects.get(code=code).pk)
        )
    )
    time.sleep(0.3)
    assert status_of(message.pk) == OutboxStatus.PENDING  # nobody delivered it in the request
    assert not Record.objects.filter(ma_ho_so=code).exists()
    background.start(poll=0.2)  # manage.py outbox_worker
    try:
        assert wait_until(lambda: status_of(message.pk) == OutboxStatus.SENT)
    finally:
        background.stop()
        reset_client()
    assert read(lambda: Record.objects.filter(ma_ho_so=code).exists())


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_that_dies_loses_nothing_and_its_restart_delivers(settings, monkeypatch):
    settings.OUTBOX_DELIVERY = "worker"
    receiver = Receiver()
    monkeypatch.setitem(delivery._HANDLERS, "test.topic", receiver)
    real = delivery.deliver_key

    def crash(key, **kwargs):
        raise SystemExit("killed in the middle of a delivery")

    monkeypatch.setattr(delivery, "deliver_key", crash)
    first = put("dossier:5", 1)
    second = put("dossier:5", 2)
    background.start(poll=0.2)
    try:
        assert wait_until(lambda: not background.running())
        assert status_of(first.pk) == status_of(second.pk) == OutboxStatus.PENDING
        monkeypatch.setattr(delivery, "deliver_key", real)
        background.stop()
        background.start(poll=0.2)  # dev.sh run starts the worker again
        assert wait_until(lambda: status_of(first.pk) == status_of(second.pk) == OutboxStatus.SENT)
    finally:
        background.stop()
    assert receiver.got == [1, 2]


def test_the_worker_command_refuses_to_run_beside_a_broker(settings):
    from django.core.management import CommandError, call_command

    settings.CELERY_TASK_ALWAYS_EAGER = False
    with pytest.raises(CommandError, match="CELERY_BROKER_URL"):
        call_command("outbox_worker")
