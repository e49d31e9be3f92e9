"""Feedback and complaints (phản ánh, kiến nghị — PAKN), docs/feedback.md.

A `Feedback` is about a procedure, an agency, a dossier or an official; it is routed to the
responsible agency and handled through its own small state machine (received → assigned →
answered → closed; or rejected with a reason). Each change is one `FeedbackEvent` (append-only).
Near-duplicates point at their `primary`: answering the primary answers them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

TITLE_MAX = 200
CONTENT_MAX = 5000
ANSWER_MAX = 10000
REASON_MAX = 2000


class FeedbackStatus(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    ASSIGNED = "assigned", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    CLOSED = "closed", _("Đã kết thúc")
    REJECTED = "rejected", _("Từ chối xử lý")


S = FeedbackStatus
# Waiting for the agency: the deadline runs, the watchdog watches.
OPEN = frozenset({S.RECEIVED, S.ASSIGNED})
# Handled: answered (then maybe closed) or rejected with a reason.
HANDLED = frozenset({S.ANSWERED, S.CLOSED, S.REJECTED})


class Subject(models.TextChoices):
    """What the feedback is about."""

    PROCEDURE = "procedure", _("Thủ tục hành chính")
    AGENCY = "agency", _("Cơ quan")
    DOSSIER = "dossier", _("Hồ sơ")
    OFFICIAL = "official", _("Cán bộ, công chức")


class Category(models.TextChoices):
    """The classification: about the rules and their handling, or about an official's conduct."""

    PROCEDURE = "procedure", _("Về quy định, thủ tục hành chính")
    CONDUCT = "conduct", _("Về hành vi, thái độ của cán bộ")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Hài lòng")
    NOT_SATISFIED = "not_satisfied", _("Không hài lòng")


class FeedbackAction(models.TextChoices):
    SUBMIT = "submit", pgettext_lazy("feedback action", "Gửi phản ánh")
    ASSIGN = "assign", pgettext_lazy("feedback action", "Phân công xử lý")
    ANSWER = "answer", pgettext_lazy("feedback action", "Trả lời")
    REJECT = "reject", pgettext_lazy("feedback action", "Từ chối xử lý")
    CLOSE = "close", pgettext_lazy("feedback action", "Kết thúc")
    RATE = "rate", pgettext_lazy("feedback action", "Đánh giá kết quả trả lời")
    REOPEN = "reopen", pgettext_lazy("feedback action", "Mở lại")
    FLAG = "flag", pgettext_lazy("feedback action", "Cảnh báo chưa phân công")


