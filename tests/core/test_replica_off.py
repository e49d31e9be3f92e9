"""Without DATABASE_REPLICA_URL (the default) there is no read replica and nothing changes: no
`replica` alias, no router, no pin middleware, and the replica scope reads the primary. The
replica itself is tested against a real standby in tests/replica/ (scripts/replica_test.sh)."""

import pytest
from django.conf import settings
from django.db import router

from core import replica
from organisations.models import Agency


def test_no_replica_is_configured_by_default():
    assert "replica" not in settings.DATABASES
    assert not settings.DATABASE_ROUTERS
    assert "core.replica.ReplicaPinMiddleware" not in settings.MIDDLEWARE


@pytest.mark.django_db
def test_the_replica_scope_reads_the_primary_when_there_is_none():
    with replica.request_scope(), replica.reading_from_replica():
        assert replica.db_for_read() == "default"
        assert router.db_for_read(Agency) == "default"
        assert Agency.objects.count() >= 0


def test_the_scope_is_a_decorator_too():
    @replica.reading_from_replica()
    def inside():
        return replica._scope.get()

    assert inside() is True
    assert replica._scope.get() is False
    assert list(replica.iterate_from_replica(iter([1, 2]))) == [1, 2]
