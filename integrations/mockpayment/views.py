"""The mock payment platform's HTTP endpoints (plain Django views).

The protocol is docs/payment-platform.md: JSON in and out, every answer `{"code", "message",
...}` with `"00"` for success, HTTP 200 for every coded answer (the code says what happened);
405 for a wrong method, 503 while the fault `down` is on. The hosted page is HTML. The
test-control endpoints (`_faults`, `_reset`, `_stats`, `_deliver`, `_notifications`) take an
onecua administrator's API token. README.md next to this file describes all of it.
"""

from __future__ import annotations

import json
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf_exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from accounts.roles import Role
from core import parsers

from . import notify, signing
from .models import Counter, DeliveryAttempt, FaultConfig, Notification, Status, Transaction
from .platform import (
    BANK_CODES,
    BANKS,
    OK,
    OTHER,
    UNKNOWN,
    Refused,
    bump,
    check_signed,
    day_bounds,
    expire_if_due,
    finish,
    initiate,
    return_url,
    status_view,
)

STYLE = Path(__file__).with_name("page.css")


def answer(code: str, message: str = "", http_status: int = 200, **extra) -> HttpResponse:
    body = {"code": code, "message": message or "Thành công.", **extra}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=http_status,
        content_type="application/json; charset=utf-8",
    )


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


def platform_endpoint(name: str, methods: tuple[str, ...]):
    """Method check, request counting and the fault `down`, around a JSON view; Refused and a
    bad body become coded answers (never a 500)."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = answer(OTHER, f"Phương thức {request.method} không được hỗ trợ.", 405)
                response["Allow"] = ", ".join(methods)
                return response
            bump(f"requests:{name}")
            if FaultConfig.current().down:
                bump("errors_injected:503")
                return answer(OTHER, "Nền tảng thanh toán đang bảo trì (giả lập).", 503)
            try:
                return view(request, *args, **kwargs)
            except BadBody as exc:
                bump(f"refused:{name}:{OTHER}")
                return answer(OTHER, str(exc))
            except Refused as refusal:
                bump(f"refused:{name}:{refusal.code}")
                return answer(refusal.code, refusal.message)

        return wrapper

    return decorate


def _mock_base(request, txn: Transaction) -> str:
    """The mock's base URL as a browser reaches it: MOCK_PAYMENT_PUBLIC_URL; else, for an init
    called in-process (the host is one of MOCK_PAYMENT_INPROCESS_HOSTS: onecua calling the mock
    mounted in itself), the origin of the return URL — onecua's, as the payer's browser knows
    it, which serves the mock too; else this request's scheme and host."""
    if settings.MOCK_PAYMENT_PUBLIC_URL:
        return settings.MOCK_PAYMENT_PUBLIC_URL.rstrip("/")
    prefix = reverse("mockpayment:init").removesuffix("/api/v1/payments/init")
    if request.get_host().partition(":")[0] in settings.MOCK_PAYMENT_INPROCESS_HOSTS:
        parts = urlsplit(txn.return_url)
        return f"{parts.scheme}://{parts.netloc}{prefix}"
    return request.build_absolute_uri(prefix)


# --- the partner's API --------------------------------------------------------------------------


@platform_endpoint("payments/init", ("POST",))
def init(request):
    data = json_body(request)
    initiated = initiate(data)
    txn = initiated.transaction
    return answer(
        OK,
        platform_txn_id=txn.platform_txn_id,
        transaction_ref=txn.transaction_ref,
        payment_url=f"{_mock_base(request, txn)}/pay/{txn.page_token}/",
    )


def _known(data: dict) -> Transaction:
    ref = data.get("transaction_ref")
    txn = (
        Transaction.objects.filter(partner_code=data["partner_code"], transaction_ref=ref).first()
        if isinstance(ref, str)
        else None
    )
    if txn is None:
        raise Refused(UNKNOWN)
    return expire_if_due(txn)


@platform_endpoint("payments/query", ("POST",))
def query(request):
    data = json_body(request)
    check_signed(data, signing.QUERY_FIELDS)
    txn = _known(data)
    view = status_view(txn, wrong=FaultConfig.current().wrong_checksum)
    return answer(OK, **view)


