"""The rules of the service centre's day (docs/service-centre.md); views, the API, the admin,
commands and tasks call these and nothing else writes tickets, sessions or appointments.

- Tickets: `issue_ticket` (number per group and local day, one upsert), `call_next` (the
  longest-waiting ticket of the counter's groups, appointments first at their time; the row is
  taken with SELECT … FOR UPDATE SKIP LOCKED, so two counters calling at once never get the same
  ticket), `recall`, `skip` (no-show), `transfer` (to another counter, keeping its place),
  `start`, `finish`, `link_dossier`.
- Sessions: `open_session`, `close_session`; every counter action needs the official's open
  session at that counter.
- Appointments: `slots_for` (generated from the office sessions of working days), `book` (one
  conditional UPDATE: never beyond capacity), `cancel` (until the slot starts), `check_in` (the
  kiosk: the appointment's signed QR token → a priority ticket), `send_reminders` and
  `mark_no_shows` (the beat task).

Every change of what the display board shows invalidates its cached fragment after commit
(servicecentre/board.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import OFFICIAL_ROLES, Role
from core.calendar import LOCAL_TZ, get_calendar
from core.errors import Conflict, DomainError, Forbidden, NotFound
from dossiers.models import Dossier

from . import board, numbering, tokens
from .models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    Centre,
    Counter,
    CounterSession,
    ServiceGroup,
    Ticket,
    TicketDossier,
    TicketStatus,
)

# Sent once per appointment, the day before its slot (`send_reminders`), after the reminder is
# recorded: the hook for the notifications app's channels (inbox, SMS) when it offers notices
# that are not about a dossier. Arguments: appointment.
appointment_reminder = Signal()

# An appointment may be checked in from this long before its slot starts.
CHECK_IN_EARLY = timedelta(minutes=60)
# How far ahead a citizen may book.
BOOKING_HORIZON_DAYS = 30


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, LOCAL_TZ).date()


# --- who ---------------------------------------------------------------------------------------
def is_official_of(user, centre: Centre) -> bool:
    """An official (any official role) of the centre's agency."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "role", None) in OFFICIAL_ROLES
        and user.agency_id is not None
        and user.agency_id == centre.agency_id
    )


def centre_of(user) -> Centre | None:
    """The centre the official works at (None for anybody else)."""
    if getattr(user, "role", None) not in OFFICIAL_ROLES or not user.agency_id:
        return None
    return Centre.objects.select_related("agency").filter(agency_id=user.agency_id).first()


def _require_official(user, centre: Centre) -> None:
    if not is_official_of(user, centre):
        raise Forbidden(_("Chỉ cán bộ của trung tâm này được thao tác tại quầy."))


# --- sessions ----------------------------------------------------------------------------------
def open_session(counter: Counter, official, *, now: datetime | None = None) -> CounterSession:
    """The official starts work at the counter (an official's open session elsewhere is closed
    first; a counter staffed by a colleague is refused)."""
    _require_official(official, counter.centre)
    if not counter.is_active:
        raise Conflict(_("Quầy đang ngừng hoạt động."), code="counter_inactive")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            current = (
                CounterSession.objects.select_for_update()
                .filter(counter=counter, closed_at__isnull=True)
                .first()
            )
            if current is not None:
                if current.official_id == official.pk:
                    return current
                raise Conflict(
                    _("Quầy đang có cán bộ khác làm việc: %(name)s.")
                    % {"name": current.official.full_name or current.official.username},
                    code="counter_taken",
                )
            CounterSession.objects.filter(official=official, closed_at__isnull=True).update(
                closed_at=now
            )
            return CounterSession.objects.create(counter=counter, official=official, opened_at=now)
    except IntegrityError as exc:
        raise Conflict(_("Quầy vừa có cán bộ khác mở phiên."), code="counter_taken") from exc


def close_session(counter: Counter, official, *, now: datetime | None = None) -> CounterSession:
    session = current_session(counter)
    if session is None or session.official_id != official.pk:
        raise Conflict(_("Bạn không có phiên làm việc mở tại quầy này."), code="no_session")
    session.closed_at = now or timezone.now()
    session.save(update_fields=["closed_at"])
    return session


def current_session(counter: Counter) -> CounterSession | None:
    return (
        CounterSession.objects.select_related("official")
        .filter(counter=counter, closed_at__isnull=True)
        .first()
    )


