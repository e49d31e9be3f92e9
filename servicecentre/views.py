"""The service centre's pages (docs/service-centre.md), server-rendered in Vietnamese, thin: the
rules are in services.py.

- The kiosk `/trung-tam/<id>/may-lay-so/` (máy lấy số) issues tickets and checks appointments
  in. Public, but only on the centres' networks (settings ONECUA_CENTRE_NETWORKS, as the login
  throttle knows them: accounts/network.py), or in a browser where an official of the centre
  is logged in (a kiosk a colleague started). Elsewhere: 403. (`dev.sh run` declares
  127.0.0.1 a centre's network for the demo.)
- The display board `/trung-tam/<id>/bang-goi-so/` and its fragment (polled every 2 s by htmx,
  served from the cache: board.py): public, it shows ticket numbers and counters only.
- The ticket's own page `/so-thu-tu/<token>/` and its 80 mm printout `…/in/` (PDF): public by
  the signed token (the QR code of the printed ticket).
- The counter panel `/quay-phuc-vu/`: officials of the centre, logged in (the dashboard's
  login page, with the second factor where it applies).
- My appointments `/lich-hen/`: a logged-in citizen books, lists and cancels.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import twofactor
from accounts.network import client_ip, in_centre_network
from accounts.roles import Role
from core.calendar import LOCAL_TZ
from core.errors import DomainError

from . import board, printing, services
from .models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    Centre,
    Counter,
    ServiceGroup,
    Ticket,
    TicketStatus,
)

LOGIN_URL = reverse_lazy("dashboard:login")


def _centre(centre_id: int) -> Centre:
    return get_object_or_404(Centre.objects.select_related("agency"), pk=centre_id, is_active=True)


def kiosk_allowed(request, centre: Centre) -> bool:
    address = client_ip(request)
    if in_centre_network(address):
        return True
    return services.is_official_of(request.user, centre)


def _kiosk_or_403(request, centre):
    if kiosk_allowed(request, centre):
        return None
    return render(
        request,
        "servicecentre/message.html",
        {
            "title": _("Máy lấy số chỉ dùng tại trung tâm"),
            "message": _(
                "Trang này chỉ mở được trên mạng của Trung tâm Phục vụ hành chính công, "
                "hoặc khi cán bộ của trung tâm đã đăng nhập."
            ),
        },
        status=403,
    )


# --- kiosk ---------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request, centre_id: int):
    centre = _centre(centre_id)
    refused = _kiosk_or_403(request, centre)
    if refused:
        return refused
    groups = list(ServiceGroup.objects.filter(centre=centre, is_active=True).order_by("position"))
    error, status = "", 200
    if request.method == "POST":
        try:
            if "appointment" in request.POST:
                ticket = services.check_in(centre, request.POST.get("appointment", ""))
            else:
                group = next(
                    (g for g in groups if str(g.pk) == request.POST.get("group", "")), None
                )
                if group is None:
                    raise DomainError(_("Hãy chọn một nhóm dịch vụ."), code="invalid_group")
                ticket = services.issue_ticket(group)
        except DomainError as exc:
            error, status = str(exc.detail), exc.status_code
        else:
            return redirect(
                "servicecentre:kiosk-ticket",
                centre_id=centre.pk,
                token=services.ticket_token(ticket),
            )
    return render(
        request,
        "servicecentre/kiosk.html",
        {"centre": centre, "groups": groups, "error": error},
        status=status,
    )


@never_cache
@require_GET
def kiosk_ticket(request, centre_id: int, token: str):
    centre = _centre(centre_id)
    refused = _kiosk_or_403(request, centre)
    if refused:
        return refused
    ticket = _ticket_or_404(token)
    if ticket.centre_id != centre.pk:
        raise Http404
    return render(
        request, "servicecentre/kiosk_ticket.html", _ticket_context(request, ticket, token)
    )


def _ticket_or_404(token: str) -> Ticket:
    try:
        return services.ticket_of_token(token)
    except DomainError as exc:
        raise Http404 from exc


def _ticket_context(request, ticket: Ticket, token: str) -> dict:
    return {
        "centre": ticket.centre,
        "ticket": ticket,
        "token": token,
        "ahead": services.people_ahead(ticket),
        "issued": timezone.localtime(ticket.issued_at, LOCAL_TZ),
        "status_url": request.build_absolute_uri(
            reverse("servicecentre:ticket", kwargs={"token": token})
        ),
    }


# --- the ticket, public by its token ------------------------------------------------------
@never_cache
@require_GET
def ticket_page(request, token: str):
    ticket = _ticket_or_404(token)
    return render(request, "servicecentre/ticket.html", _ticket_context(request, ticket, token))


@require_GET
def ticket_pdf(request, token: str):
    ticket = _ticket_or_404(token)
    context = _ticket_context(request, ticket, token)
    pdf = printing.ticket_pdf(ticket, ahead=context["ahead"], status_url=context["status_url"])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="so-thu-tu-{ticket.label}.pdf"'
    return response


# --- display board ---------------------------------------------------------------------------
@require_GET
def board_page(request, centre_id: int):
    centre = _centre(centre_id)
    return render(
        request, "servicecentre/board.html", {"centre": centre, "fragment": board.fragment(centre)}
    )


@require_GET
def board_fragment(request, centre_id: int):
    # The cheap path polled by every board: one cache read when nothing changed.
    centre = Centre.objects.filter(pk=centre_id, is_active=True).only("pk").first()
    if centre is None:
        raise Http404
    response = HttpResponse(board.fragment(centre))
    response["Cache-Control"] = "no-store"
    return response


# --- counter panel ---------------------------------------------------------------------------
def _official_or_response(request):
    """The centre of the logged-in official, or the response refusing them."""
    if not request.user.is_authenticated or not twofactor.session_is_acceptable(request):
        return None, redirect_to_login(request.get_full_path(), LOGIN_URL)
    centre = services.centre_of(request.user)
    if centre is None:
        return None, render(
            request,
            "servicecentre/message.html",
            {
                "title": _("Không có quyền"),
                "message": _(
                    "Chỉ cán bộ của Trung tâm Phục vụ hành chính công dùng bảng điều khiển quầy."
                ),
            },
            status=403,
        )
    return centre, None


@never_cache
@require_http_methods(["GET", "POST"])
def counter_home(request):
    centre, refused = _official_or_response(request)
    if refused:
        return refused
    session = services.session_of(request.user)
    if request.method == "POST":
        counter = Counter.objects.filter(
            centre=centre, pk=_int(request.POST.get("counter"))
        ).first()
        if counter is None:
            return _counter_choice(request, centre, _("Hãy chọn một quầy."), 400)
        try:
            services.open_session(counter, request.user)
        except DomainError as exc:
            return _counter_choice(request, centre, str(exc.detail), exc.status_code)
        return redirect("servicecentre:counter", counter_id=counter.pk)
    if session is not None and session.counter.centre_id == centre.pk:
        return redirect("servicecentre:counter", counter_id=session.counter_id)
    return _counter_choice(request, centre)


def _counter_choice(request, centre, error="", status=200):
    counters = []
    for counter in Counter.objects.filter(centre=centre, is_active=True).prefetch_related("groups"):
        session = services.current_session(counter)
        counters.append({"counter": counter, "session": session})
    return render(
        request,
        "servicecentre/counter_choose.html",
        {"centre": centre, "counters": counters, "error": error},
        status=status,
    )


PANEL_ACTIONS = ("call", "recall", "skip", "start", "finish", "transfer", "link", "close")


@never_cache
@require_http_methods(["GET", "POST"])
def counter_panel(request, counter_id: int, action: str | None = None):
    centre, refused = _official_or_response(request)
    if refused:
        return refused
    counter = Counter.objects.filter(centre=centre, pk=counter_id).select_related("centre").first()
    if counter is None:
        raise Http404
    message, error, status = "", "", 200
    if request.method == "POST":
        if action not in PANEL_ACTIONS:
            raise Http404
        try:
            message = _do(request, counter, action)
        except DomainError as exc:
            error, status = str(exc.detail), exc.status_code
        if action == "close" and not error:
            return redirect("servicecentre:counter-home")
    session = services.current_session(counter)
    if session is None or session.official_id != request.user.pk:
        return redirect("servicecentre:counter-home")
    current = services.current_ticket(counter)
    today = timezone.localdate(timezone.now(), LOCAL_TZ)
    group_ids = list(counter.groups.values_list("pk", flat=True))
    waiting = (
        services.waiting_for(counter, today, group_ids)
        .select_related("group")
        .order_by(*services._queue_order(timezone.now()))[:10]
    )
    context = {
        "centre": centre,
        "counter": counter,
        "groups": counter.groups.all(),
        "current": current,
        "links": current.dossier_links.select_related("dossier") if current else [],
        "waiting": waiting,
        "others": Counter.objects.filter(centre=centre, is_active=True).exclude(pk=counter.pk),
        "message": message,
        "error": error,
        "served_today": Ticket.objects.filter(
            counter=counter, day=today, status=TicketStatus.DONE
        ).count(),
    }
    return render(request, "servicecentre/counter_panel.html", context, status=status)


def _do(request, counter: Counter, action: str) -> str:
    user = request.user
    if action == "call":
        ticket = services.call_next(counter, user)
        return _("Đã gọi số %(l)s.") % {"l": ticket.label}
    if action == "close":
        services.close_session(counter, user)
        return _("Đã đóng phiên làm việc.")
    current = services.current_ticket(counter)
    if current is None:
        raise DomainError(_("Quầy chưa có số nào đang được gọi."), code="no_ticket")
    if action == "recall":
        services.recall(current, user)
        return _("Đã gọi lại số %(l)s.") % {"l": current.label}
    if action == "skip":
        services.skip(current, user)
        return _("Số %(l)s vắng mặt, đã bỏ qua.") % {"l": current.label}
    if action == "start":
        services.start(current, user)
        return _("Bắt đầu phục vụ số %(l)s.") % {"l": current.label}
    if action == "finish":
        services.finish(current, user)
        return _("Đã hoàn thành số %(l)s.") % {"l": current.label}
    if action == "transfer":
        target = Counter.objects.filter(
            centre=counter.centre, pk=_int(request.POST.get("to_counter"))
        ).first()
        if target is None:
            raise DomainError(_("Hãy chọn quầy nhận."), code="invalid_counter")
        services.transfer(current, user, target)
        return _("Đã chuyển số %(l)s sang %(c)s.") % {"l": current.label, "c": target.label}
    services.link_dossier(current, user, request.POST.get("dossier", ""))
    return _("Đã gắn hồ sơ với số %(l)s.") % {"l": current.label}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- my appointments (a citizen) -----------------------------------------------------------
@never_cache
@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def appointments_page(request):
    if request.user.role != Role.CITIZEN:
        return render(
            request,
            "servicecentre/message.html",
            {"title": _("Không có quyền"), "message": _("Chỉ công dân, tổ chức đặt lịch hẹn.")},
            status=403,
        )
    error, message, status = "", "", 200
    centres = Centre.objects.filter(is_active=True).select_related("agency")
    centre = centres.filter(pk=_int(request.GET.get("centre"))).first() or centres.first()
    groups = (
        ServiceGroup.objects.filter(centre=centre, is_active=True, slot_capacity__gt=0)
        if centre
        else ServiceGroup.objects.none()
    )
    group = groups.filter(pk=_int(request.GET.get("group"))).first() or groups.first()
    today = timezone.localdate(timezone.now(), LOCAL_TZ)
    try:
        day = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else None
    except ValueError:
        day, error, status = None, _("Ngày không hợp lệ."), 400
    day = day or today + timedelta(days=1)
    if request.method == "POST":
        try:
            if "cancel" in request.POST:
                mine = Appointment.objects.filter(
                    citizen=request.user, pk=_int(request.POST.get("cancel"))
                ).first()
                if mine is None:
                    raise Http404
                services.cancel(mine, request.user)
                message = _("Đã hủy lịch hẹn.")
            else:
                slot = AppointmentSlot.objects.filter(pk=_int(request.POST.get("slot"))).first()
                if slot is None:
                    raise DomainError(_("Hãy chọn một khung giờ."), code="invalid_slot")
                services.book(request.user, slot, note=request.POST.get("note", ""))
                message = _("Đã đặt lịch hẹn. Mã QR của lịch hẹn ở danh sách bên dưới.")
        except DomainError as exc:
            error, status = str(exc.detail), exc.status_code
    slots = []
    if group is not None and today <= day <= today + timedelta(days=services.BOOKING_HORIZON_DAYS):
        now = timezone.now()
        slots = [s for s in services.slots_for(group, day) if s.starts_at > now]
    mine = (
        Appointment.objects.filter(citizen=request.user)
        .select_related("slot__group__centre__agency")
        .order_by("-slot__starts_at")[:20]
    )
    rows = [
        {
            "appointment": a,
            "starts": timezone.localtime(a.slot.starts_at, LOCAL_TZ),
            "token": services.appointment_token(a) if a.status == AppointmentStatus.BOOKED else "",
            "cancellable": a.status == AppointmentStatus.BOOKED
            and a.slot.starts_at > timezone.now(),
        }
        for a in mine
    ]
    context = {
        "centres": centres,
        "centre": centre,
        "groups": groups,
        "group": group,
        "day": day,
        "slots": [(s, timezone.localtime(s.starts_at, LOCAL_TZ)) for s in slots],
        "rows": rows,
        "error": error,
        "message": message,
        "min_date": today.isoformat(),
    }
    return render(request, "servicecentre/appointments.html", context, status=status)


@require_GET
@login_required(login_url=LOGIN_URL)
def appointment_qr(request, pk: int):
    appointment = Appointment.objects.filter(
        pk=pk, citizen=request.user, status=AppointmentStatus.BOOKED
    ).first()
    if appointment is None:
        raise Http404
    svg = printing.qr_svg(services.appointment_token(appointment))
    return HttpResponse(svg, content_type="image/svg+xml")


@require_GET
def ticket_qr(request, token: str):
    """The QR code of the ticket's public page (shown on the kiosk's screen)."""
    ticket = _ticket_or_404(token)
    url = request.build_absolute_uri(reverse("servicecentre:ticket", kwargs={"token": token}))
    del ticket
    return HttpResponse(printing.qr_svg(url), content_type="image/svg+xml")