@platform_endpoint("reports/daily", ("POST",))
def daily_report(request):
    data = json_body(request)
    check_signed(data, signing.REPORT_FIELDS)
    try:
        start, end = day_bounds(data.get("date"))
    except ValueError as exc:
        raise Refused(OTHER, "date: phải có dạng yyyyMMdd (ngày theo giờ Việt Nam).") from exc
    wrong = FaultConfig.current().wrong_checksum
    rows = Transaction.objects.filter(
        partner_code=data["partner_code"], created_at__gte=start, created_at__lt=end
    ).order_by("created_at", "id")
    transactions = [status_view(expire_if_due(txn), wrong=wrong) for txn in rows]
    return answer(
        OK,
        partner_code=data["partner_code"],
        date=data["date"],
        count=len(transactions),
        transactions=transactions,
    )


# --- the hosted page ----------------------------------------------------------------------------

STATUS_TEXT = {
    Status.PAID: "Thanh toán thành công.",
    Status.FAILED: "Ngân hàng từ chối giao dịch. Thanh toán không thành công.",
    Status.CANCELLED: "Bạn đã huỷ thanh toán.",
    Status.EXPIRED: "Giao dịch đã hết hạn thanh toán.",
}


def _page(request, txn: Transaction, status: int = 200, error: str = "") -> HttpResponse:
    faults = FaultConfig.current()
    back = return_url(txn, wrong=faults.wrong_checksum) if txn.status != Status.PENDING else ""
    response = render(
        request,
        "mockpayment/page.html",
        {
            "txn": txn,
            "banks": [b for b in BANKS if b[2] == "bank"],
            "wallets": [b for b in BANKS if b[2] == "wallet"],
            "status_text": STATUS_TEXT.get(txn.status, ""),
            "expires_local": signing.format_time(txn.expires_at),
            "expires_display": txn.expires_at.astimezone(signing.LOCAL),
            "return_link": back,
            "error": error,
            "chosen": request.POST.get("bank_code", ""),
        },
        status=status,
    )
    _allow_form_target(response, txn)
    return response


def _allow_form_target(response, txn: Transaction) -> None:
    """The page's form ends in a redirect to the partner's return_url: where the project's
    Content-Security-Policy applies (the mock mounted in onecua), `form-action` must allow it."""
    parts = urlsplit(txn.return_url)
    response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}


@csrf_exempt  # the unguessable page token in the URL is what a forged form cannot know
def page(request, token: str):
    if request.method not in ("GET", "POST"):
        response = HttpResponse("Phương thức không được hỗ trợ.", status=405)
        response["Allow"] = "GET, POST"
        return response
    bump("requests:pay")
    if FaultConfig.current().down:
        bump("errors_injected:503")
        return render(request, "mockpayment/down.html", status=503)
    txn = Transaction.objects.filter(page_token=token).first()
    if txn is None:
        return render(request, "mockpayment/unknown.html", status=404)
    txn = expire_if_due(txn)
    if request.method == "GET" or txn.status != Status.PENDING:
        if request.method == "POST":  # a second submission: the outcome stands
            return HttpResponseRedirect(return_url(txn, FaultConfig.current().wrong_checksum))
        return _page(request, txn)
    action = request.POST.get("action")
    if action == "cancel":
        txn = finish(txn, Status.CANCELLED)
    elif action == "confirm":
        bank = request.POST.get("bank_code", "")
        if bank not in BANK_CODES:
            return _page(request, txn, 400, "Xin chọn một ngân hàng hoặc ví điện tử.")
        txn = finish(txn, Status.PAID, bank_code=bank)
    else:
        return _page(request, txn, 400, "Yêu cầu không hợp lệ.")
    response = HttpResponseRedirect(return_url(txn, FaultConfig.current().wrong_checksum))
    _allow_form_target(response, txn)
    return response