def session_of(official) -> CounterSession | None:
    """The official's open session, if any."""
    if official is None or not official.is_authenticated:
        return None
    return (
        CounterSession.objects.select_related("counter__centre__agency")
        .filter(official=official, closed_at__isnull=True)
        .first()
    )


def _require_session(counter: Counter, official) -> None:
    _require_official(official, counter.centre)
    if not CounterSession.objects.filter(
        counter=counter, official=official, closed_at__isnull=True
    ).exists():
        raise Conflict(
            _("Hãy mở phiên làm việc tại %(counter)s trước.") % {"counter": counter.label},
            code="no_session",
        )


# --- tickets -----------------------------------------------------------------------------------
def issue_ticket(
    group: ServiceGroup,
    *,
    now: datetime | None = None,
    appointment: Appointment | None = None,
) -> Ticket:
    """A new ticket of the group for today (the kiosk). An appointment's ticket is a priority
    one, placed in the queue at its slot's start."""
    if not group.is_active or not group.centre.is_active:
        raise Conflict(_("Nhóm dịch vụ đang tạm ngừng cấp số."), code="group_inactive")
    now = now or timezone.now()
    day = local_day(now)
    with transaction.atomic():
        number = numbering.next_number(group.pk, day)
        ticket = Ticket.objects.create(
            centre_id=group.centre_id,
            group=group,
            day=day,
            number=number,
            label=numbering.label(group.letter, number),
            issued_at=now,
            queued_at=appointment.slot.starts_at if appointment else now,
            priority=appointment is not None,
            appointment=appointment,
        )
        board.invalidate_on_commit(group.centre_id)
    return ticket


