"""Personal data protected at rest (issue 12, section 5; docs/personal-data.md): the personal ID,
tax code, phone and address of applicants, users and the data store's owners are encrypted in
the database (authenticated, keys from ONECUA_FIELD_KEYS), found exactly through keyed hashes,
read in clear through the model attribute, re-encrypted by `rotate_field_keys`; the Personal
Data Protection Law (91/2025/QH15) requires personal data to be protected by appropriate
technical measures."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import override_settings

from accounts.models import User
from accounts.roles import Role
from accounts.services import citizen_by_personal_id
from core import checks as production_checks
from core.crypto import DEVELOPMENT_KEY, DecryptionError, decrypt, is_token
from core.fields import EncryptedLookupError, match
from core.identity import DEVELOPMENT_HMAC_KEY, subject_key
from documents.models import StoreDocument
from dossiers.models import Applicant, Dossier
from tests.support.cast import CITIZEN_ID, PASSWORD, at_counter, make_user

PHONE = "0912345678"
ADDRESS = "Số 1 đường Hùng Vương"
TAX_CODE = "0101234567"
SUBMITTER_ID = "025090007777"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def business_at_counter(cast):
    from dossiers import services

    return services.counter_intake(
        actor=cast.clerk,
        procedure_code="1.001193",
        applicant={
            "kind": 2,
            "full_name": "Công ty TNHH Hùng Vương",
            "tax_code": TAX_CODE,
            "phone": "0210123456",
            "address": "Số 9 đường Trần Phú",
            "submitter_name": "Trần Văn Bình",
            "submitter_personal_id": SUBMITTER_ID,
            "unit": cast.unit.code,
        },
        summary="Hồ sơ của doanh nghiệp",
        components=[{"order": 1}],
    )


def raw_rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


# --- what the database holds ------------------------------------------------------------------
def test_the_columns_hold_ciphertext_and_the_attribute_the_clear_value(cast):
    dossier = at_counter(cast)
    business = business_at_counter(cast)
    table = Applicant._meta.db_table
    rows = raw_rows(
        f"SELECT personal_id, tax_code, phone, address, submitter_personal_id, "  # noqa: S608
        f"personal_id_hash, tax_code_hash, phone_hash FROM {table} ORDER BY id"
    )
    person, company = rows
    assert all(is_token(value) for value in (person[0], person[2], person[3]))
    assert person[1] == "" and person[4] == ""  # nothing to hide stays empty
    assert all(is_token(value) for value in company[1:5])
    flat = repr(rows)
    for clear in (CITIZEN_ID, PHONE, ADDRESS, TAX_CODE, SUBMITTER_ID, "Hùng Vương"):
        assert clear not in flat
    # The hashes are the access log's subject keys (core/identity.py).
    assert person[5] == subject_key(CITIZEN_ID) and person[7] == subject_key(PHONE)
    assert company[6] == subject_key(TAX_CODE) and company[5] == ""
    # The one accessor: the attribute, for a row read any way.
    applicant = Applicant.objects.get(pk=dossier.applicant_id)
    assert (applicant.personal_id, applicant.phone, applicant.address) == (
        CITIZEN_ID,
        PHONE,
        ADDRESS,
    )
    assert Dossier.objects.filter(pk=business.pk).values_list(
        "applicant__tax_code", "applicant__submitter_personal_id"
    ).get() == (TAX_CODE, SUBMITTER_ID)
    # Users and the data store too.
    (user_id, user_phone, user_hash) = raw_rows(
        f"SELECT personal_id, phone, personal_id_hash FROM {User._meta.db_table} "  # noqa: S608
        f"WHERE id = {cast.citizen.pk}"
    )[0]
    assert is_token(user_id) and CITIZEN_ID not in user_id and user_phone == ""
    assert user_hash == subject_key(CITIZEN_ID)
    assert User.objects.get(pk=cast.citizen.pk).personal_id == CITIZEN_ID


def test_the_whole_database_holds_no_clear_identifier(cast, submit):
    """Every table but the mock portal's (a stand-in for the national system, not ours), read
    as text: no personal ID, tax code, phone or address in clear."""
    submit()
    at_counter(cast)
    business_at_counter(cast)
    clear = (CITIZEN_ID, PHONE, ADDRESS, TAX_CODE, SUBMITTER_ID)
    tables = [t for t in connection.introspection.table_names() if not t.startswith("mockportal")]
    found = []
    for table in tables:
        for row in raw_rows(f'SELECT * FROM "{table}"'):  # noqa: S608
            text = repr(row)
            found += [(table, value) for value in clear if value in text]
    assert found == []


@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_holds_no_clear_personal_id(cast, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (pg_dump of the test database)")
    pg_dump = shutil.which("pg_dump")
    if not pg_dump:
        pytest.skip("pg_dump is not installed")
    at_counter(cast)
    business_at_counter(cast)
    assert Applicant.objects.count() == 2
    params = connection.get_connection_params()
    env = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
    argv = [pg_dump, "--no-owner", "--no-privileges", "--exclude-table=mockportal_*"]
    argv += ["-h", str(params.get("host") or "127.0.0.1"), "-p", str(params.get("port") or 5432)]
    argv += ["-U", str(params.get("user") or "postgres"), str(params["dbname"])]
    dump = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=True)  # noqa: S603
    assert "COPY public.dossiers_applicant" in dump.stdout
    for clear in (CITIZEN_ID, SUBMITTER_ID, TAX_CODE, PHONE, ADDRESS):
        assert clear not in dump.stdout, clear
    assert subject_key(CITIZEN_ID) in dump.stdout  # the hash is there, the number is not


# --- tampering and lost keys --------------------------------------------------------------------
def _tamper(table: str, column: str, pk: int) -> None:
    token = raw_rows(f"SELECT {column} FROM {table} WHERE id = {pk}")[0][0]  # noqa: S608
    middle = len(token) // 2
    changed = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [changed, pk])  # noqa: S608


def test_tampered_ciphertext_is_a_clear_error(cast):
    dossier = at_counter(cast)
    _tamper(Applicant._meta.db_table, "phone", dossier.applicant_id)
    with pytest.raises(DecryptionError, match=r"dossiers\.Applicant\.phone cannot be decrypted"):
        Applicant.objects.get(pk=dossier.applicant_id)
    # A value written in clear behind the application's back is refused the same way.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Applicant._meta.db_table} SET phone = %s WHERE id = %s",  # noqa: S608
            [PHONE, dossier.applicant_id],
        )
    with pytest.raises(DecryptionError, match="altered, is not a ciphertext"):
        Applicant.objects.values_list("phone", flat=True).get(pk=dossier.applicant_id)


def test_a_value_whose_key_was_removed_cannot_be_read(cast, settings):
    settings.ONECUA_FIELD_KEYS = [OLD_KEY, DEVELOPMENT_KEY]  # the cast's rows: the latter
    dossier = at_counter(cast)
    settings.ONECUA_FIELD_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError, match="ONECUA_FIELD_KEYS"):
        Applicant.objects.get(pk=dossier.applicant_id)
    settings.ONECUA_FIELD_KEYS = [NEW_KEY, OLD_KEY]  # an older key still decrypts
    assert Applicant.objects.get(pk=dossier.applicant_id).personal_id == CITIZEN_ID


def test_no_key_at_all_is_a_configuration_error(db, settings):
    settings.ONECUA_FIELD_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        Applicant(full_name="X", personal_id=CITIZEN_ID).save()


# --- searching ----------------------------------------------------------------------------------
def test_comparing_an_encrypted_column_is_refused_loudly(cast):
    at_counter(cast)
    for query in (
        lambda: Applicant.objects.filter(personal_id=CITIZEN_ID),
        lambda: Applicant.objects.filter(phone__icontains="0912"),
        lambda: Applicant.objects.exclude(tax_code=""),
        lambda: Dossier.objects.filter(applicant__personal_id=CITIZEN_ID),
        lambda: User.objects.filter(personal_id__in=[CITIZEN_ID]),
        lambda: StoreDocument.objects.filter(owner_id=CITIZEN_ID),
        lambda: Applicant.objects.filter(address__startswith="Số"),
    ):
        with pytest.raises(EncryptedLookupError, match="is encrypted"):
            list(query())
    assert Applicant.objects.filter(personal_id__isnull=False).count() == 1


def test_exact_search_goes_through_the_hash(cast):
    dossier = at_counter(cast)
    business = business_at_counter(cast)
    assert list(Applicant.objects.filter(match("personal_id", CITIZEN_ID))) == [dossier.applicant]
    assert Dossier.objects.get(match("applicant__tax_code", TAX_CODE)) == business
    assert Dossier.objects.get(match("applicant__phone", PHONE)) == dossier
    assert not Applicant.objects.filter(match("personal_id", "")).exists()
    assert not Applicant.objects.filter(match("personal_id", "025090008888")).exists()


def test_a_citizen_is_found_by_their_personal_id(cast):
    assert citizen_by_personal_id(CITIZEN_ID) == cast.citizen
    assert citizen_by_personal_id(f" {CITIZEN_ID} ") == cast.citizen
    assert citizen_by_personal_id("025090008888") is None
    assert citizen_by_personal_id("") is None
    # Only citizens: an official with the same number recorded is not "the citizen".
    cast.citizen.role = Role.RECEIVING_OFFICER
    cast.citizen.agency = cast.centre
    cast.citizen.save()
    assert citizen_by_personal_id(CITIZEN_ID) is None


def test_counter_intake_links_the_citizens_account_through_the_hash(cast):
    dossier = at_counter(cast)
    assert dossier.applicant.account == cast.citizen


def test_one_citizen_account_per_personal_id_on_the_hash(cast):
    twin = User(username="twin", role=Role.CITIZEN, personal_id=CITIZEN_ID)
    twin.set_password(PASSWORD)
    with pytest.raises(ValidationError):
        twin.full_clean()  # judged on the hash, which clean() computes before the constraint
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # Officials and people without a number are not constrained.
    make_user("nobody-1", Role.CITIZEN)
    make_user("nobody-2", Role.CITIZEN)


def test_updates_keep_the_hashes(cast):
    dossier = at_counter(cast)
    Applicant.objects.filter(pk=dossier.applicant_id).update(phone="0987654321")
    assert Dossier.objects.get(match("applicant__phone", "0987654321")) == dossier
    assert not Dossier.objects.filter(match("applicant__phone", PHONE)).exists()
    applicant = Applicant.objects.get(pk=dossier.applicant_id)
    applicant.personal_id = "025090005555"
    Applicant.objects.bulk_update([applicant], ["personal_id"])
    assert Applicant.objects.get(match("personal_id", "025090005555")) == applicant


def test_the_api_filters_dossiers_by_identifier(cast):
    dossier = at_counter(cast)
    business = business_at_counter(cast)
    client = cast.client(cast.clerk)
    for value, expected in (
        (CITIZEN_ID, [dossier.code]),
        (PHONE, [dossier.code]),
        (TAX_CODE, [business.code]),
        ("025090008888", []),
    ):
        response = client.get("/api/v1/dossiers/", {"applicant": value})
        assert response.status_code == 200, response.json()
        assert [d["code"] for d in response.json()["results"]] == expected, value
    # The detail reads the clear values.
    detail = client.get(f"/api/v1/dossiers/{dossier.code}/").json()
    assert detail["applicant"]["personal_id"] == CITIZEN_ID
    assert detail["applicant"]["phone"] == PHONE


def test_the_admin_finds_dossiers_applicants_users_and_store_documents(cast, client):
    dossier = at_counter(cast)
    business = business_at_counter(cast)
    admin = cast.admin
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    for term, expected in ((CITIZEN_ID, dossier.code), (PHONE, dossier.code)):
        page = client.get("/admin/dossiers/dossier/", {"q": term})
        assert page.status_code == 200
        assert expected in page.content.decode() and business.code not in page.content.decode()
    page = client.get("/admin/dossiers/dossier/", {"q": TAX_CODE})
    assert business.code in page.content.decode() and dossier.code not in page.content.decode()
    page = client.get("/admin/dossiers/applicant/", {"q": TAX_CODE})
    assert "Công ty TNHH Hùng Vương" in page.content.decode()
    assert "Nguyễn Văn An" not in page.content.decode()
    page = client.get("/admin/accounts/user/", {"q": CITIZEN_ID})
    assert page.status_code == 200
    assert f"/admin/accounts/user/{cast.citizen.pk}/change/" in page.content.decode()
    assert f"/admin/accounts/user/{cast.clerk.pk}/change/" not in page.content.decode()
    # The applicant's page shows the clear values.
    page = client.get(f"/admin/dossiers/applicant/{dossier.applicant_id}/change/")
    assert CITIZEN_ID in page.content.decode() and ADDRESS in page.content.decode()


# --- rotation -----------------------------------------------------------------------------------
def _rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_field_keys", *args, stdout=out)
    return out.getvalue()


def test_rotation_reencrypts_with_the_newest_key(cast, settings):
    settings.ONECUA_FIELD_KEYS = [OLD_KEY, DEVELOPMENT_KEY]  # the cast's rows: the latter
    dossiers = [at_counter(cast) for _ in range(3)] + [business_at_counter(cast)]
    before = raw_rows(f"SELECT id, personal_id FROM {Applicant._meta.db_table} ORDER BY id")  # noqa: S608
    settings.ONECUA_FIELD_KEYS = [NEW_KEY, OLD_KEY, DEVELOPMENT_KEY]
    report = _rotate("--batch-size", "2")
    assert "dossiers_applicant: 4 rows, 13 values re-encrypted, 4 rows written" in report
    # Idempotent: everything is under the newest key, a second run writes nothing.
    assert "dossiers_applicant: 4 rows, 0 values re-encrypted, 0 rows written" in _rotate()
    settings.ONECUA_FIELD_KEYS = [NEW_KEY]  # the old keys removed: everything still reads
    after = raw_rows(f"SELECT id, personal_id FROM {Applicant._meta.db_table} ORDER BY id")  # noqa: S608
    assert [token for _, token in after] != [token for _, token in before]
    for (_, token), dossier in zip(after, dossiers, strict=True):
        assert decrypt(token) == Applicant.objects.get(pk=dossier.applicant_id).personal_id
    assert {d.applicant.personal_id for d in Dossier.objects.select_related("applicant")} == {
        CITIZEN_ID,
        "",
    }
    assert User.objects.get(pk=cast.citizen.pk).personal_id == CITIZEN_ID
    assert citizen_by_personal_id(CITIZEN_ID) == cast.citizen


def test_rotation_stops_on_a_value_no_key_reads(cast, settings):
    dossier = at_counter(cast)
    _tamper(Applicant._meta.db_table, "address", dossier.applicant_id)
    settings.ONECUA_FIELD_KEYS = [NEW_KEY, DEVELOPMENT_KEY]
    with pytest.raises(Exception, match=r"dossiers_applicant\.address \(id \d+\)"):
        _rotate()


def test_rehash_after_a_new_hmac_key(cast, settings):
    dossier = at_counter(cast)
    settings.ONECUA_HMAC_KEY = "another-deployment-secret-of-enough-length"
    assert not Applicant.objects.filter(match("personal_id", CITIZEN_ID)).exists()
    _rotate("--rehash")
    assert Applicant.objects.get(match("personal_id", CITIZEN_ID)) == dossier.applicant
    assert citizen_by_personal_id(CITIZEN_ID) == cast.citizen


# --- production ---------------------------------------------------------------------------------
def _errors(check) -> list[str]:
    return [error.id for error in check()]


@override_settings(ONECUA_MOCKS=False)
@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([], ["onecua.E006"]),
        ([DEVELOPMENT_KEY], ["onecua.E006"]),
        ([NEW_KEY, DEVELOPMENT_KEY], ["onecua.E006"]),
        (["CHANGE_ME"], ["onecua.E006"]),
        (["not-a-fernet-key"], ["onecua.E006"]),
        ([NEW_KEY], []),
        ([NEW_KEY, OLD_KEY], []),
    ],
)
def test_production_needs_real_field_keys(settings, keys, expected):
    settings.ONECUA_FIELD_KEYS = keys
    assert _errors(production_checks.field_keys) == expected


@override_settings(ONECUA_MOCKS=False)
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("", ["onecua.E007"]),
        (DEVELOPMENT_HMAC_KEY, ["onecua.E007"]),
        ("CHANGE_ME", ["onecua.E007"]),
        ("short", ["onecua.E007"]),
        ("x" * 40, []),
    ],
)
def test_production_needs_a_real_hmac_key(settings, key, expected):
    settings.ONECUA_HMAC_KEY = key
    assert _errors(production_checks.hmac_key) == expected


def test_with_the_mocks_on_the_development_keys_are_the_defaults(settings):
    from django.conf import settings as live

    assert live.DEVELOPMENT_FIELD_KEY == DEVELOPMENT_KEY
    assert live.DEVELOPMENT_HMAC_KEY == DEVELOPMENT_HMAC_KEY
    assert _errors(production_checks.field_keys) == []
    assert _errors(production_checks.hmac_key) == []


def test_the_user_admin_edits_an_encrypted_personal_id(cast, client):
    client.force_login(cast.admin)
    url = f"/admin/accounts/user/{cast.other_citizen.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert re.search(
        r'<input type="text" name="personal_id" value="025090009999"[^>]*maxlength="12"',
        page.content.decode(),
    )
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        username="binh",
        role=Role.CITIZEN,
        personal_id=CITIZEN_ID,  # someone else's
        date_joined_0="01/03/2026",
        date_joined_1="09:00:00",
        _save="1",
    )
    for key in ("agency", "last_login", "date_joined", "groups", "user_permissions", "password"):
        data.pop(key, None)
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    answer = client.post(url, data)
    assert answer.status_code == 200  # the form again, with the error; not a 500
    assert "Đã có tài khoản công dân với số định danh cá nhân này." in answer.content.decode()
    data["personal_id"] = "025090006666"
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    assert citizen_by_personal_id("025090006666") == cast.other_citizen
    assert citizen_by_personal_id("025090009999") is None
