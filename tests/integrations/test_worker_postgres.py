"""The portal sync with real processes: PostgreSQL, Redis or RabbitMQ as the Celery broker (each
test runs on both, issue 16 section 5), a real Celery worker and the mock national portal (DVCQG)
served by its own process (issue 4, section 4).

Each test starts, as subprocesses sharing this test run's database: the mock portal
(`manage.py run_mock_portal`) and a prefork Celery worker (CELERY_BROKER_URL on a Redis database
or a RabbitMQ virtual host of its own, PORTAL_BASE_URL at the mock, quick backoff) consuming the
portal's queue and the periodic one (config/queues.py). The test process drives dossiers through
the services with real commits; `on_commit` sends real tasks to Redis. Then it compares what the
mock stored (its tables are in the same database) with our dossiers and events.

- every lifecycle action of several dossiers reaches the portal process in order, once;
- the portal down during a run of actions, then up: the retries deliver everything;
- a worker killed with SIGKILL mid-delivery, a new one started: nothing lost (on Redis the
  in-flight task stays unacked until the visibility timeout and the sweeper, as beat runs it,
  covers it; RabbitMQ gives it back to its queue at once, so the new worker alone delivers);
- the broker unreachable at commit time, and queued wake-ups lost (Redis restarted without
  persistence): the sweeper task, run by the worker, delivers what was committed (the restart is
  Redis's only: RabbitMQ is the machine's service, which tests do not restart, and its quorum
  queues are durable);
- a worker consuming only the notifications' queue takes no portal sync task (queues by kind);
- 30% of the portal's calls failing plus latency: everything delivered, in order per dossier.

Skipped unless the database is PostgreSQL and the broker answers (Redis at REDIS_URL's host, its
database ONECUA_TEST_BROKER_DB; RabbitMQ at ONECUA_TEST_AMQP_URL, default guest@127.0.0.1:5672, in
a virtual host `onecua-test-<ONECUA_TEST_BROKER_DB>` made with rabbitmqctl when missing). Every
wait is bounded; every subprocess is stopped (its whole process group) whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from kombu import Connection as KombuConnection

from config import queues
from config.celery import app as celery_app
from dossiers import services
from dossiers.models import Dossier
from integrations.mockportal.models import Counter, Record
from integrations.portal import mapping
from integrations.portal.mapping import PORTAL_STATUS
from integrations.portal.sync import TOPIC as PORTAL_TOPIC
from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus
from tests.support.cast import applicant_data, build_cast
from tests.support.celery_broker import forget_broker_connections
from tests.support.tokens import administrator_token

ROOT = Path(__file__).resolve().parents[2]
# A Redis database only these tests use (the test cache uses REDIS_URL's); set another one to
# run two suites at once on one Redis.
BROKER_DB = int(os.environ.get("ONECUA_TEST_BROKER_DB", "13"))
AMQP_BASE = os.environ.get("ONECUA_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
AMQP_VHOST = f"onecua-test-{BROKER_DB}"
WAIT = 60.0  # seconds: the upper bound of any one wait, never reached when all is well
ACTIONS = 6  # events (outbox messages, portal versions) in one lifecycle

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.outbox,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: the worker and the mock portal are other processes sharing "
        "the test database (set DATABASE_URL=postgresql://…)",
    ),
]


# --- helpers -------------------------------------------------------------------------------------
def redis_base() -> tuple[str, int]:
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return parts.hostname or "127.0.0.1", parts.port or 6379


def redis_broker_url() -> str:
    host, port = redis_base()
    return f"redis://{host}:{port}/{BROKER_DB}"


def amqp_broker_url() -> str:
    return f"{AMQP_BASE.rstrip('/')}/{AMQP_VHOST}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_tests() -> str:
    s = connection.settings_dict
    user = quote(s.get("USER") or "", safe="")
    password = quote(s.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgresql://{credentials}{host}:{port}/{quote(s['NAME'], safe='')}"


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT, every=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url` (dropping the pooled connections), with the
    queues the settings declare for that broker (quorum queues on RabbitMQ)."""
    celery_app.conf.broker_url = url
    celery_app.conf.task_queues = queues.celery_queues(url)
    if queues.is_amqp(url):
        celery_app.conf.broker_transport_options = {"confirm_publish": True}
        celery_app.conf.task_default_queue_type = "quorum"
    else:
        celery_app.conf.broker_transport_options = {"visibility_timeout": 3600}
        celery_app.conf.task_default_queue_type = "classic"
    celery_app.amqp.queues = celery_app.conf.task_queues
    celery_app.amqp.router = celery_app.amqp.Router()
    forget_broker_connections(celery_app)