def _queue_order(now: datetime):
    """Appointments whose time has come first, then by the place in the queue."""
    return (
        Case(
            When(priority=True, queued_at__lte=now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "queued_at",
        "id",
    )


def waiting_for(counter: Counter, day: date, group_ids: list[int]):
    """The tickets a counter may call: waiting today, of its groups (unless transferred to
    another counter), or transferred to it."""
    return Ticket.objects.filter(
        centre_id=counter.centre_id, day=day, status=TicketStatus.WAITING
    ).filter(Q(transferred_to=counter) | Q(transferred_to__isnull=True, group_id__in=group_ids))


def people_ahead(ticket: Ticket, *, now: datetime | None = None) -> int:
    """How many waiting tickets of the ticket's group are called before it."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    now = now or timezone.now()
    same = Ticket.objects.filter(
        group_id=ticket.group_id, day=ticket.day, status=TicketStatus.WAITING
    ).exclude(pk=ticket.pk)
    mine_due = ticket.priority and ticket.queued_at <= now
    earlier = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, pk__lt=ticket.pk)
    due = Q(priority=True, queued_at__lte=now)
    if mine_due:
        return same.filter(due & earlier).count()
    return same.filter(due | earlier).count()


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called or being served at the counter now."""
    return (
        Ticket.objects.select_related("group")
        .filter(
            counter=counter,
            day=local_day(timezone.now()),
            status__in=[TicketStatus.CALLED, TicketStatus.SERVING],
        )
        .order_by("-last_called_at")
        .first()
    )


def call_next(counter: Counter, official, *, now: datetime | None = None) -> Ticket:
    """Call the next ticket to the counter. Concurrency-safe: the candidate row is locked with
    FOR UPDATE SKIP LOCKED (PostgreSQL), so a concurrent call takes the next one instead."""
    _require_session(counter, official)
    now = now or timezone.now()
    day = local_day(now)
    busy = Ticket.objects.filter(
        counter=counter, day=day, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
    ).first()
    if busy is not None:
        raise Conflict(
            _("Quầy đang có số %(label)s: hãy hoàn thành, bỏ qua hoặc chuyển trước khi gọi số mới.")
            % {"label": busy.label},
            code="counter_busy",
        )
    group_ids = list(counter.groups.values_list("pk", flat=True))
    with transaction.atomic():
        ticket = (
            waiting_for(counter, day, group_ids)
            .select_related("group")  # for the answer; only the ticket's row is locked
            .select_for_update(skip_locked=True, of=("self",))
            .order_by(*_queue_order(now))
            .first()
        )
        if ticket is None:
            raise NotFound(_("Không còn ai đang chờ ở các nhóm của quầy."), code="queue_empty")
        ticket.status = TicketStatus.CALLED
        ticket.counter = counter
        ticket.official = official
        ticket.transferred_to = None
        if ticket.called_at is None:
            ticket.called_at = now
            ticket.wait_seconds = max(0, int((now - ticket.issued_at).total_seconds()))
        ticket.last_called_at = now
        ticket.calls += 1
        ticket.save()
        board.invalidate_on_commit(counter.centre_id)
    return ticket


def _held(ticket: Ticket, official, *states: str) -> Ticket:
    """The ticket, locked, if it is at a counter where the official has an open session and in
    one of `states`."""
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("counter__centre")
        .get(pk=ticket.pk)
    )
    if locked.counter is None:
        raise Conflict(_("Số này chưa được gọi đến quầy nào."), code="ticket_not_called")
    _require_session(locked.counter, official)
    if locked.status not in states:
        raise Conflict(
            _("Không thể thực hiện với số %(label)s đang ở trạng thái “%(status)s”.")
            % {"label": locked.label, "status": locked.get_status_display()},
            code="ticket_state",
        )
    return locked


@transaction.atomic
def recall(ticket: Ticket, official, *, now: datetime | None = None) -> Ticket:
    """Call the same ticket again (the board shows it and beeps again)."""
    ticket = _held(ticket, official, TicketStatus.CALLED)
    ticket.last_called_at = now or timezone.now()
    ticket.calls += 1
    ticket.save(update_fields=["last_called_at", "calls"])
    board.invalidate_on_commit(ticket.centre_id)
    return ticket


@transaction.atomic
def skip(ticket: Ticket, official, *, now: datetime | None = None) -> Ticket:
    """The citizen did not come when called: a no-show."""
    ticket = _held(ticket, official, TicketStatus.CALLED)
    ticket.status = TicketStatus.SKIPPED
    ticket.finished_at = now or timezone.now()
    ticket.save(update_fields=["status", "finished_at"])
    board.invalidate_on_commit(ticket.centre_id)
    return ticket


@transaction.atomic
def transfer(ticket: Ticket, official, to_counter: Counter, *, now=None) -> Ticket:
    """Send the ticket to another counter of the centre: it waits again, in its place (its
    queue time is kept), and only that counter calls it."""
    ticket = _held(ticket, official, TicketStatus.CALLED, TicketStatus.SERVING)
    if to_counter.centre_id != ticket.centre_id or not to_counter.is_active:
        raise DomainError(
            _("Quầy nhận phải là quầy đang hoạt động của cùng trung tâm."),
            code="invalid_counter",
            errors={"counter": [_("Quầy không hợp lệ.")]},
        )
    if to_counter.pk == ticket.counter_id:
        raise DomainError(
            _("Không thể chuyển số về chính quầy đang phục vụ."),
            code="invalid_counter",
            errors={"counter": [_("Hãy chọn quầy khác.")]},
        )
    ticket.status = TicketStatus.WAITING
    ticket.transferred_to = to_counter
    ticket.counter = None
    ticket.serving_at = None
    ticket.save(update_fields=["status", "transferred_to", "counter", "serving_at"])
    board.invalidate_on_commit(ticket.centre_id)
    return ticket


@transaction.atomic
def start(ticket: Ticket, official, *, now: datetime | None = None) -> Ticket:
    ticket = _held(ticket, official, TicketStatus.CALLED)
    ticket.status = TicketStatus.SERVING
    ticket.serving_at = now or timezone.now()
    ticket.official = official
    ticket.save(update_fields=["status", "serving_at", "official"])
    board.invalidate_on_commit(ticket.centre_id)
    return ticket


@transaction.atomic
def finish(ticket: Ticket, official, *, now: datetime | None = None) -> Ticket:
    ticket = _held(ticket, official, TicketStatus.SERVING)
    now = now or timezone.now()
    ticket.status = TicketStatus.DONE
    ticket.finished_at = now
    ticket.service_seconds = max(0, int((now - ticket.serving_at).total_seconds()))
    ticket.save(update_fields=["status", "finished_at", "service_seconds"])
    board.invalidate_on_commit(ticket.centre_id)
    return ticket


def link_dossier(ticket: Ticket, official, code: str, *, now=None) -> TicketDossier:
    """Record that the ticket produced the dossier `code` (received at this centre)."""
    ticket = Ticket.objects.select_related("centre", "counter").get(pk=ticket.pk)
    _require_official(official, ticket.centre)
    if ticket.status not in (TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.DONE):
        raise Conflict(_("Chỉ gắn hồ sơ cho số đã được gọi."), code="ticket_state")
    code = (code or "").strip()
    dossier = Dossier.objects.filter(code=code).only("pk", "receiving_agency_id").first()
    if dossier is None or dossier.receiving_agency_id != ticket.centre.agency_id:
        raise DomainError(
            _("Không tìm thấy hồ sơ %(code)s tiếp nhận tại trung tâm này.") % {"code": code[:64]},
            code="invalid_dossier",
            errors={"dossier": [_("Mã hồ sơ không hợp lệ.")]},
        )
    link, _created = TicketDossier.objects.get_or_create(
        ticket=ticket,
        dossier=dossier,
        defaults={"linked_at": now or timezone.now(), "linked_by": official},
    )
    return link


def ticket_of_token(token: str) -> Ticket:
    pk = tokens.unsign(tokens.TICKET_SALT, token, tokens.TICKET_MAX_AGE)
    ticket = (
        Ticket.objects.select_related("group", "centre__agency", "counter").filter(pk=pk).first()
    )
    if ticket is None:
        raise NotFound(_("Mã không hợp lệ."), code="token_invalid")
    return ticket


def ticket_token(ticket: Ticket) -> str:
    return tokens.sign(tokens.TICKET_SALT, ticket.pk)


# --- appointments ------------------------------------------------------------------------------
def slots_for(group: ServiceGroup, day: date):
    """The group's slots of that day, made on first sight: the office sessions of a working day
    (core.calendar) cut into the centre's slot length. None on a day off or for a group that
    takes no appointments."""
    calendar = get_calendar()
    if not group.slot_capacity or not group.is_active or not calendar.is_working_day(day):
        return AppointmentSlot.objects.none()
    length = timedelta(minutes=group.centre.slot_minutes or 30)
    rows = []
    for opens, closes in calendar.sessions:
        at = datetime.combine(day, opens, tzinfo=LOCAL_TZ)
        end = datetime.combine(day, closes, tzinfo=LOCAL_TZ)
        while at + length <= end:
            rows.append(
                AppointmentSlot(
                    group=group, starts_at=at, ends_at=at + length, capacity=group.slot_capacity
                )
            )
            at += length
    AppointmentSlot.objects.bulk_create(rows, ignore_conflicts=True)
    start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ)
    return AppointmentSlot.objects.filter(
        group=group, starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
    ).order_by("starts_at")


