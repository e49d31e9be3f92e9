"""The service centre's day (docs/service-centre.md): a centre (Trung tâm Phục vụ hành chính
công) with its service groups (nhóm dịch vụ) and counters (quầy), the official staffing a counter
for a session, queue tickets (số thứ tự) numbered per (group, local day), the dossiers a ticket
produced, and online appointments (lịch hẹn) in slots with a capacity.

Times are stored in UTC; "the day" is the Asia/Ho_Chi_Minh day (core.calendar.LOCAL_TZ).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.models import SERVICE_CENTRE_KINDS


class Centre(models.Model):
    """A one-stop service centre: one per agency that is a service centre (provincial or
    commune, organisations.models.SERVICE_CENTRE_KINDS)."""

    agency = models.OneToOneField(
        "organisations.Agency",
        on_delete=models.PROTECT,
        related_name="service_centre",
        verbose_name=_("cơ quan"),
        limit_choices_to={"kind__in": SERVICE_CENTRE_KINDS},
    )
    # Length of an appointment slot; the slots fill the office sessions (core.calendar) of the
    # working days.
    slot_minutes = models.PositiveSmallIntegerField(_("độ dài khung giờ hẹn (phút)"), default=30)
    # How long after its slot ends an appointment not checked in is a no-show.
    no_show_grace_minutes = models.PositiveSmallIntegerField(
        _("thời gian chờ trước khi coi là vắng mặt (phút)"), default=15
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("trung tâm phục vụ hành chính công")
        verbose_name_plural = _("trung tâm phục vụ hành chính công")
        ordering = ["agency__code"]

    def __str__(self) -> str:
        return self.agency.name


class ServiceGroup(models.Model):
    """A service group (nhóm dịch vụ): the fields (lĩnh vực) its counters receive, and the letter
    its tickets carry (B-047)."""

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="groups", verbose_name=_("trung tâm")
    )
    letter = models.CharField(_("chữ cái đầu số"), max_length=2)
    name = models.CharField(_("tên nhóm dịch vụ"), max_length=200)
    fields = models.ManyToManyField(
        "procedures.Field", blank=True, related_name="service_groups", verbose_name=_("lĩnh vực")
    )
    slot_capacity = models.PositiveSmallIntegerField(
        _("số lượt hẹn mỗi khung giờ"), default=4, help_text=_("0: nhóm không nhận đặt lịch hẹn.")
    )
    position = models.PositiveSmallIntegerField(_("thứ tự hiển thị"), default=0)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("nhóm dịch vụ")
        verbose_name_plural = _("nhóm dịch vụ")
        ordering = ["centre", "position", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "letter"], name="servicegroup_centre_letter")
        ]

    def __str__(self) -> str:
        return f"{self.letter} — {self.name}"


class Counter(models.Model):
    """A counter (quầy) of a centre and the service groups it serves."""

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="counters", verbose_name=_("trung tâm")
    )
    number = models.PositiveSmallIntegerField(_("số quầy"))
    name = models.CharField(_("tên quầy"), max_length=200, blank=True)
    groups = models.ManyToManyField(
        ServiceGroup, related_name="counters", verbose_name=_("nhóm dịch vụ phục vụ")
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("quầy")
        verbose_name_plural = _("quầy")
        ordering = ["centre", "number"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "number"], name="counter_centre_number")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(_("Quầy %(n)s") % {"n": self.number})


class CounterSession(models.Model):
    """An official staffing a counter, from opening to closing. One open session per counter
    and per official (the partial unique constraints keep it under concurrency)."""

    counter = models.ForeignKey(
        Counter, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("quầy")
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="counter_sessions",
        verbose_name=_("cán bộ"),
    )
    opened_at = models.DateTimeField(_("mở lúc"))
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiên làm việc tại quầy")
        verbose_name_plural = _("phiên làm việc tại quầy")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["counter"], condition=Q(closed_at__isnull=True), name="session_open_counter"
            ),
            models.UniqueConstraint(
                fields=["official"],
                condition=Q(closed_at__isnull=True),
                name="session_open_official",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter} — {self.official}"


class TicketSequence(models.Model):
    """The last ticket number given out per (group, local day): one upsert per ticket
    (servicecentre/numbering.py), like dossiers.models.DossierSequence."""

    group = models.ForeignKey(ServiceGroup, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "day"], name="ticketsequence_group_day")
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.day}: {self.last}"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Đang chờ")
    CALLED = "called", _("Đã gọi")
    SERVING = "serving", _("Đang phục vụ")
    DONE = "done", _("Đã xong")
    SKIPPED = "skipped", _("Vắng mặt")


class Ticket(models.Model):
    """A queue ticket (số thứ tự): `B-047` = the group's letter and its number of the day."""

    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("trung tâm")
    )
    group = models.ForeignKey(
        ServiceGroup, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("nhóm")
    )
    day = models.DateField(_("ngày"))
    number = models.PositiveIntegerField(_("số"))
    label = models.CharField(_("số thứ tự"), max_length=12)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField(_("cấp lúc"))
    # The place in the queue: the issue time, or the appointment's slot start (appointments
    # come first at their time); a transfer keeps it.
    queued_at = models.DateTimeField(_("thứ tự xếp hàng theo"))
    priority = models.BooleanField(_("ưu tiên (lịch hẹn)"), default=False)
    appointment = models.OneToOneField(
        "Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket",
        verbose_name=_("lịch hẹn"),
    )
    # Transferred to this counter: only it calls the ticket next.
    transferred_to = models.ForeignKey(
        Counter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chuyển đến quầy"),
    )
    counter = models.ForeignKey(
        Counter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("quầy phục vụ"),
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ"),
    )
    called_at = models.DateTimeField(_("gọi lúc"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("gọi lại lần cuối"), null=True, blank=True)
    calls = models.PositiveSmallIntegerField(_("số lần gọi"), default=0)
    serving_at = models.DateTimeField(_("bắt đầu phục vụ"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    # Kept when the figures' events happen: first call − issue, finish − start (seconds).
    wait_seconds = models.PositiveIntegerField(_("thời gian chờ (giây)"), null=True, blank=True)
    service_seconds = models.PositiveIntegerField(
        _("thời gian phục vụ (giây)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("số thứ tự")
        verbose_name_plural = _("số thứ tự")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "day", "number"], name="ticket_group_day_no")
        ]
        indexes = [
            # Call-next: the waiting tickets of a centre's day, in queue order.
            models.Index(
                fields=["centre", "day", "queued_at"],
                condition=Q(status="waiting"),
                name="ticket_waiting",
            ),
            # The board: the tickets called or being served today.
            models.Index(fields=["centre", "day", "status"], name="ticket_centre_day_status"),
            models.Index(fields=["centre", "issued_at"], name="ticket_centre_issued"),
        ]

    def __str__(self) -> str:
        return self.label


class TicketDossier(models.Model):
    """A dossier the ticket produced (named by its code, as the counter typed it)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="dossier_links", verbose_name=_("số thứ tự")
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="+", verbose_name=_("hồ sơ")
    )
    linked_at = models.DateTimeField(_("gắn lúc"))
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("bởi")
    )

    class Meta:
        verbose_name = _("hồ sơ của số thứ tự")
        verbose_name_plural = _("hồ sơ của số thứ tự")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "dossier"], name="ticketdossier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.dossier_id}"


class AppointmentSlot(models.Model):
    """A slot of a group's appointments: its time and capacity; `booked` is kept by one
    conditional UPDATE per booking (never beyond capacity, whatever the concurrency)."""

    group = models.ForeignKey(
        ServiceGroup, on_delete=models.CASCADE, related_name="slots", verbose_name=_("nhóm")
    )
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    capacity = models.PositiveSmallIntegerField(_("số lượt"))
    booked = models.PositiveSmallIntegerField(_("đã đặt"), default=0)

    class Meta:
        verbose_name = _("khung giờ hẹn")
        verbose_name_plural = _("khung giờ hẹn")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "starts_at"], name="slot_group_start"),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="slot_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Đã đặt")
    CANCELLED = "cancelled", _("Đã hủy")
    CHECKED_IN = "checked_in", _("Đã đến")
    NO_SHOW = "no_show", _("Vắng mặt")


ACTIVE_APPOINTMENT = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


class Appointment(models.Model):
    """A citizen's booking of a slot (đặt lịch hẹn)."""

    slot = models.ForeignKey(
        AppointmentSlot,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("khung giờ"),
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("công dân"),
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    note = models.CharField(_("nội dung cần giải quyết"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("đặt lúc"))
    cancelled_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("đến lúc"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("nhắc lịch lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lịch hẹn")
        verbose_name_plural = _("lịch hẹn")
        ordering = ["-created_at"]
        constraints = [
            # A second booking of the same slot by the same citizen is refused.
            models.UniqueConstraint(
                fields=["slot", "citizen"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="appointment_once_per_slot",
            )
        ]
        indexes = [
            models.Index(fields=["status", "slot"], name="appointment_status_slot"),
            models.Index(fields=["citizen", "created_at"], name="appointment_citizen"),
        ]

    def __str__(self) -> str:
        return f"{self.citizen} — {self.slot}"