class Proc:
    """A subprocess in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (the worker's pool children too)."""
        self._signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (a warm shutdown), then SIGKILL; then make sure no child is left."""
        if self.alive():
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._signal(signal.SIGKILL)  # orphans of the group, if any

    def _signal(self, sig) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)


class Stack:
    """The mock portal and Celery workers of one test."""

    def __init__(self, tmp: Path, broker: Broker, admin_token: str):
        self.tmp = tmp
        self.broker = broker
        # The mock's control endpoints (_faults) take an onecua administrator's API token.
        self.admin = {"Authorization": f"Token {admin_token}"}
        self.db_url = database_url_for_tests()
        self.port = free_port()
        self.portal_url = f"http://127.0.0.1:{self.port}/mock-dvcqg/"
        self.portal: Proc | None = None
        self.workers: list[Proc] = []

    def env(self, **extra) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"REDIS_URL", "CELERY_BROKER_URL", "PORTAL_BASE_URL"}
            and not k.startswith("PYTEST")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.db_url,
            # Whatever the processes keep goes to the test's folder, never the repository's var/.
            ONECUA_VAR_DIR=str(self.tmp / "var"),
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="INFO",
            **extra,
        )
        return env

    # --- the mock portal ----------------------------------------------------------------------
    def start_portal(self) -> None:
        self.portal = Proc(
            "portal",
            [sys.executable, "manage.py", "run_mock_portal", "--port", str(self.port)],
            self.env(),
            self.tmp / "portal.log",
        )

        def answers():
            if not self.portal.alive():
                pytest.fail(f"the mock portal exited:\n{self.portal.tail()}")
            try:
                response = requests.get(self.portal_url + "_faults", headers=self.admin, timeout=2)
                return response.status_code == 200
            except requests.RequestException:
                return False

        wait_until(answers, "the mock portal to answer", timeout=30)

    def faults(self, **values) -> None:
        response = requests.post(
            self.portal_url + "_faults", json=values, headers=self.admin, timeout=10
        )
        assert response.status_code == 200, response.text

    # --- workers ------------------------------------------------------------------------------
    def start_worker(self, queues: str = "portal,periodic", **settings: str) -> Proc:
        number = len(self.workers) + 1
        env = self.env(
            **settings,
            CELERY_BROKER_URL=self.broker.url,
            PORTAL_BASE_URL=self.portal_url,
            OUTBOX_BACKOFF_BASE="0.2",
            OUTBOX_BACKOFF_MAX="2",
            # Retries here come every 2 s at most (600 s in production): allow as many attempts
            # as production's 12 would cover in time, so that no message dies of bad luck.
            OUTBOX_MAX_ATTEMPTS="200",
        )
        worker = Proc(
            f"worker{number}",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=INFO",
                "-Q",
                queues,
                "-n",
                f"onecua-test-{uuid.uuid4().hex[:8]}-{number}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env,
            self.tmp / f"worker{number}.log",
        )
        self.workers.append(worker)

        def ready():
            if not worker.alive():
                pytest.fail(f"the worker exited:\n{worker.tail()}")
            return " ready." in worker.output()

        wait_until(ready, "the Celery worker to be ready", timeout=30)
        return worker

    def stop_all(self) -> None:
        for proc in [*self.workers, self.portal]:
            if proc is not None:
                proc.stop()

    def logs(self) -> str:
        procs = [p for p in [self.portal, *self.workers] if p is not None]
        return "\n".join(f"--- {p.name} ---\n{p.tail()}" for p in procs)


class Broker:
    """The broker of one test: Redis (a database of its own) or RabbitMQ (a virtual host of its
    own), emptied before and after."""

    def __init__(self, kind: str):
        self.kind = kind
        self.url = redis_broker_url() if kind == "redis" else amqp_broker_url()
        self.redis = None

    def connect(self) -> None:
        if self.kind == "redis":
            import redis

            host, port = redis_base()
            self.redis = redis.Redis(host=host, port=port, db=BROKER_DB, socket_connect_timeout=1)
            try:
                self.redis.ping()
            except redis.RedisError as exc:
                pytest.skip(f"needs Redis at {host}:{port} as the Celery broker ({exc})")
            return
        try:
            self._amqp_connect()
        except Exception:
            self._make_vhost()
            try:
                self._amqp_connect()
            except Exception as exc:
                pytest.skip(f"needs RabbitMQ at {AMQP_BASE} (virtual host {AMQP_VHOST}): {exc}")

    def _amqp_connect(self) -> None:
        with KombuConnection(self.url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)

    def _make_vhost(self) -> None:
        for argv in (
            ["rabbitmqctl", "add_vhost", AMQP_VHOST],
            ["rabbitmqctl", "set_permissions", "-p", AMQP_VHOST, "guest", ".*", ".*", ".*"],
        ):
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(argv, capture_output=True, timeout=30, check=False)  # noqa: S603

    def depth(self, queue: str) -> int:
        """Messages waiting (ready) in `queue`."""
        if self.redis is not None:
            return self.redis.llen(queue)
        with KombuConnection(self.url, connect_timeout=2) as conn:
            channel = conn.channel()
            try:
                return channel.queue_declare(queue=queue, passive=True).message_count
            except Exception:  # not declared yet: nothing was sent there
                return 0

    def unacked(self) -> int:
        """Redis only: the tasks taken by workers and not acknowledged yet."""
        return self.redis.hlen("unacked")

    def purge(self) -> None:
        if self.redis is not None:
            self.redis.flushdb()
            return
        with KombuConnection(self.url, connect_timeout=2) as conn:
            channel = conn.channel()
            for name in queues.QUEUES:
                try:
                    channel.queue_purge(name)
                except Exception:  # not declared yet; the channel is closed with the error
                    channel = conn.channel()

    def close(self) -> None:
        if self.redis is not None:
            self.redis.close()


@pytest.fixture(params=["redis", "amqp"])
def broker(request, settings):
    """The broker (Redis or RabbitMQ), empty; this process sends real tasks there on commit."""
    world = Broker(request.param)
    world.connect()
    world.purge()
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # read by delivery.schedule()
    celery_app.conf.task_always_eager = False
    use_broker(world.url)
    try:
        yield world
    finally:
        celery_app.conf.task_always_eager = previous[1]
        use_broker(previous[0])
        world.purge()
        world.close()


@pytest.fixture
def stack(broker, transactional_db, tmp_path):
    """The mock portal, started; workers are started by the tests. Everything is stopped before
    the database is flushed."""
    world = Stack(tmp_path, broker, administrator_token())
    try:
        world.start_portal()
        yield world
    finally:
        world.stop_all()
        print(world.logs())  # pytest shows it only for a failing test


@pytest.fixture
def cast(transactional_db):
    return build_cast()


# --- dossiers and checks --------------------------------------------------------------------
def lifecycle(cast) -> str:
    """Submit online and take the dossier to the returned result (six committed actions)."""
    d = services.submit_online(
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast),
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )
    services.receive(dossier=d.code, actor=cast.clerk)
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
    services.approve(dossier=d.code, actor=cast.leader, e_result=True)
    services.return_result(dossier=d.code, actor=cast.clerk, method="online")
    return d.code


def portal_messages():
    """The portal sync's messages (the notifications have their own topics and keys, and are
    delivered by the same worker)."""
    return OutboxMessage.objects.filter(topic=PORTAL_TOPIC)


def outbox_counts() -> dict[str, int]:
    counts = dict.fromkeys(OutboxStatus.values, 0)
    for status in portal_messages().values_list("status", flat=True):
        counts[status] += 1
    return counts


def wait_delivered(stack: Stack, total: int, *, timeout: float = WAIT, sweep_every=None) -> float:
    """Wait until the `total` messages are all sent (failing at once on a dead one). With
    `sweep_every`, run the sweeper from here that often, as beat would (no grace period).
    Returns the seconds waited."""
    start = last_sweep = time.monotonic()

    def done():
        nonlocal last_sweep
        counts = outbox_counts()
        if counts[OutboxStatus.DEAD]:
            dead = list(portal_messages().filter(status=OutboxStatus.DEAD)[:3])
            pytest.fail(f"dead messages: {[m.last_error for m in dead]}\n{stack.logs()}")
        if sweep_every and time.monotonic() - last_sweep >= sweep_every:
            delivery.sweep(grace_seconds=0)
            last_sweep = time.monotonic()
        return counts[OutboxStatus.SENT] == total and sum(counts.values()) == total

    try:
        wait_until(done, f"{total} messages delivered", timeout=timeout)
    except pytest.fail.Exception:
        print(outbox_counts(), stack.logs())
        unsent = portal_messages().exclude(status=OutboxStatus.SENT)
        fields = ("id", "key", "attempts", "next_attempt_at", "last_error")
        print("unsent at", timezone.now(), list(unsent.values_list(*fields)))
        raise
    return time.monotonic() - start


def counters() -> dict[str, int]:
    return dict(Counter.objects.values_list("name", "value"))


def assert_portal_matches(codes: list[str], *, redelivered: bool = False) -> None:
    """At the portal, each dossier has versions up to n once each, applied, in order, with the
    status of each event; its current record is what our mapping says now; its progress steps
    are ours, in order, once. Nothing stale or duplicated was applied."""
    assert Record.objects.count() == len(codes)
    for code in codes:
        dossier = Dossier.objects.get(code=code)
        events = list(dossier.events.order_by("id"))
        assert len(events) == ACTIONS
        record = Record.objects.get(ma_ho_so=code)
        history = list(record.versions.order_by("id").values_list("phien_ban", "trang_thai"))
        # A worker sends one record per dossier per batch (the state as of the batch's last
        # message of it: outbox.deliver_topic with runs), so versions may be skipped, never
        # reordered: each one received is the state of its event, the last one is the current.
        assert history == sorted(set(history))
        assert all(status == PORTAL_STATUS[events[n - 1].to_status] for n, status in history)
        assert history[-1] == (len(events), PORTAL_STATUS[events[-1].to_status])
        assert not record.versions.filter(applied=False).exists()
        assert record.phien_ban == len(events)
        assert record.trang_thai == PORTAL_STATUS[dossier.status] == 10
        assert record.data == mapping.dossier_record(dossier, events[-1])
        steps = list(record.steps.order_by("id").values_list("data", flat=True))
        assert steps == [mapping.progress_step(dossier, e) for e in events]
    seen = counters()
    # After a worker killed mid-call, a batch the portal had applied goes again, perhaps with
    # other messages: the portal keeps its steps once (the equality above) and counts the
    # repeats; nothing stale or out of order is applied even then.
    repeats = () if redelivered else ("duplicate_versions", "duplicate_steps")
    for name in ("stale", "out_of_order_applied", *repeats):
        assert seen.get(name, 0) == 0, (name, seen)
    assert not portal_messages().exclude(status=OutboxStatus.SENT).exists()


def worker_delivered(worker: Proc) -> int:
    output = worker.output()
    return output.count("Task outbox.deliver_key[") + output.count("Task outbox.deliver_topic[")


# --- the tests -----------------------------------------------------------------------------------
def test_every_action_reaches_the_portal_process_in_order(stack, cast):
    worker = stack.start_worker()
    codes = [lifecycle(cast) for _ in range(3)]
    wait_delivered(stack, total=3 * ACTIONS)
    assert_portal_matches(codes)
    # Delivered by the worker process over HTTP, never by this process.
    assert worker_delivered(worker) > 0
    assert Record.objects.count() == 3
    assert counters().get("duplicates", 0) == 0  # no call was even repeated


def test_portal_down_for_a_run_of_actions_then_up(stack, cast):
    stack.start_worker()
    stack.faults(down=True)
    codes = [lifecycle(cast) for _ in range(3)]
    # The worker tried, was refused, and keeps retrying with backoff.
    wait_until(
        lambda: portal_messages().filter(attempts__gte=2).count() >= 3,
        "retries while the portal is down",
    )
    assert outbox_counts()[OutboxStatus.SENT] == 0
    assert not Record.objects.exists()
    stack.faults(down=False)
    wait_delivered(stack, total=3 * ACTIONS)  # the retries alone, no sweeper
    assert_portal_matches(codes)
    assert counters().get("errors_injected:503", 0) > 0


def test_worker_killed_mid_delivery_then_restarted(stack, cast, broker):
    # One message per portal call: batched delivery would otherwise carry a dossier's whole
    # history (and several dossiers) in one call, and the kill could come after the last.
    worker = stack.start_worker(OUTBOX_BATCH_SIZE="1", OUTBOX_RUN_MAX="1")
    stack.faults(latency_ms=500)  # each call takes half a second: kill while calls are in flight
    codes = [lifecycle(cast) for _ in range(4)]
    total = 4 * ACTIONS
    wait_until(
        lambda: outbox_counts()[OutboxStatus.SENT] >= 3,
        "the first deliveries",
    )
    worker.kill()
    counts = outbox_counts()
    assert 0 < counts[OutboxStatus.SENT] < total, counts
    if broker.kind == "redis":
        # acks_late: the tasks the worker had taken are still unacknowledged in Redis (they
        # would come back only after the visibility timeout, an hour).
        assert broker.unacked() >= 1
    # Nobody delivers now.
    time.sleep(1)
    assert outbox_counts()[OutboxStatus.SENT] == counts[OutboxStatus.SENT]

    stack.faults(latency_ms=20)
    stack.start_worker()
    # The new worker takes the wake-ups still queued. On Redis the sweeper (beat) covers those
    # the dead worker held; RabbitMQ gave them back to the queue when its connection dropped
    # (late acks), so no sweeper is needed.
    sweep_every = 2 if broker.kind == "redis" else None
    waited = wait_delivered(stack, total=total, sweep_every=sweep_every)
    assert_portal_matches(codes, redelivered=True)
    print(
        f"killed with {counts[OutboxStatus.SENT]}/{total} sent; recovered in {waited:.1f}s; "
        f"portal replays (idempotency): {counters().get('duplicates', 0)}"
    )


def test_broker_unreachable_at_commit_then_the_sweeper_delivers(stack, cast, broker):
    from outbox.tasks import sweep_task

    worker = stack.start_worker()
    # Nothing listens there.
    if broker.kind == "redis":
        use_broker(f"redis://127.0.0.1:{free_port()}/{BROKER_DB}")
    else:
        use_broker(f"amqp://guest:guest@127.0.0.1:{free_port()}/{AMQP_VHOST}")
    started = time.monotonic()
    codes = [lifecycle(cast) for _ in range(2)]
    commits = time.monotonic() - started
    total = 2 * ACTIONS
    use_broker(broker.url)
    # Every change committed, with its message; no wake-up reached the worker.
    time.sleep(1)
    assert outbox_counts() == {"pending": total, "sent": 0, "dead": 0, "superseded": 0}
    assert not portal_messages().filter(attempts__gt=0).exists()
    assert worker_delivered(worker) == 0
    assert commits < 30, f"commits took {commits:.1f}s with the broker down"
    print(f"{total} commits with the broker unreachable: {commits:.1f}s")

    # Beat's sweeper, run by the worker, once the messages are past its grace period.
    portal_messages().update(created_at=timezone.now() - timedelta(minutes=1))
    sweep_task.apply_async()
    wait_delivered(stack, total=total)
    assert_portal_matches(codes)


def test_queued_wakeups_lost_with_redis_then_the_sweeper_delivers(stack, cast, broker):
    from outbox.tasks import sweep_task

    if broker.kind == "amqp":
        pytest.skip(
            "RabbitMQ is this machine's service and tests do not restart it; its quorum queues "
            "are durable, so a restart loses no wake-up (the sweeper covers it anyway)"
        )
    # No worker yet: the wake-ups wait in Redis, in the portal's queue…
    codes = [lifecycle(cast) for _ in range(2)]
    total = 2 * ACTIONS
    assert broker.depth("portal") == total
    # …and are lost, as when this Redis (no persistence) restarts.
    broker.purge()
    worker = stack.start_worker()
    time.sleep(1.5)
    assert outbox_counts()[OutboxStatus.PENDING] == total
    assert worker_delivered(worker) == 0

    portal_messages().update(created_at=timezone.now() - timedelta(minutes=1))
    sweep_task.apply_async()
    wait_delivered(stack, total=total)
    assert_portal_matches(codes)


def test_a_third_of_calls_failing_with_latency_still_delivers_in_order(stack, cast):
    stack.start_worker()
    # Out-of-order versions would be applied (and counted): none must arrive.
    stack.faults(error_rate=0.3, latency_ms=50, accept_out_of_order=True)
    codes = [lifecycle(cast) for _ in range(4)]
    wait_delivered(stack, total=4 * ACTIONS, timeout=90)
    stack.faults(error_rate=0, latency_ms=0)
    assert_portal_matches(codes)
    assert counters().get("errors_injected:500", 0) > 0
    assert portal_messages().filter(attempts__gt=1).exists()  # retries happened


def test_a_notifications_worker_takes_no_portal_sync_task(stack, cast, broker):
    # Queues by kind (config/queues.py): the portal's deliveries wait for a portal worker, however
    # many notification workers are idle, and a slow portal never holds a notice back.
    notifier = stack.start_worker(queues="notifications")
    codes = [lifecycle(cast)]
    time.sleep(2)
    assert worker_delivered(notifier) == 0
    assert outbox_counts()[OutboxStatus.PENDING] == ACTIONS
    assert broker.depth("portal") == ACTIONS
    assert broker.depth("notifications") == 0

    portal_worker = stack.start_worker(queues="portal")
    wait_delivered(stack, total=ACTIONS)
    assert_portal_matches(codes)
    assert worker_delivered(portal_worker) > 0
    assert worker_delivered(notifier) == 0