def book(citizen, slot: AppointmentSlot, *, note: str = "", now=None) -> Appointment:
    """Book one place of the slot for the citizen. Refused (409) when the slot is full, when
    the citizen already holds it, or when it has started; never beyond capacity: the place is
    taken by one conditional UPDATE."""
    if getattr(citizen, "role", None) != Role.CITIZEN:
        raise Forbidden(_("Chỉ công dân, tổ chức đặt lịch hẹn."))
    now = now or timezone.now()
    if slot.starts_at <= now:
        raise Conflict(_("Khung giờ này đã qua, hãy chọn khung giờ khác."), code="slot_past")
    if slot.starts_at > now + timedelta(days=BOOKING_HORIZON_DAYS):
        raise DomainError(
            _("Chỉ đặt lịch trước tối đa %(n)d ngày.") % {"n": BOOKING_HORIZON_DAYS},
            code="slot_too_far",
        )
    already = _("Bạn đã đặt khung giờ này rồi.")
    if Appointment.objects.filter(
        slot=slot,
        citizen=citizen,
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN],
    ).exists():
        raise Conflict(already, code="already_booked")
    try:
        with transaction.atomic():
            taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
                booked=F("booked") + 1
            )
            if not taken:
                raise Conflict(
                    _("Khung giờ đã đủ số lượt hẹn, vui lòng chọn khung giờ khác."),
                    code="slot_full",
                )
            return Appointment.objects.create(
                slot=slot, citizen=citizen, note=note[:300], created_at=now
            )
    except IntegrityError as exc:
        raise Conflict(already, code="already_booked") from exc


