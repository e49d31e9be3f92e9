"""The Prometheus endpoint /metrics (monitoring/, docs/operations.md "Metrics"): the outbox's depth,
age and dead letters per topic, the portal sync's lag and the request latency by view, read at
scrape time; and nobody but the operators' networks or token gets it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

PORTAL = "dvcqg.dossier"


def scrape(client, **extra) -> dict:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def message(topic: str, key: str, n: int, *, age: float = 0, status=OutboxStatus.PENDING):
    m = delivery.enqueue(topic=topic, key=key, reference={}, idempotency_key=f"{topic}:{key}:{n}")
    OutboxMessage.objects.filter(pk=m.pk).update(
        created_at=timezone.now() - timedelta(seconds=age), status=status
    )
    return m


def test_outbox_depth_age_and_dead_letters_per_topic(client):
    message(PORTAL, "dossier:1", 1, age=300)
    message(PORTAL, "dossier:1", 2, age=60)
    message(PORTAL, "dossier:2", 3, age=10)
    message("notify.sms", "notify.sms:dossier:1", 4, age=30)
    message("notify.sms", "notify.sms:dossier:2", 5, status=OutboxStatus.DEAD)
    message("notify.email", "notify.email:dossier:1", 6, status=OutboxStatus.DEAD)
    message("notify.email", "notify.email:dossier:1", 7, status=OutboxStatus.DEAD)
    message(PORTAL, "dossier:3", 8, age=9999, status=OutboxStatus.SENT)  # done: not counted

    samples = scrape(client)

    assert samples[("onecua_outbox_pending_messages", (("topic", PORTAL),))] == 3
    assert samples[("onecua_outbox_pending_messages", (("topic", "notify.sms"),))] == 1
    assert ("onecua_outbox_pending_messages", (("topic", "notify.email"),)) not in samples
    age = samples[("onecua_outbox_oldest_pending_age_seconds", (("topic", PORTAL),))]
    assert 300 <= age < 330
    sms_age = samples[("onecua_outbox_oldest_pending_age_seconds", (("topic", "notify.sms"),))]
    assert 30 <= sms_age < 60
    assert samples[("onecua_outbox_dead_messages", (("topic", "notify.email"),))] == 2
    assert samples[("onecua_outbox_dead_messages", (("topic", "notify.sms"),))] == 1
    # The portal sync's lag: its oldest message not delivered yet.
    assert 300 <= samples[("onecua_portal_sync_lag_seconds", ())] < 330


def test_no_lag_when_everything_is_delivered(client):
    message(PORTAL, "dossier:1", 1, age=500, status=OutboxStatus.SENT)
    samples = scrape(client)
    assert samples[("onecua_portal_sync_lag_seconds", ())] == 0
    assert not [k for k in samples if k[0] == "onecua_outbox_pending_messages"]


def test_no_replica_no_replica_lag(client):
    # Without a read replica configured the metric is absent (not a made-up zero).
    samples = scrape(client)
    assert not [k for k in samples if k[0].startswith("onecua_database_replica_lag")]


def test_request_latency_by_view_name(client):
    # The histogram is the process's (other tests' requests are in it too): compare two scrapes.
    key = ("method", "GET"), ("status", "200"), ("view", "procedure-list")
    unmatched = ("method", "GET"), ("status", "404"), ("view", "<unmatched>")
    count = "onecua_http_request_duration_seconds_count"
    before = scrape(client)
    client.get("/api/v1/procedures/")
    client.get("/api/v1/procedures/")
    client.get("/khong-co-trang-nay/")
    after = scrape(client)
    assert after[(count, key)] - before.get((count, key), 0) == 2
    assert after[("onecua_http_request_duration_seconds_sum", key)] > 0
    assert after[(count, unmatched)] - before.get((count, unmatched), 0) == 1


def test_celery_queue_depth_is_read_from_redis(client, settings, monkeypatch):
    import os

    import redis

    from config import queues

    # The Redis database of the broker tests (tests/integrations/test_worker_postgres.py), with
    # queue names of this test's own: a real worker on that database (another run's) never
    # takes or adds what is counted here.
    url = f"redis://127.0.0.1:6379/{os.environ.get('ONECUA_TEST_BROKER_DB', '13')}"
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=1)
        server.ping()
    except redis.RedisError:
        pytest.skip("needs Redis at 127.0.0.1:6379")
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    names = ("metrics-test-portal", "metrics-test-notifications", "metrics-test-payments")
    monkeypatch.setattr(queues, "QUEUES", names)
    probe = "onecua-metrics-test"
    try:
        server.delete(*names)
        server.rpush(names[0], *[probe] * 3)
        server.rpush(names[1], probe)
        samples = scrape(client)
    finally:
        server.delete(*names)
    assert samples[("onecua_celery_queue_depth", (("queue", names[0]),))] == 3
    assert samples[("onecua_celery_queue_depth", (("queue", names[1]),))] == 1
    assert samples[("onecua_celery_queue_depth", (("queue", names[2]),))] == 0


def test_no_queue_depth_under_rabbitmq(client, settings):
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    samples = scrape(client)
    assert not [k for k in samples if k[0] == "onecua_celery_queue_depth"]


# --- who may read it -----------------------------------------------------------------------------
def test_refused_from_another_network(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 404
    assert b"onecua_" not in response.content


def test_allowed_from_a_configured_network(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    # 127.0.0.1 is no longer in the list.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_the_token_opens_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    scrape(client, REMOTE_ADDR="198.51.100.9", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")


@pytest.mark.parametrize(
    "header", ["Bearer wrong", "Token s3cret-metrics-token", "Bearer ", "Basic Zm9vOmJhcg=="]
)
def test_a_wrong_token_is_refused(client, settings, header):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    response = client.get("/metrics", REMOTE_ADDR="198.51.100.9", HTTP_AUTHORIZATION=header)
    assert response.status_code == 403
    assert b"onecua_" not in response.content


def test_no_token_configured_opens_nothing(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR="198.51.100.9", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


def test_only_get(client):
    assert client.post("/metrics").status_code == 405
