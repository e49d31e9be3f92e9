"""The mock national portal (DVCQG): a real HTTP service under /mock-dvcqg/."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from integrations.mockportal import catalogue, views
from integrations.mockportal.models import Record, RecordVersion, Token
from tests.factories import UserFactory
from tests.support.tokens import administrator_token, api_token

BASE = "/mock-dvcqg/"
pytestmark = pytest.mark.django_db


def record(code="H43.12-250101-0001", phien_ban=1, status=2, **extra):
    data = {
        "MaHoSo": code,
        "MaTTHC": "1.001234",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HO_TICH",
        "KenhThucHien": 1,
        "ChuHoSo": "Nguyễn Văn A",
        "LoaiDoiTuong": 1,
        "SoGiayToChuHoSo": "001085012345",
        "TrichYeuHoSo": "Đăng ký khai sinh cho con",
        "NgayTiepNhan": "20250102083000",
        "NgayHenTra": "20250105170000",
        "TrangThaiHoSo": status,
        "PhienBan": phien_ban,
        "TaiLieuNop": [
            {
                "TenTepDinhKem": "to-khai.pdf",
                "MaThanhPhanHoSo": "TP1",
                "DuocSoHoa": 1,
                "DuocTaiSuDung": 0,
            }
        ],
        "DanhSachLePhi": [],
        "HoSoCoThanhPhanSoHoa": 1,
        "TaiKhoanDuocXacThucVoiVNeID": 0,
        "DuocThanhToanTrucTuyen": 0,
    }
    data.update(extra)
    return data


def step(**extra):
    data = {
        "NguoiXuLy": "Trần Thị B",
        "ChucDanh": "Công chức một cửa",
        "ThoiDiemXuLy": "20250102083000",
        "PhongBanXuLy": "Bộ phận một cửa",
        "NoiDungXuLy": "Tiếp nhận hồ sơ",
        "TrangThai": 2,
        "NgayBatDau": "20250102083000",
        "NgayKetThucTheoQuyDinh": "20250102113000",
    }
    data.update(extra)
    return data


class Portal:
    """A test client speaking JSON to the mock portal, with a bearer token once logged in; the
    control endpoints (`_faults`, `_reset`, `_stats`) get an onecua administrator's API token
    instead, when it has one (`admin_token`)."""

    def __init__(self, admin_token=None):
        self.client = Client()
        self.token = None
        self.admin_token = admin_token

    def login(self, username="onecua", password="onecua-mock"):  # noqa: S107
        response = self.post("auth/token", {"username": username, "password": password})
        if response.status_code == 200:
            self.token = response.json()["access_token"]
        return response

    def _headers(self, url, headers):
        if url.startswith("_"):
            base = {"HTTP_AUTHORIZATION": f"Token {self.admin_token}"} if self.admin_token else {}
        else:
            base = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        base.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()})
        return base

    def post(self, url, data, headers=None):
        body = json.dumps(data, ensure_ascii=False).encode()
        return self.client.post(
            BASE + url, body, content_type="application/json", **self._headers(url, headers)
        )

    def get(self, url, headers=None):
        return self.client.get(BASE + url, **self._headers(url, headers))

    def stats(self):
        return self.get("_stats").json()


@pytest.fixture
def portal():
    return Portal(admin_token=administrator_token())


@pytest.fixture
def authed(portal):
    assert portal.login().status_code == 200
    return portal


# --- auth ---------------------------------------------------------------------------------------


def test_login_returns_a_token_that_expires(portal, settings):
    settings.MOCK_PORTAL_TOKEN_SECONDS = 120
    response = portal.login()
    body = response.json()
    assert response.status_code == 200
    assert body["error_code"] == "0"
    assert body["expires_in"] == 120
    token = Token.objects.get(key=body["access_token"])
    assert timedelta(seconds=110) < token.expires_at - timezone.now() <= timedelta(seconds=120)


def test_wrong_credentials_are_refused(portal, settings):
    assert portal.login(password="wrong").status_code == 401
    assert portal.login(password="wrong").json()["error_code"] == "401"
    settings.MOCK_PORTAL_USERNAME, settings.MOCK_PORTAL_PASSWORD = "u", "p"
    assert portal.login().status_code == 401
    assert portal.login("u", "p").status_code == 200


def test_calls_need_a_valid_unexpired_token(portal):
    response = portal.post("hoso/create", record())
    assert (response.status_code, response.json()["error_code"]) == (401, "401")
    portal.token = "not-a-token"
    assert portal.get("tthc").status_code == 401
    portal.login()
    assert portal.get("hoso/unknown").status_code == 404  # authenticated: reaches the view
    Token.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = portal.get("hoso/unknown")
    assert (response.status_code, response.json()["error_code"]) == (401, "401")
    assert not Record.objects.exists()


# --- create / update ----------------------------------------------------------------------------


def test_create_then_update_then_lookup(authed):
    response = authed.post("hoso/create", record())
    assert response.status_code == 200
    assert response.json() == {"error_code": "0", "message": "Thành công."}
    assert response["Content-Type"].startswith("application/json")

    assert authed.post("hoso/update", record(phien_ban=2, status=4)).json()["error_code"] == "0"
    body = authed.get("hoso/H43.12-250101-0001").json()
    assert body["error_code"] == "0"
    assert body["data"]["TrangThaiHoSo"] == 4
    assert body["data"]["ChuHoSo"] == "Nguyễn Văn A"
    assert [(h["PhienBan"], h["TrangThaiHoSo"], h["applied"]) for h in body["history"]] == [
        (1, 2, True),
        (2, 4, True),
    ]
    assert body["progress"] == []


def test_answers_are_utf8_json_without_escapes(authed):
    authed.post("hoso/create", record())
    raw = authed.get("hoso/H43.12-250101-0001").content
    assert "Nguyễn Văn A".encode() in raw


def test_create_of_an_existing_dossier_says_already_exists(authed):
    authed.post("hoso/create", record())
    response = authed.post("hoso/create", record(phien_ban=2, status=4))
    assert response.status_code == 200
    assert response.json() == {"error_code": "2", "message": "Hồ sơ đã tồn tại"}
    assert Record.objects.get().trang_thai == 2  # not applied
    assert RecordVersion.objects.count() == 1
    assert authed.stats()["create_conflicts"] == 1


def test_update_or_lookup_of_an_unknown_dossier_is_404(authed):
    response = authed.post("hoso/update", record(code="UNKNOWN"))
    assert (response.status_code, response.json()["error_code"]) == (404, "3")
    response = authed.get("hoso/UNKNOWN")
    assert (response.status_code, response.json()["error_code"]) == (404, "3")
    response = authed.post("hoso/tiendo", {"MaHoSo": "UNKNOWN", "TienDo": [step()]})
    assert (response.status_code, response.json()["error_code"]) == (404, "3")


def test_validation_lists_every_problem(authed):
    bad = record(
        NgayTiepNhan="20250230083000",  # 30 February
        NgayHenTra="2025-01-05",
        TrangThaiHoSo=11,
        KenhThucHien="1",
        LoaiDoiTuong=5,
        SoGiayToChuHoSo="12345",
        PhienBan=0,
        HoSoCoThanhPhanSoHoa=2,
        TaiLieuNop=[{"TenTepDinhKem": 3, "DuocSoHoa": True}, "x"],
        DanhSachLePhi={},
    )
    del bad["MaTTHC"]
    bad["ChuHoSo"] = "  "
    response = authed.post("hoso/create", bad)
    body = response.json()
    assert response.status_code == 400
    assert body["error_code"] == "1"
    assert set(body["errors"]) == {
        "NgayTiepNhan",
        "NgayHenTra",
        "TrangThaiHoSo",
        "KenhThucHien",
        "LoaiDoiTuong",
        "SoGiayToChuHoSo",
        "PhienBan",
        "HoSoCoThanhPhanSoHoa",
        "TaiLieuNop[0].TenTepDinhKem",
        "TaiLieuNop[0].DuocSoHoa",
        "TaiLieuNop[1]",
        "DanhSachLePhi",
        "MaTTHC",
        "ChuHoSo",
    }
    assert not Record.objects.exists()


def test_received_date_may_be_empty_only_for_status_1(authed):
    assert authed.post("hoso/create", record(status=1, NgayTiepNhan="")).status_code == 200
    response = authed.post("hoso/update", record(phien_ban=2, status=2, NgayTiepNhan=""))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"NgayTiepNhan"}
    assert authed.post("hoso/create", ["not", "an", "object"]).json()["error_code"] == "1"


@pytest.mark.parametrize("status", [3, 5, 7, 8])
def test_a_dossier_out_of_the_waiting_queue_needs_its_check_date(authed, status):
    """README "NgayTiepNhan": refused at receipt (3), asked to supplement (5), withdrawn (7) or
    stopped (8) before receipt, the record still needs a date: that of the check at receipt
    (or of the withdrawal) — which onecua sends; "" is kept for status 1 only."""
    assert authed.post("hoso/create", record(status=1, NgayTiepNhan="")).status_code == 200
    refused = authed.post("hoso/update", record(phien_ban=2, status=status, NgayTiepNhan=""))
    assert refused.status_code == 400
    assert "TrangThaiHoSo = 1" in refused.json()["errors"]["NgayTiepNhan"][0]
    dated = record(phien_ban=2, status=status, NgayTiepNhan="20250102091500", NgayHenTra="")
    assert authed.post("hoso/update", dated).status_code == 200


def test_optional_fields_may_be_absent_or_empty(authed):
    data = record(SoGiayToChuHoSo="", DinhDanhCHS=None, NgayHenTra="")
    for field in ("MaLinhVuc", "TaiLieuNop", "DanhSachLePhi", "HoSoCoThanhPhanSoHoa"):
        del data[field]
    assert authed.post("hoso/create", data).json()["error_code"] == "0"


# --- ordering -----------------------------------------------------------------------------------


def test_an_older_version_is_kept_in_history_but_not_applied(authed):
    authed.post("hoso/create", record())
    authed.post("hoso/update", record(phien_ban=3, status=10))
    response = authed.post("hoso/update", record(phien_ban=2, status=4))
    assert response.json()["error_code"] == "0"
    body = authed.get("hoso/H43.12-250101-0001").json()
    assert body["data"]["TrangThaiHoSo"] == 10
    assert [(h["PhienBan"], h["applied"], h["stale"]) for h in body["history"]] == [
        (1, True, False),
        (3, True, False),
        (2, False, True),
    ]
    assert authed.stats()["stale"] == 1


def test_out_of_order_versions_are_applied_when_the_fault_says_so(authed):
    authed.post("_faults", {"accept_out_of_order": True})
    authed.post("hoso/create", record())
    authed.post("hoso/update", record(phien_ban=3, status=10))
    authed.post("hoso/update", record(phien_ban=2, status=4))
    body = authed.get("hoso/H43.12-250101-0001").json()
    assert body["data"]["TrangThaiHoSo"] == 4
    assert body["history"][-1]["applied"] is True
    assert authed.stats()["stale"] == 1
    assert authed.stats()["out_of_order_applied"] == 1


# --- idempotency --------------------------------------------------------------------------------


def test_a_repeated_idempotency_key_replays_the_first_answer(authed):
    key = {"Idempotency-Key": "outbox-1"}
    first = authed.post("hoso/create", record(), headers=key)
    again = authed.post("hoso/create", record(), headers=key)
    assert first.json() == {"error_code": "0", "message": "Thành công."}
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert RecordVersion.objects.count() == 1

    # The same key on another endpoint is another call (a create answered "2" becomes an update).
    authed.post("hoso/update", record(phien_ban=2, status=4), headers=key)
    authed.post("hoso/update", record(phien_ban=2, status=4), headers=key)
    assert RecordVersion.objects.count() == 2
    stats = authed.stats()
    assert stats["duplicates"] == 2
    assert stats["duplicate_versions"] == 0


def test_a_refused_call_is_not_remembered_under_its_key(authed):
    key = {"Idempotency-Key": "outbox-2"}
    assert authed.post("hoso/update", record(), headers=key).status_code == 404
    authed.post("hoso/create", record())
    assert authed.post("hoso/update", record(phien_ban=2), headers=key).json()["error_code"] == "0"


# --- progress -----------------------------------------------------------------------------------


def test_progress_steps_are_stored_once(authed):
    authed.post("hoso/create", record())
    steps = [step(), step(ThoiDiemXuLy="20250102090000", NoiDungXuLy="Chuyển thẩm định")]
    response = authed.post("hoso/tiendo", {"MaHoSo": "H43.12-250101-0001", "TienDo": steps})
    assert response.json()["error_code"] == "0"
    response = authed.post(
        "hoso/tiendo",
        {"MaHoSo": "H43.12-250101-0001", "TienDo": [*steps, step(TrangThai=4), step(TrangThai=4)]},
    )
    assert (response.json()["accepted"], response.json()["duplicates"]) == (1, 3)
    body = authed.get("hoso/H43.12-250101-0001").json()
    assert [p["NoiDungXuLy"] for p in body["progress"]] == [
        "Tiếp nhận hồ sơ",
        "Chuyển thẩm định",
        "Tiếp nhận hồ sơ",
    ]
    assert authed.stats()["duplicate_steps"] == 3


def test_progress_validation_lists_every_problem(authed):
    authed.post("hoso/create", record())
    bad = [step(ThoiDiemXuLy="20251301000000", TrangThai=0), step(NguoiXuLy=None), 7]
    response = authed.post("hoso/tiendo", {"MaHoSo": "H43.12-250101-0001", "TienDo": bad})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "TienDo[0].ThoiDiemXuLy",
        "TienDo[0].TrangThai",
        "TienDo[1].NguoiXuLy",
        "TienDo[2]",
    }
    response = authed.post("hoso/tiendo", {"TienDo": []})
    assert set(response.json()["errors"]) == {"MaHoSo", "TienDo"}


# --- faults -------------------------------------------------------------------------------------


def test_error_rate_one_fails_every_call(authed):
    response = authed.post("_faults", {"error_rate": 1})
    assert response.json()["faults"]["error_rate"] == 1
    for _ in range(3):
        response = authed.post("hoso/create", record())
        assert (response.status_code, response.json()["error_code"]) == (500, "500")
    assert not Record.objects.exists()
    stats = authed.stats()
    assert stats["errors_injected"] == 3
    assert stats["requests"]["hoso/create"] == 3


def test_down_answers_503_except_the_admin_endpoints(authed):
    authed.post("_faults", {"down": True})
    for response in (authed.login(), authed.get("tthc"), authed.post("hoso/create", record())):
        assert (response.status_code, response.json()["error_code"]) == (503, "503")
    assert authed.get("_faults").json()["faults"]["down"] is True
    assert authed.stats()["errors_injected_by_kind"] == {"503": 3}
    authed.post("_faults", {"down": False})
    assert authed.post("hoso/create", record()).status_code == 200


def test_latency_and_timeouts_sleep(authed, monkeypatch):
    slept = []
    monkeypatch.setattr(views, "_sleep", slept.append)
    authed.post("_faults", {"latency_ms": 250})
    assert authed.get("tthc").status_code == 200
    assert slept == [0.25]
    authed.post("_faults", {"latency_ms": 0, "timeout_rate": 1, "timeout_sleep_ms": 5000})
    # A timed-out call is processed; only its answer comes late.
    assert authed.post("hoso/create", record()).status_code == 200
    assert slept == [0.25, 5.0]
    assert Record.objects.exists()
    assert authed.stats()["errors_injected_by_kind"] == {"timeout": 1}


def test_fault_settings_are_checked(authed):
    response = authed.post("_faults", {"error_rate": 2, "down": "yes", "nope": 1})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"error_rate", "down", "nope"}
    assert authed.get("_faults").json()["faults"] == {
        "error_rate": 0.0,
        "latency_ms": 0,
        "timeout_rate": 0.0,
        "timeout_sleep_ms": 30000,
        "down": False,
        "accept_out_of_order": False,
    }


def test_reset_clears_everything(authed):
    authed.post("hoso/create", record(), headers={"Idempotency-Key": "k"})
    authed.post("hoso/tiendo", {"MaHoSo": "H43.12-250101-0001", "TienDo": [step()]})
    authed.post("_faults", {"latency_ms": 5, "accept_out_of_order": True})
    assert authed.post("_reset", {}).json()["error_code"] == "0"
    stats = authed.stats()
    assert stats["records"] == stats["versions"] == stats["progress_steps"] == 0
    assert stats["requests"] == {}
    assert authed.get("_faults").json()["faults"]["latency_ms"] == 0
    assert authed.get("tthc").status_code == 401  # tokens are gone too
    authed.login()
    assert authed.post("hoso/create", record(), headers={"Idempotency-Key": "k"}).json() == {
        "error_code": "0",
        "message": "Thành công.",
    }
    assert authed.stats()["duplicates"] == 0


def test_admin_endpoints_can_be_disabled(portal, settings):
    settings.MOCK_PORTAL_ADMIN_ENABLED = False
    for response in (portal.get("_stats"), portal.get("_faults"), portal.post("_reset", {})):
        assert response.status_code == 404


def _control_calls(portal):
    return (
        portal.get("_stats"),
        portal.get("_faults"),
        portal.post("_faults", {"down": True}),
        portal.post("_reset", {}),
    )


def test_the_control_endpoints_need_an_administrators_api_token(authed):
    # No token, an unknown one, or the portal's own bearer token: 401, nothing changed.
    for token in (None, "not-a-token"):
        for response in _control_calls(Portal(admin_token=token)):
            assert (response.status_code, response.json()["error_code"]) == (401, "401")
            assert response["WWW-Authenticate"] == "Token"
    bearer = Client().post(BASE + "_reset", {}, HTTP_AUTHORIZATION=f"Bearer {authed.token}")
    assert bearer.status_code == 401
    # The API token of an official who is not an administrator: 403.
    leader = UserFactory(username="lanhdao-thu", role=Role.LEADER)
    for response in _control_calls(Portal(admin_token=api_token(leader))):
        assert (response.status_code, response.json()["error_code"]) == (403, "403")
    assert authed.post("hoso/create", record()).status_code == 200  # not down, not reset
    # An administrator's.
    assert authed.get("_stats").json()["records"] == 1
    assert authed.post("_faults", {"latency_ms": 1}).json()["faults"]["latency_ms"] == 1


def test_an_administrators_session_may_read_but_posts_need_the_csrf_token(authed):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory(username="quantri-phien", role=Role.ADMINISTRATOR))
    assert browser.get(BASE + "_stats").status_code == 200
    response = browser.post(BASE + "_reset", {}, content_type="application/json")
    assert (response.status_code, response.json()["error_code"]) == (403, "403")


def test_the_read_endpoint_needs_the_portal_token_not_an_api_token(authed):
    authed.post("hoso/create", record())
    url = BASE + "hoso/H43.12-250101-0001"
    assert Client().get(url).status_code == 401
    assert Client().get(url, HTTP_AUTHORIZATION=f"Token {authed.admin_token}").status_code == 401
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {authed.admin_token}").status_code == 401
    assert authed.get("hoso/H43.12-250101-0001").json()["data"]["MaHoSo"] == "H43.12-250101-0001"


# --- procedures ---------------------------------------------------------------------------------


def test_procedure_list_differs_from_the_catalogue_both_ways(authed):
    response = authed.get("tthc")
    body = response.json()
    assert body["error_code"] == "0"
    portal_codes = {row["MaTTHC"] for row in body["data"]}
    ours = dict(catalogue.catalogue_procedures(django_settings.ONECUA_CATALOGUE_FILE))
    missing = set(ours) - portal_codes
    extra = portal_codes - set(ours)
    assert 1 <= len(missing) <= max(1, len(ours) // 25)
    assert extra and all(code.startswith("9.9999") for code in extra)
    assert len(portal_codes & set(ours)) == len(ours) - len(missing)
    # Deterministic, and served from what was seeded the first time.
    assert authed.get("tthc").json()["data"] == body["data"]
    known = next(row for row in body["data"] if row["MaTTHC"] in ours)
    assert known["TenTTHC"] == ours[known["MaTTHC"]]


# --- the standalone process ---------------------------------------------------------------------


def _free_port():
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    except OSError as exc:
        pytest.skip(f"cannot bind a local port: {exc}")


def _call(base, method, url, data=None, token=None, headers=None):
    request = urllib.request.Request(  # noqa: S310 - a local http URL
        base + url,
        data=None if data is None else json.dumps(data).encode(),
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_run_mock_portal_serves_http_in_its_own_process(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", django_settings.SETTINGS_MODULE or "config.settings"
        ),
        # Its own database file: the test database is not visible to another process.
        "SQLITE_PATH": str(tmp_path / "mock.sqlite3"),
        "DATABASE_URL": "",
        "ONECUA_VAR_DIR": str(tmp_path),
    }
    manage = os.path.join(django_settings.BASE_DIR, "manage.py")
    # An administrator's API token in that database, for the control endpoints (after --migrate).
    make_token = (
        "import django; django.setup()\n"
        "from tests.factories import AdministratorFactory\n"
        "from tests.support.tokens import api_token\n"
        "print(api_token(AdministratorFactory(username='quantri')))\n"
    )
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, manage, "run_mock_portal", "--port", str(port), "--migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/mock-dvcqg/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace")
                if "already in use" in output or "Permission denied" in output:
                    pytest.skip(f"port {port} cannot be bound: {output[-300:]}")
                pytest.fail(f"run_mock_portal exited: {output[-2000:]}")
            try:
                status, body = _call(base, "GET", "_stats")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail("run_mock_portal did not answer within 60 s")
                time.sleep(0.2)
        assert (status, body["error_code"]) == (401, "401")  # the control endpoints need a token
        made = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", make_token],
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert made.returncode == 0, made.stderr
        admin = {"Authorization": f"Token {made.stdout.strip()}"}
        status, body = _call(base, "GET", "_stats", headers=admin)
        assert (status, body["error_code"]) == (200, "0")

        status, body = _call(base, "POST", "auth/token", {"username": "onecua", "password": "x"})
        assert (status, body["error_code"]) == (401, "401")
        status, body = _call(
            base, "POST", "auth/token", {"username": "onecua", "password": "onecua-mock"}
        )
        token = body["access_token"]
        assert _call(base, "POST", "hoso/create", record())[0] == 401
        assert _call(base, "POST", "hoso/create", record(), token) == (
            200,
            {"error_code": "0", "message": "Thành công."},
        )
        assert _call(base, "POST", "hoso/create", record(), token)[1]["error_code"] == "2"
        status, body = _call(base, "GET", "hoso/H43.12-250101-0001", token=token)
        assert body["data"]["ChuHoSo"] == "Nguyễn Văn A"
        assert _call(base, "POST", "_faults", {"down": True})[0] == 401
        assert _call(base, "GET", "tthc", token=token)[0] == 200
        assert _call(base, "POST", "_faults", {"down": True}, headers=admin)[0] == 200
        assert _call(base, "GET", "tthc", token=token)[0] == 503
        # Only the mock is served in that process.
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=10)
        assert excinfo.value.code == 404
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
    assert not Record.objects.exists()  # nothing leaked into the test database