def cancel(appointment: Appointment, citizen, *, now=None) -> Appointment:
    """The citizen cancels, up to the slot's start; the place goes back to the slot."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("slot")
            .get(pk=appointment.pk)
        )
        if appointment.citizen_id != citizen.pk:
            raise NotFound()
        if appointment.status != AppointmentStatus.BOOKED:
            raise Conflict(
                _("Lịch hẹn đang ở trạng thái “%(s)s”, không hủy được.")
                % {"s": appointment.get_status_display()},
                code="appointment_state",
            )
        if appointment.slot.starts_at <= now:
            raise Conflict(
                _("Chỉ hủy được lịch hẹn trước giờ bắt đầu."), code="appointment_started"
            )
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_at = now
        appointment.save(update_fields=["status", "cancelled_at"])
        AppointmentSlot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(
            booked=F("booked") - 1
        )
    return appointment


def appointment_token(appointment: Appointment) -> str:
    return tokens.sign(tokens.APPOINTMENT_SALT, appointment.pk)


def check_in(centre: Centre, token: str, *, now: datetime | None = None) -> Ticket:
    """The kiosk reads the appointment's QR token: a priority ticket of its group, placed in the
    queue at the slot's start. From an hour before the slot to its end plus the grace."""
    now = now or timezone.now()
    pk = tokens.unsign(tokens.APPOINTMENT_SALT, token, tokens.APPOINTMENT_MAX_AGE)
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("slot__group__centre")
            .filter(pk=pk)
            .first()
        )
        if appointment is None or appointment.slot.group.centre_id != centre.pk:
            raise NotFound(_("Lịch hẹn không thuộc trung tâm này."), code="appointment_elsewhere")
        slot = appointment.slot
        if appointment.status == AppointmentStatus.CHECKED_IN:
            raise Conflict(_("Lịch hẹn này đã được lấy số."), code="already_checked_in")
        if appointment.status != AppointmentStatus.BOOKED:
            raise Conflict(
                _("Lịch hẹn đang ở trạng thái “%(s)s”.") % {"s": appointment.get_status_display()},
                code="appointment_state",
            )
        grace = timedelta(minutes=centre.no_show_grace_minutes)
        if now < slot.starts_at - CHECK_IN_EARLY:
            raise Conflict(
                _("Chưa đến giờ hẹn (%(t)s): hãy quay lại trước giờ hẹn không quá 60 phút.")
                % {"t": timezone.localtime(slot.starts_at, LOCAL_TZ).strftime("%H:%M %d/%m/%Y")},
                code="too_early",
            )
        if now > slot.ends_at + grace:
            raise Conflict(_("Đã quá giờ hẹn: vui lòng lấy số thường."), code="too_late")
        ticket = issue_ticket(slot.group, now=now, appointment=appointment)
        appointment.status = AppointmentStatus.CHECKED_IN
        appointment.checked_in_at = now
        appointment.save(update_fields=["status", "checked_in_at"])
    return ticket


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind the citizens of tomorrow's appointments (the local day after `now`): once each
    (reminded_at), through the `appointment_reminder` signal, which the notifications app turns
    into the citizen's notices. Returns how many were reminded."""
    now = now or timezone.now()
    tomorrow = local_day(now) + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=LOCAL_TZ)
    due = (
        Appointment.objects.select_related("slot__group__centre__agency", "citizen")
        .filter(
            status=AppointmentStatus.BOOKED,
            reminded_at__isnull=True,
            slot__starts_at__gte=start,
            slot__starts_at__lt=start + timedelta(days=1),
        )
        .order_by("pk")
    )
    count = 0
    for appointment in due.iterator(chunk_size=500):
        # Recorded first (one conditional UPDATE): a second run, even a concurrent one, sends
        # no second reminder.
        if not Appointment.objects.filter(pk=appointment.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            continue
        count += 1
        # The notice itself is the notifications app's (notifications/appointments.py): the
        # inbox, e-mail, SMS and Zalo as the citizen's preferences say, through the outbox.
        appointment_reminder.send(sender=Appointment, appointment=appointment)
    return count


def mark_no_shows(*, now: datetime | None = None) -> int:
    """Appointments not checked in by their slot's end plus the centre's grace: no-show."""
    now = now or timezone.now()
    candidates = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, slot__ends_at__lt=now
    ).values_list("pk", "slot__ends_at", "slot__group__centre__no_show_grace_minutes")
    late = [pk for pk, ends_at, grace in candidates if ends_at + timedelta(minutes=grace) < now]
    if not late:
        return 0
    return Appointment.objects.filter(pk__in=late, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.NO_SHOW
    )