class Feedback(models.Model):
    code = models.CharField(_("mã phản ánh"), max_length=32, unique=True)
    title = models.CharField(_("tiêu đề"), max_length=TITLE_MAX)
    content = models.TextField(_("nội dung"))
    subject = models.CharField(_("đối tượng phản ánh"), max_length=16, choices=Subject.choices)
    category = models.CharField(_("phân loại"), max_length=16, choices=Category.choices)
    # What it is about (at most these; the agency is always set: where it is routed).
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("thủ tục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ bị phản ánh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.ForeignKey(
        "organisations.Agency",
        verbose_name=_("cơ quan xử lý"),
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    # Who sent it: an account, or an anonymous sender's contact (never published).
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gửi (tài khoản)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_sent",
    )
    contact_name = models.CharField(_("họ tên người gửi"), max_length=200, blank=True)
    contact_phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    contact_email = models.EmailField(_("thư điện tử"), blank=True)

    status = FSMField(
        _("trạng thái"), default=S.RECEIVED, choices=S.choices, protected=True, max_length=16
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_assigned",
    )
    received_at = models.DateTimeField(_("tiếp nhận lúc"))
    due_at = models.DateTimeField(_("hạn xử lý"))
    # The first deadline and the first handling: what Decision 766 scores (docs/feedback.md).
    original_due_at = models.DateTimeField(_("hạn xử lý ban đầu"))
    handled_at = models.DateTimeField(_("xử lý lần đầu lúc"), null=True, blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người trả lời"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published = models.BooleanField(_("công khai trả lời"), default=False)
    published_at = models.DateTimeField(_("công khai lúc"), null=True, blank=True)
    reject_reason = models.TextField(_("lý do từ chối"), blank=True)
    verdict = models.CharField(
        _("đánh giá của người gửi"), max_length=16, choices=Verdict.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("số lần mở lại"), default=0)
    # Near-duplicates point at the feedback answered for them all.
    primary = models.ForeignKey(
        "self",
        verbose_name=_("phản ánh chính (trùng lặp)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grouped",
    )
    # Folded (accent-free) title, content and published answer: the public search.
    search_text = models.TextField(_("văn bản tìm kiếm"), blank=True, editable=False)
    title_folded = models.CharField(max_length=TITLE_MAX * 2, blank=True, editable=False)
    unowned_flagged_at = models.DateTimeField(
        _("cảnh báo chưa phân công lúc"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = pgettext_lazy("plural", "phản ánh, kiến nghị")
        indexes = [
            models.Index(fields=["agency", "status"], name="feedback_agency_status"),
            models.Index(fields=["status", "due_at"], name="feedback_status_due"),
            models.Index(fields=["published", "published_at"], name="feedback_published"),
        ]

    def __str__(self) -> str:
        return self.code

    # --- the state machine: states only; the services do the rest (feedback/services.py) ---
    @transition(field=status, source=[S.RECEIVED, S.ASSIGNED], target=S.ASSIGNED)
    def assign(self): ...

    @transition(field=status, source=[S.RECEIVED, S.ASSIGNED], target=S.ANSWERED)
    def answer_it(self): ...

    @transition(field=status, source=[S.RECEIVED, S.ASSIGNED], target=S.REJECTED)
    def reject(self): ...

    @transition(field=status, source=S.ANSWERED, target=S.CLOSED)
    def close(self): ...

    @transition(field=status, source=[S.ANSWERED, S.CLOSED], target=S.ASSIGNED)
    def reopen(self): ...

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status in OPEN and self.due_at < timezone.now()


class FeedbackEvent(models.Model):
    """One change of a feedback: who, when, from → to, the note. Append-only (never edited)."""

    feedback = models.ForeignKey(
        Feedback, verbose_name=_("phản ánh"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("thao tác"), max_length=16, choices=FeedbackAction.choices)
    from_status = models.CharField(_("từ trạng thái"), max_length=16, choices=S.choices, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=16, choices=S.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("thời điểm"))
    note = models.TextField(_("ghi chú"), blank=True)
    payload = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    # The national portal's feedback system (outbox topic feedback.portal): when it went, and
    # where ("" = no portal URL configured: recorded here only).
    forwarded_at = models.DateTimeField(_("chuyển Cổng quốc gia lúc"), null=True, blank=True)
    forwarded_to = models.CharField(_("chuyển tới"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("diễn biến xử lý phản ánh")
        verbose_name_plural = pgettext_lazy("plural", "diễn biến xử lý phản ánh")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.feedback_id}: {self.action} {self.from_status}→{self.to_status}"


class FeedbackSequence(models.Model):
    """The last number given per year (PAKN-2026-000123), one upsert per feedback."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("số thứ tự phản ánh")
        verbose_name_plural = pgettext_lazy("plural", "số thứ tự phản ánh")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Rung(models.IntegerChoices):
    HANDLER = 1, _("Nhắc người xử lý")
    HEAD = 2, _("Báo trưởng đơn vị")
    LEADER = 3, _("Báo lãnh đạo cấp trên")


class FeedbackEscalation(models.Model):
    """One row per (feedback, rung): each rung fires once (the unique key decides)."""

    feedback = models.ForeignKey(
        Feedback, verbose_name=_("phản ánh"), on_delete=models.CASCADE, related_name="escalations"
    )
    rung = models.PositiveSmallIntegerField(_("bậc"), choices=Rung.choices)
    percent = models.PositiveSmallIntegerField(_("tỷ lệ thời gian đã dùng (%)"))
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người được báo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("thời điểm"))

    class Meta:
        verbose_name = _("nhắc việc xử lý phản ánh")
        verbose_name_plural = pgettext_lazy("plural", "nhắc việc xử lý phản ánh")
        constraints = [
            models.UniqueConstraint(fields=["feedback", "rung"], name="feedback_escalation_once")
        ]

    def __str__(self) -> str:
        return f"{self.feedback_id} rung {self.rung}"
