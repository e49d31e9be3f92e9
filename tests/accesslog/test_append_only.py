"""Issue 12 §4: nobody can edit the log through the application (no update or delete path, the
admin is read-only), PostgreSQL refuses it too, and nothing cascades into it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessRecord, AppendOnly
from core.identity import subject_key
from tests.support.accesslog import TABLE, LogInserts, rows, staff

assert TABLE == "accesslog_accessrecord"  # the raw SQL below names it

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(cast, received) -> AccessRecord:
    assert cast.client(cast.clerk).get(f"/api/v1/dossiers/{received.code}/").status_code == 200
    return rows()[0]


def test_the_application_cannot_change_or_delete_a_row(row):
    with pytest.raises(AppendOnly):
        AccessRecord.objects.filter(pk=row.pk).update(reader_name="someone else")
    with pytest.raises(AppendOnly):
        AccessRecord.objects.all().delete()
    with pytest.raises(AppendOnly):
        row.delete()
    row.reader_name = "someone else"
    with pytest.raises(AppendOnly):
        row.save()
    with pytest.raises(AppendOnly):
        AccessRecord.objects.bulk_update([row], ["reader_name"])
    with pytest.raises(AppendOnly):
        AccessRecord.objects.update_or_create(pk=row.pk, defaults={"reader_name": "x"})
    assert AccessRecord.objects.get(pk=row.pk).reader_name == "Clerk"


def test_nothing_points_from_the_log_to_another_table(row):
    # No foreign key: deleting a dossier, an applicant, a user or an agency cannot cascade here
    # (and cannot be blocked by the log either).
    assert not [f for f in AccessRecord._meta.get_fields() if f.is_relation]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    assert not [name for name, c in constraints.items() if c["foreign_key"]]


def test_the_admin_shows_the_log_to_administrators_and_changes_nothing(client, cast, row):
    client.force_login(cast.admin)
    changelist = reverse("admin:accesslog_accessrecord_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [row.pk]
    change = client.get(reverse("admin:accesslog_accessrecord_change", args=[row.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert client.get(reverse("admin:accesslog_accessrecord_add")).status_code == 403
    delete = reverse("admin:accesslog_accessrecord_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.post(changelist, {"action": "delete_selected", "_selected_action": [row.pk]})
    assert AccessRecord.objects.filter(pk=row.pk).exists()
    # Reading the log is not itself logged.
    assert rows() == [row]


def test_officials_cannot_open_the_log_in_the_admin(client, cast, row):
    client.force_login(staff(cast.leader))
    assert client.get(reverse("admin:accesslog_accessrecord_changelist")).status_code == 403


def test_the_admin_filters(client, cast, row, received):
    client.force_login(cast.admin)
    url = reverse("admin:accesslog_accessrecord_changelist")

    def shown(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [r.pk for r in response.context["cl"].result_list]

    assert shown(dossier=received.code) == [row.pk]
    assert shown(dossier="khác") == []
    assert shown(reader="clerk", agency=cast.centre.code) == [row.pk]
    assert shown(reader="leader") == []
    assert shown(by_administrator__exact="1") == []
    assert shown(kind__exact="dossier_detail") == [row.pk]
    local = timezone.localdate(row.at)
    assert shown(since=local.isoformat(), until=local.isoformat()) == [row.pk]
    assert shown(since=local.strftime("%d/%m/%Y")) == [row.pk]
    assert shown(until="2000-01-01") == []
    assert shown(since="not a date") == []


# --- PostgreSQL refuses it too ----------------------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accesslog_accessrecord SET reader_name = 'someone else'",
        "UPDATE accesslog_accessrecord SET reader_name = reader_name WHERE false",
        "DELETE FROM accesslog_accessrecord",
        "TRUNCATE accesslog_accessrecord",
    ],
)
def test_postgresql_refuses_raw_changes(on_postgres, row, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AccessRecord.objects.get(pk=row.pk).reader_name == "Clerk"


def test_a_maintenance_session_may_delete_but_never_update(on_postgres, row):
    """The database operator removes expired rows in a maintenance session; nobody rewrites
    one."""
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL onecua.access_log_maintenance = 'on'")
        cursor.execute("UPDATE accesslog_accessrecord SET reader_name = 'someone else'")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL onecua.access_log_maintenance = 'on'")
        cursor.execute("DELETE FROM accesslog_accessrecord WHERE id = %s", [row.pk])
    assert not AccessRecord.objects.filter(pk=row.pk).exists()


def test_the_subject_key_is_a_keyed_hash(settings):
    key = subject_key(" 025090001234 ")
    assert len(key) == 64 and int(key, 16) >= 0
    assert key == subject_key("025090001234") != subject_key("025090009999")
    assert subject_key("") == "" and subject_key(None) == ""
    settings.ONECUA_HMAC_KEY = "another deployment"
    assert subject_key("025090001234") != key


# --- the log's own commit (PostgreSQL, outside any transaction) --------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("durable", [False, True])
def test_a_read_outside_a_transaction_commits_its_rows_alone(on_postgres, settings, durable):
    """What production does: the rows commit by themselves, asynchronously unless
    ONECUA_ACCESS_LOG_SYNC_COMMIT; the setting does not outlive the log's own statement."""
    from accesslog import recording
    from accesslog.models import Purpose, ReadKind
    from accounts.roles import Role
    from tests.factories import UserFactory

    settings.ONECUA_ACCESS_LOG_SYNC_COMMIT = durable
    reader = UserFactory(role=Role.LEADER)
    subjects = [recording.Subject(dossier_code=f"D-{n}", identifier="025090001234") for n in (1, 2)]
    assert not connection.in_atomic_block
    with LogInserts() as log:
        recording.record(reader, ReadKind.DOSSIER_LIST, Purpose.API_DOSSIER_LIST, subjects)
    assert len(log.inserts) == 1
    assert log.inserts[0].startswith("SET LOCAL synchronous_commit TO OFF;") is not durable
    found = rows()
    assert [r.dossier_code for r in found] == ["D-1", "D-2"]
    assert {(r.reader_agency_code, r.reader_agency_name) for r in found} == {
        (reader.agency.code, reader.agency.name)
    }
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