def page_style(request):
    response = HttpResponse(STYLE.read_bytes(), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "max-age=3600"
    return response


# --- admin (test control) -----------------------------------------------------------------------


def _api_user(request):
    """The user the project's API authentication finds on the request (settings REST_FRAMEWORK
    DEFAULT_AUTHENTICATION_CLASSES), or None and the refusal."""
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
    """404 unless MOCK_PAYMENT_ADMIN_ENABLED; then only for an onecua administrator, by the
    API's own authentication (`Authorization: Token …`). Never subject to `down`."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request):
            if not settings.MOCK_PAYMENT_ADMIN_ENABLED:
                return answer("404", "Không tìm thấy.", 404)
            user, refusal = _api_user(request)
            if user is None:
                status = 403 if refusal.status_code == 403 else 401
                response = answer(
                    str(status), "Cần token API của một quản trị hệ thống onecua.", status
                )
                if status == 401:
                    response["WWW-Authenticate"] = "Token"
                return response
            if user.role != Role.ADMINISTRATOR:
                return answer("403", "Chỉ quản trị hệ thống được điều khiển nền tảng giả lập.", 403)
            if request.method not in methods:
                return answer(OTHER, f"Phương thức {request.method} không được hỗ trợ.", 405)
            try:
                return view(request)
            except BadBody as exc:
                return answer(OTHER, str(exc), 400, errors={"body": [str(exc)]})

        return wrapper

    return decorate


def _check_fault_value(name: str, value):
    if name == "ipn_delay_seconds":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 7 * 86400
        return ok, "Phải là số nguyên từ 0 đến 604800."
    if name == "amount_delta":
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 10**9
        return ok, "Phải là số nguyên (VND), trị tuyệt đối không quá 10^9."
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
            return answer(OTHER, "Dữ liệu không hợp lệ.", 400, errors=errors)
        for name, value in data.items():
            setattr(config, name, value)
        config.save()
    return answer(OK, faults=config.as_dict())


@admin_endpoint(("POST",))
def reset(request):
    with transaction.atomic():
        for model in (DeliveryAttempt, Notification, Transaction, Counter, FaultConfig):
            model.objects.all().delete()
        FaultConfig.objects.create(pk=1)
    return answer(OK, "Đã đặt lại.")


@admin_endpoint(("POST",))
def deliver(request):
    """Run one round of the delivery driver now (`{"force": true}`: every pending notification,
    due or not)."""
    data = json_body(request) if request.body else {}
    force = data.get("force", False)
    if not isinstance(force, bool):
        return answer(OTHER, "force: phải là true hoặc false.", 400)
    if FaultConfig.current().down:
        return answer(OTHER, "Nền tảng thanh toán đang bảo trì (giả lập): không gửi gì.", 503)
    return answer(OK, **notify.run_once(force=force))


@admin_endpoint(("GET",))
def notifications(request):
    """The notifications owed, with their attempts (`?transaction_ref=` narrows them)."""
    rows = Notification.objects.select_related("transaction").prefetch_related("delivery_attempts")
    ref = request.GET.get("transaction_ref")
    if ref:
        rows = rows.filter(transaction__transaction_ref=ref)
    return answer(
        OK,
        notifications=[
            {
                "id": n.pk,
                "transaction_ref": n.transaction.transaction_ref,
                "reason": n.reason,
                "state": n.state,
                "status": n.body.get("status"),
                "url": n.url,
                "body": n.body,
                "attempts": [
                    {
                        "at": a.at.isoformat(),
                        "http_status": a.http_status,
                        "code": a.code,
                        "error": a.error,
                        "acknowledged": a.acknowledged,
                    }
                    for a in n.delivery_attempts.all()
                ],
                "next_attempt_at": n.next_attempt_at.isoformat() if n.next_attempt_at else None,
            }
            for n in rows.order_by("id")[:1000]
        ],
    )


@admin_endpoint(("GET",))
def stats(request):
    counters = dict(Counter.objects.values_list("name", "value"))

    def group(prefix):
        return {
            name.removeprefix(prefix): value
            for name, value in sorted(counters.items())
            if name.startswith(prefix)
        }

    requests = group("requests:")
    injected = group("errors_injected:")
    states = dict.fromkeys(Notification.State.values, 0)
    for state in Notification.objects.values_list("state", flat=True):
        states[state] += 1
    statuses = dict.fromkeys(Status.values, 0)
    for status in Transaction.objects.values_list("status", flat=True):
        statuses[status] += 1
    return answer(
        OK,
        requests=requests,
        requests_total=sum(requests.values()),
        refused=group("refused:"),
        init_repeated=counters.get("init_repeated", 0),
        transactions=statuses,
        notifications=states,
        notification_attempts=counters.get("notification_attempts", 0),
        notifications_duplicate=counters.get("notifications_duplicate", 0),
        notifications_reordered=counters.get("notifications_reordered", 0),
        wrong_checksums=counters.get("wrong_checksums", 0),
        amount_differs=counters.get("amount_differs", 0),
        errors_injected=sum(injected.values()),
        errors_injected_by_kind=injected,
        now=signing.format_time(timezone.now()),
    )
