"""The mock portal's HTTP endpoints (plain Django views, JSON in and out).

Every answer is {"error_code": "<code>", "message": "<text>", ...}, "0" meaning success. The
contract is described in README.md next to this file. The portal's own calls take its bearer
token (auth/token); the test-control endpoints (_faults, _reset, _stats) an onecua
administrator's API token.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf_exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from accounts.roles import Role
from core import parsers

from . import catalogue
from .models import (
    Counter,
    FaultConfig,
    IdempotencyKey,
    PortalProcedure,
    ProgressStep,
    Record,
    RecordVersion,
    Token,
)
from .validation import validate_progress, validate_record

OK = "0"
INVALID = "1"
ALREADY_EXISTS = "2"
NOT_FOUND = "3"


def _sleep(seconds: float) -> None:
    """All the mock's waiting goes through here (tests replace it)."""
    time.sleep(seconds)


def dump(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def respond(status: int, body: str) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def answer(status: int, error_code: str, message: str, **extra) -> HttpResponse:
    return respond(status, dump({"error_code": error_code, "message": message, **extra}))


def replay(seen: IdempotencyKey) -> HttpResponse:
    """The first answer given under an Idempotency-Key, byte for byte."""
    response = respond(seen.status, seen.body)
    response["Idempotent-Replayed"] = "true"
    return response


def bump(name: str, by: int = 1) -> None:
    if Counter.objects.filter(name=name).update(value=F("value") + by):
        return
    try:
        with transaction.atomic():
            Counter.objects.create(name=name, value=by)
    except IntegrityError:
        Counter.objects.filter(name=name).update(value=F("value") + by)


class BadBody(Exception):
    pass


def json_body(request) -> dict:
    try:
        # Nesting bounded as in the API (a thousand `[` would exhaust the decoder's recursion).
        data = parsers.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadBody(f"Nội dung không phải JSON UTF-8 hợp lệ: {exc}") from exc
    if not isinstance(data, dict):
        raise BadBody("Nội dung phải là một đối tượng JSON.")
    return data


def invalid(errors: dict, message: str = "Dữ liệu không hợp lệ.") -> tuple[int, dict]:
    return 400, {"error_code": INVALID, "message": message, "errors": errors}


def _bearer_valid(request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return False
    return Token.objects.filter(key=key.strip(), expires_at__gt=timezone.now()).exists()


def portal_endpoint(name: str, methods: tuple[str, ...], *, auth: bool = True):
    """Method check, request counting, fault injection and the bearer token, around a view
    that returns (status, payload)."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return answer(405, "405", f"Phương thức {request.method} không được hỗ trợ.")
            bump(f"requests:{name}")
            faults = FaultConfig.current()
            rng = random.Random()
            if faults.down:
                bump("errors_injected:503")
                return answer(503, "503", "Cổng đang bảo trì (giả lập).")
            if faults.latency_ms:
                _sleep(faults.latency_ms / 1000)
            if faults.error_rate and rng.random() < faults.error_rate:
                bump("errors_injected:500")
                return answer(500, "500", "Lỗi máy chủ (giả lập).")
            time_out = bool(faults.timeout_rate) and rng.random() < faults.timeout_rate
            if auth and not _bearer_valid(request):
                response = answer(401, "401", "Thiếu token hoặc token không hợp lệ/hết hạn.")
            else:
                try:
                    status, payload = view(request, *args, **kwargs)
                except BadBody as exc:
                    status, payload = invalid({"body": [str(exc)]}, str(exc))
                if isinstance(payload, HttpResponse):  # an idempotent replay
                    response = payload
                else:
                    response = answer(status, **payload)
            if time_out:
                # The call was processed; only the answer is late (as when a real timeout hits
                # after the portal has done the work).
                bump("errors_injected:timeout")
                _sleep(faults.timeout_sleep_ms / 1000)
            return response

        return wrapper

    return decorate


class _KeyTaken(Exception):
    pass


def idempotent(request, endpoint: str, handler):
    """Run handler() once per (endpoint, Idempotency-Key): a repeat gets the first answer.

    Only answers with HTTP 200 are remembered: a refused call (400, 404) changed nothing, so
    repeating it with the same key is evaluated afresh. The key and the change commit together.
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return handler()
    if len(key) > 255:
        return invalid({"Idempotency-Key": ["Tối đa 255 ký tự."]})
    seen = IdempotencyKey.objects.filter(endpoint=endpoint, key=key).first()
    if seen is None:
        try:
            with transaction.atomic():
                status, payload = handler()
                if status == 200:
                    try:
                        with transaction.atomic():
                            IdempotencyKey.objects.create(
                                endpoint=endpoint, key=key, status=status, body=dump(payload)
                            )
                    except IntegrityError as exc:
                        raise _KeyTaken from exc  # a concurrent twin won: undo our change
            return status, payload
        except _KeyTaken:
            seen = IdempotencyKey.objects.get(endpoint=endpoint, key=key)
    bump("duplicates")
    return seen.status, replay(seen)


# --- auth ---------------------------------------------------------------------------------------


@portal_endpoint("auth/token", ("POST",), auth=False)
def auth_token(request):
    data = json_body(request)
    username = settings.MOCK_PORTAL_USERNAME
    password = settings.MOCK_PORTAL_PASSWORD
    given_user, given_password = data.get("username"), data.get("password")
    if not (
        isinstance(given_user, str)
        and isinstance(given_password, str)
        and secrets.compare_digest(given_user.encode(), username.encode())
        and secrets.compare_digest(given_password.encode(), password.encode())
    ):
        return 401, {"error_code": "401", "message": "Sai tên đăng nhập hoặc mật khẩu."}
    seconds = int(settings.MOCK_PORTAL_TOKEN_SECONDS)
    now = timezone.now()
    Token.objects.filter(expires_at__lte=now).delete()
    token = Token.objects.create(
        key=secrets.token_urlsafe(32), expires_at=now + timedelta(seconds=seconds)
    )
    return 200, {
        "error_code": OK,
        "message": "Thành công.",
        "access_token": token.key,
        "token_type": "Bearer",
        "expires_in": seconds,
    }


# --- dossiers -----------------------------------------------------------------------------------


def _new_version(
    record: Record, data: dict, kind: str, accept_out_of_order: bool
) -> tuple[RecordVersion, list[str]]:
    """A received version's history entry (not saved yet) and the counters it bumps.

    The version is applied to ``record`` in memory (not saved either) unless it is older than the
    current one and out-of-order versions are not accepted; ``version.applied`` says which.
    """
    phien_ban = data["PhienBan"]
    stale = phien_ban < record.phien_ban
    apply = not stale or accept_out_of_order
    counters = []
    if stale:
        counters.append("stale")
        if apply:
            counters.append("out_of_order_applied")
    elif phien_ban == record.phien_ban:
        counters.append("duplicate_versions")
    version = RecordVersion(
        record=record,
        kind=kind,
        phien_ban=phien_ban,
        trang_thai=data["TrangThaiHoSo"],
        data=data,
        applied=apply,
        stale=stale,
    )
    if apply:
        record.phien_ban, record.trang_thai, record.data = phien_ban, data["TrangThaiHoSo"], data
        record.updated_at = timezone.now()
    return version, counters


def _receive_version(record: Record, data: dict, kind: str) -> None:
    """Store a version in the history and apply it unless it is older than the current one."""
    version, counters = _new_version(record, data, kind, FaultConfig.current().accept_out_of_order)
    for name in counters:
        bump(name)
    version.save(force_insert=True)
    if version.applied:
        record.save(update_fields=["phien_ban", "trang_thai", "data", "updated_at"])


def _write(request, kind: str):
    data = json_body(request)
    errors = validate_record(data)
    if errors:
        return invalid(errors)

    def handler():
        with transaction.atomic():
            if kind == "create":
                try:
                    with transaction.atomic():
                        record = Record.objects.create(
                            ma_ho_so=data["MaHoSo"],
                            phien_ban=data["PhienBan"],
                            trang_thai=data["TrangThaiHoSo"],
                            data=data,
                        )
                except IntegrityError:
                    bump("create_conflicts")
                    return 200, {"error_code": ALREADY_EXISTS, "message": "Hồ sơ đã tồn tại"}
                RecordVersion.objects.create(
                    record=record,
                    kind=kind,
                    phien_ban=record.phien_ban,
                    trang_thai=record.trang_thai,
                    data=data,
                    applied=True,
                )
            else:
                record = Record.objects.select_for_update().filter(ma_ho_so=data["MaHoSo"]).first()
                if record is None:
                    return 404, {"error_code": NOT_FOUND, "message": "Không tìm thấy hồ sơ."}
                _receive_version(record, data, kind)
        return 200, {"error_code": OK, "message": "Thành công."}

    return idempotent(request, f"hoso/{kind}", handler)


@portal_endpoint("hoso/create", ("POST",))
def hoso_create(request):
    return _write(request, "create")


@portal_endpoint("hoso/update", ("POST",))
def hoso_update(request):
    return _write(request, "update")


def _fingerprint(item: dict) -> str:
    canonical = json.dumps(item, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@portal_endpoint("hoso/tiendo", ("POST",))
def hoso_tiendo(request):
    data = json_body(request)
    errors = validate_progress(data)
    if errors:
        return invalid(errors)

    def handler():
        with transaction.atomic():
            record = Record.objects.select_for_update().filter(ma_ho_so=data["MaHoSo"]).first()
            if record is None:
                return 404, {"error_code": NOT_FOUND, "message": "Không tìm thấy hồ sơ."}
            items = {_fingerprint(item): item for item in data["TienDo"]}
            known = set(
                ProgressStep.objects.filter(record=record, fingerprint__in=list(items)).values_list(
                    "fingerprint", flat=True
                )
            )
            new = [
                ProgressStep(record=record, fingerprint=fp, data=item)
                for fp, item in items.items()
                if fp not in known
            ]
            ProgressStep.objects.bulk_create(new)
            duplicates = len(data["TienDo"]) - len(new)
            if duplicates:
                bump("duplicate_steps", duplicates)
        return 200, {
            "error_code": OK,
            "message": "Thành công.",
            "accepted": len(new),
            "duplicates": duplicates,
        }

    return idempotent(request, "hoso/tiendo", handler)


# Items of one batch call (hoso/dongbo): more is refused as a whole.
BATCH_MAX_ITEMS = 1000


@portal_endpoint("hoso/dongbo", ("POST",))
def hoso_dongbo(request):
    """Several dossiers in one call, each the whole record with its new progress steps:
    `{"HoSo": [{<record>, "TienDo": [step, ...]}, ...]}`. Each item is validated and answered
    on its own (`"results"`, in order: `error_code` "0", or "1" with its `errors`); the valid
    ones are applied, in order, as `hoso/create` / `hoso/update` and `hoso/tiendo` would apply
    them (create when unknown, a stale version kept unapplied, identical steps once). A version
    equal to the current one with the same content is a replay: nothing is stored again. The
    write path is a fixed number of statements per call, whatever the number of items."""
    data = json_body(request)
    items = data.get("HoSo")
    if not isinstance(items, list) or not items:
        return invalid({"HoSo": ["Phải là danh sách không rỗng."]})
    if len(items) > BATCH_MAX_ITEMS:
        return invalid({"HoSo": [f"Tối đa {BATCH_MAX_ITEMS} hồ sơ mỗi lần gọi."]})
    results: list[dict] = []
    valid: list[tuple[dict, list]] = []
    for item in items:
        if not isinstance(item, dict):
            results.append({"error_code": INVALID, "errors": {"HoSo": ["Phải là đối tượng."]}})
            continue
        record = {k: v for k, v in item.items() if k != "TienDo"}
        steps = item.get("TienDo") or []
        errors = validate_record(record)
        if steps:
            errors.update(validate_progress({"MaHoSo": record.get("MaHoSo"), "TienDo": steps}))
        code = record.get("MaHoSo")
        if errors:
            results.append({"MaHoSo": code, "error_code": INVALID, "errors": errors})
            continue
        results.append({"MaHoSo": code, "error_code": OK})
        valid.append((record, steps))

    def handler():
        _apply_batch(valid)
        return 200, {"error_code": OK, "message": "Thành công.", "results": results}

    return idempotent(request, "hoso/dongbo", handler)


def _apply_batch(items: list[tuple[dict, list]]) -> None:
    """Apply valid items in one transaction, with bulk statements."""
    if not items:
        return
    codes = sorted({record["MaHoSo"] for record, _ in items})
    with transaction.atomic():
        firsts: dict[str, dict] = {}
        for record, _ in items:
            firsts.setdefault(record["MaHoSo"], record)
        Record.objects.bulk_create(
            [
                Record(
                    ma_ho_so=code,
                    phien_ban=0,  # below every version: the first item applies as a create
                    trang_thai=firsts[code]["TrangThaiHoSo"],
                    data=firsts[code],
                )
                for code in codes
            ],
            ignore_conflicts=True,
        )
        records = {
            r.ma_ho_so: r
            for r in Record.objects.select_for_update().filter(ma_ho_so__in=codes).order_by("id")
        }
        versions, changed, counts = [], {}, {"stale": 0, "out_of_order_applied": 0}
        counts["duplicate_versions"] = counts["replays"] = 0
        accept_out_of_order = FaultConfig.current().accept_out_of_order
        for data, _ in items:
            record = records[data["MaHoSo"]]
            phien_ban = data["PhienBan"]
            if phien_ban == record.phien_ban and data == record.data:
                counts["replays"] += 1  # the same version again (a retried call): nothing new
                continue
            kind = "create" if record.phien_ban == 0 else "update"
            version, counters = _new_version(record, data, kind, accept_out_of_order)
            versions.append(version)
            for name in counters:
                counts[name] += 1
            if version.applied:
                changed[record.pk] = record
        RecordVersion.objects.bulk_create(versions)
        if changed:
            Record.objects.bulk_update(
                list(changed.values()), ["phien_ban", "trang_thai", "data", "updated_at"]
            )
        wanted = {}
        for data, steps in items:
            record = records[data["MaHoSo"]]
            for step in steps:
                wanted.setdefault((record.pk, _fingerprint(step)), step)
        new_steps = []
        if wanted:
            known = set(
                ProgressStep.objects.filter(
                    record_id__in={pk for pk, _ in wanted},
                    fingerprint__in={fp for _, fp in wanted},
                ).values_list("record_id", "fingerprint")
            )
            new_steps = [
                ProgressStep(record_id=pk, fingerprint=fp, data=step)
                for (pk, fp), step in wanted.items()
                if (pk, fp) not in known
            ]
            ProgressStep.objects.bulk_create(new_steps)
        counts["duplicate_steps"] = sum(len(steps) for _, steps in items) - len(new_steps)
        counts["duplicates"] = counts.pop("replays")
        for name, value in counts.items():
            if value:
                bump(name, value)


@portal_endpoint("hoso/get", ("GET",))
def hoso_detail(request, ma_ho_so: str):
    record = Record.objects.filter(ma_ho_so=ma_ho_so).first()
    if record is None:
        return 404, {"error_code": NOT_FOUND, "message": "Không tìm thấy hồ sơ."}
    history = [
        {
            "PhienBan": version.phien_ban,
            "TrangThaiHoSo": version.trang_thai,
            "kind": version.kind,
            "received_at": version.received_at.isoformat(),
            "applied": version.applied,
            "stale": version.stale,
        }
        for version in record.versions.order_by("id")
    ]
    progress = [step.data for step in record.steps.order_by("id")]
    return 200, {
        "error_code": OK,
        "message": "Thành công.",
        "data": record.data,
        "history": history,
        "progress": progress,
    }


@portal_endpoint("tthc", ("GET",))
def tthc_list(request):
    catalogue.ensure_seeded()
    rows = PortalProcedure.objects.order_by("ma_tthc").values_list("ma_tthc", "ten_tthc")
    return 200, {
        "error_code": OK,
        "message": "Thành công.",
        "data": [{"MaTTHC": code, "TenTTHC": name} for code, name in rows],
    }


# --- admin (test control) -----------------------------------------------------------------------


def _api_user(request):
    """(user, None) for the user the project's API authentication finds on the request — the
    classes of settings REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"], whatever token they
    take — or (None, the refusal): anonymous, or a bad or expired credential."""
    drf_request = Request(
        request, authenticators=[auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        user = drf_request.user
    except drf_exceptions.APIException as exc:  # a bad token; a session without its CSRF token
        return None, exc
    if user is None or not user.is_authenticated:
        return None, drf_exceptions.NotAuthenticated()
    return user, None


def admin_endpoint(methods: tuple[str, ...]):
    """The test-control endpoints: 404 unless MOCK_PORTAL_ADMIN_ENABLED; then only for an
    administrator of onecua, by the API's own authentication (`Authorization: Token …`), never
    for the portal's bearer tokens."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request):
            if not settings.MOCK_PORTAL_ADMIN_ENABLED:
                return answer(404, "404", "Không tìm thấy.")
            user, refusal = _api_user(request)
            if user is None:
                status = 403 if refusal.status_code == 403 else 401
                response = answer(
                    status, str(status), "Cần token API của một quản trị hệ thống onecua."
                )
                if status == 401:
                    response["WWW-Authenticate"] = "Token"
                return response
            if user.role != Role.ADMINISTRATOR:
                return answer(403, "403", "Chỉ quản trị hệ thống được điều khiển cổng giả lập.")
            if request.method not in methods:
                return answer(405, "405", f"Phương thức {request.method} không được hỗ trợ.")
            try:
                return view(request)
            except BadBody as exc:
                return answer(400, INVALID, str(exc), errors={"body": [str(exc)]})

        return wrapper

    return decorate


def _check_fault_value(name: str, value):
    if name in ("error_rate", "timeout_rate"):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
        return ok, "Phải là số từ 0 đến 1."
    if name in ("latency_ms", "timeout_sleep_ms"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return ok, "Phải là số nguyên ≥ 0."
    return isinstance(value, bool), "Phải là true hoặc false."


@admin_endpoint(("GET", "POST"))
def faults(request):
    config = FaultConfig.current()
    if request.method == "POST":
        data = json_body(request)
        errors: dict[str, list[str]] = {}
        for name, value in data.items():
            if name not in FaultConfig.FIELDS:
                errors.setdefault(name, []).append("Tham số lỗi không tồn tại.")
                continue
            ok, message = _check_fault_value(name, value)
            if not ok:
                errors.setdefault(name, []).append(message)
        if errors:
            return answer(400, INVALID, "Dữ liệu không hợp lệ.", errors=errors)
        for name, value in data.items():
            setattr(config, name, value)
        config.save()
    return answer(200, OK, "Thành công.", faults=config.as_dict())


@admin_endpoint(("POST",))
def reset(request):
    with transaction.atomic():
        for model in (
            ProgressStep,
            RecordVersion,
            Record,
            Token,
            IdempotencyKey,
            Counter,
            PortalProcedure,
            FaultConfig,
        ):
            model.objects.all().delete()
        FaultConfig.objects.create(pk=1)
    return answer(200, OK, "Đã đặt lại.")


@admin_endpoint(("GET",))
def stats(request):
    counters = dict(Counter.objects.values_list("name", "value"))
    requests = {
        name.removeprefix("requests:"): value
        for name, value in sorted(counters.items())
        if name.startswith("requests:")
    }
    injected = {
        name.removeprefix("errors_injected:"): value
        for name, value in sorted(counters.items())
        if name.startswith("errors_injected:")
    }
    return answer(
        200,
        OK,
        "Thành công.",
        requests=requests,
        requests_total=sum(requests.values()),
        duplicates=counters.get("duplicates", 0),
        stale=counters.get("stale", 0),
        out_of_order_applied=counters.get("out_of_order_applied", 0),
        duplicate_versions=counters.get("duplicate_versions", 0),
        duplicate_steps=counters.get("duplicate_steps", 0),
        create_conflicts=counters.get("create_conflicts", 0),
        errors_injected=sum(injected.values()),
        errors_injected_by_kind=injected,
        records=Record.objects.count(),
        versions=RecordVersion.objects.count(),
        progress_steps=ProgressStep.objects.count(),
    )
