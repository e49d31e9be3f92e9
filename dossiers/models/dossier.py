"""The dossier and its state machine (docs/domain.md §3, DVCQG TrangThaiHoSo codes)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from .. import permissions as perm
from .applicant import Applicant
from .conditions import (
    apology_in_time,
    fee_owed,
    internal_step_left,
    never_rescheduled,
    not_yet_due,
    refund_to_record,
    supplement_in_time,
    supplement_not_yet_requested,
    supplement_request_in_time,
)
from .guard import DossierQuerySet
from .status import (
    OPEN,
    OPEN_STATES,
    RUNNING,
    STOPPABLE,
    WITHDRAWABLE,
    Channel,
    Outcome,
    ReturnMethod,
    S,
    status_values,
)


class Dossier(ConcurrentTransitionMixin, models.Model):
    """One application for one procedure, from submission to returned result."""

    code = models.CharField(_("mã hồ sơ"), max_length=64, unique=True)
    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("thủ tục"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    # The terms that applied when the dossier was filed (time, steps, fees, supplement rule):
    # a later catalogue change never rewrites an open dossier.
    terms = models.JSONField(_("điều kiện áp dụng"), default=dict)
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("chủ hồ sơ"), on_delete=models.PROTECT, related_name="dossiers"
    )
    channel = models.PositiveSmallIntegerField(_("kênh nộp"), choices=Channel.choices)
    receiving_agency = models.ForeignKey(
        "organisations.Agency",
        verbose_name=_("nơi tiếp nhận"),
        on_delete=models.PROTECT,
        related_name="received_dossiers",
    )
    handling_agency = models.ForeignKey(
        "organisations.Agency",
        verbose_name=_("cơ quan giải quyết"),
        on_delete=models.PROTECT,
        related_name="handled_dossiers",
    )
    summary = models.CharField(_("trích yếu"), max_length=1000)
    status = FSMField(
        _("trạng thái"), default=S.NEW, choices=S.choices, protected=True, max_length=32
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
    )
    submitted_at = models.DateTimeField(_("thời điểm nộp"), default=timezone.now)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn trả kết quả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("hạn trả ban đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("thời điểm kết thúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    return_method = models.CharField(
        _("hình thức nhận kết quả"),
        max_length=16,
        choices=ReturnMethod.choices,
        default=ReturnMethod.COUNTER,
    )
    outcome = models.CharField(
        _("kết quả giải quyết"), max_length=16, choices=Outcome.choices, blank=True
    )
    outcome_reason = models.TextField(_("lý do"), blank=True)
    reschedule_count = models.PositiveSmallIntegerField(_("số lần hẹn lại"), default=0)
    supplement_asked_at_receipt = models.BooleanField(
        _("đã yêu cầu bổ sung khi tiếp nhận"), default=False
    )
    supplement_asked_in_processing = models.BooleanField(
        _("đã yêu cầu bổ sung khi xử lý"), default=False
    )
    supplement_deadline = models.DateTimeField(_("hạn bổ sung hồ sơ"), null=True, blank=True)
    # The role of the next step of the frozen process not yet started ("" when none): kept by
    # the services so that `available_actions` needs no query per dossier.
    next_step_role = models.CharField(_("bước tiếp theo"), max_length=16, blank=True)
    # Its order in the frozen process (None when none): the services know which step comes
    # next without reading the step runs.
    next_step_order = models.PositiveSmallIntegerField(
        _("thứ tự bước tiếp theo"), null=True, blank=True
    )
    # Flags the indicators count (issue: indicators).
    is_digitised = models.BooleanField(_("đã số hóa"), default=False)
    is_reused = models.BooleanField(_("có tái sử dụng dữ liệu"), default=False)
    has_e_result = models.BooleanField(_("có kết quả điện tử"), default=False)
    paid_online = models.BooleanField(_("thanh toán trực tuyến"), default=False)
    vneid_verified = models.BooleanField(_("tài khoản xác thực VNeID"), default=False)
    # Some fee line is still owed (kept by dossiers.services.fees, read by the fee actions'
    # condition without a query).
    fees_owed = models.BooleanField(_("còn phí, lệ phí chưa nộp"), default=False)
    # Something paid is to be refunded (the dossier ended after payment): the accountant's list.
    refund_pending = models.BooleanField(_("chờ hoàn trả phí, lệ phí"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    # Flagged by the watchdog (docs/watchdog.md): no owner for its current step, or no event for
    # longer than the step allows. Cleared by the next event that is not the watchdog's own.
    silent_since = models.DateTimeField(_("im lặng từ"), null=True, blank=True)
    # The earliest moment the watchdog may have something to do (dossiers/watching.py): set by
    # the door on every write and by the watchdog's pass; None when nothing is watched.
    watch_at = models.DateTimeField(_("giám sát lúc"), null=True, blank=True, editable=False)
    # The work queues' sort key: the due date, or for a dossier not yet received (no due date)
    # its submission time. Never null, so cursor pagination can walk it.
    queue_at = models.GeneratedField(
        expression=Coalesce("due_at", "submitted_at"),
        output_field=models.DateTimeField(),
        db_persist=True,
        verbose_name=_("thứ tự xử lý"),
    )

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ")
        indexes = [
            # The counter's and the agency's work queues, sorted by due date; the partial ones
            # serve the default "open dossiers" queue without reading the finished ones.
            models.Index(fields=["receiving_agency", "queue_at"], name="dossier_recv_q"),
            models.Index(fields=["handling_agency", "queue_at"], name="dossier_handle_q"),
            models.Index(
                fields=["receiving_agency", "queue_at"],
                name="dossier_recv_open_q",
                condition=Q(status__in=OPEN_STATES),
            ),
            models.Index(
                fields=["handling_agency", "queue_at"],
                name="dossier_handle_open_q",
                condition=Q(status__in=OPEN_STATES),
            ),
            models.Index(fields=["status", "queue_at"], name="dossier_status_q"),
            # The administrator's unscoped queue.
            models.Index(fields=["queue_at", "id"], name="dossier_q"),
            models.Index(
                fields=["queue_at", "id"],
                name="dossier_open_q",
                condition=Q(status__in=OPEN_STATES),
            ),
            models.Index(fields=["applicant"], name="dossier_applicant"),
            # The accountant's list of refunds to make (few rows).
            models.Index(
                fields=["queue_at"],
                name="dossier_refund_pending",
                condition=Q(refund_pending=True),
            ),
            models.Index(
                fields=["silent_since"],
                name="dossier_silent",
                condition=Q(silent_since__isnull=False),
            ),
            # The watchdog's pass: only what may be due, in (watch_at, id) order (keyset).
            models.Index(
                fields=["watch_at", "id"],
                name="dossier_watch",
                condition=Q(watch_at__isnull=False),
            ),
            models.Index(fields=["procedure", "status"], name="dossier_procedure"),
            models.Index(
                fields=["due_at"],
                name="dossier_running_due",
                condition=Q(status__in=status_values(RUNNING)),
            ),
            # The overdue and due-soon queues of a centre or an agency (clock running).
            models.Index(
                fields=["receiving_agency", "queue_at"],
                name="dossier_recv_running_q",
                condition=Q(status__in=status_values(RUNNING)),
            ),
            models.Index(
                fields=["handling_agency", "queue_at"],
                name="dossier_handle_running_q",
                condition=Q(status__in=status_values(RUNNING)),
            ),
        ]
        permissions = []

    def __str__(self) -> str:
        return self.code

    @property
    def is_overdue(self) -> bool:
        """Late now: the clock runs and the due date has passed (the `overdue` filter)."""
        return self.status in RUNNING and self.due_at is not None and (timezone.now() > self.due_at)

    @property
    def finished_late(self) -> bool | None:
        """Finished after the due date (None while not finished or never received)."""
        if self.finished_at is None or self.due_at is None:
            return None
        return self.finished_at > self.due_at

    # --- the state machine: each transition changes state only; services do the rest ----------
    @transition(field=status, source=S.NEW, target=S.RECEIVED, permission=perm.can_check_at_receipt)
    def receive(self):
        """Tiếp nhận (Mẫu 01)."""

    @transition(
        field=status, source=S.NEW, target=S.NOT_RECEIVED, permission=perm.can_check_at_receipt
    )
    def refuse_receipt(self):
        """Từ chối tiếp nhận (Mẫu 03)."""

    @transition(
        field=status,
        source=[S.NEW, S.RECEIVED, S.PROCESSING],
        target=S.SUPPLEMENT_REQUESTED,
        conditions=[supplement_not_yet_requested, supplement_request_in_time],
        permission=perm.can_request_supplement,
    )
    def request_supplement(self):
        """Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)."""

    @transition(
        field=status,
        source=S.SUPPLEMENT_REQUESTED,
        target=RETURN_VALUE(S.NEW, S.RECEIVED, S.PROCESSING),
        conditions=[supplement_in_time],
        permission=perm.can_supplement,
    )
    def supplement(self, resume_to: str):
        """Hồ sơ đã được bổ sung: back to where it was when the request went out."""
        return resume_to

    @transition(field=status, source=S.RECEIVED, target=S.PROCESSING, permission=perm.can_assign)
    def assign(self):
        """Phân công xử lý."""

    @transition(
        field=status,
        source=S.PROCESSING,
        target=None,
        conditions=[internal_step_left],
        permission=perm.can_hand_over,
    )
    def hand_over(self):
        """Chuyển bước xử lý (phiếu kiểm soát, Mẫu 06)."""

    @transition(
        field=status,
        source=S.PROCESSING,
        target=S.AWAITING_PAYMENT,
        permission=perm.can_handle_payment,
    )
    def request_payment(self):
        """Yêu cầu thực hiện nghĩa vụ tài chính."""

    @transition(
        field=status,
        source=S.AWAITING_PAYMENT,
        target=S.PROCESSING,
        permission=perm.can_handle_payment,
    )
    def confirm_payment(self):
        """Đã thực hiện nghĩa vụ tài chính."""

    @transition(
        field=status,
        source=status_values(OPEN),
        target=None,
        conditions=[fee_owed],
        permission=perm.can_handle_payment,
    )
    def adjust_fee(self):
        """Miễn, giảm phí, lệ phí (có lý do và căn cứ pháp lý)."""

    @transition(
        field=status,
        source=status_values(OPEN),
        target=None,
        conditions=[fee_owed],
        permission=perm.can_handle_payment,
    )
    def collect_fee(self):
        """Thu phí, lệ phí tại quầy (the service then ends a payment pause: `confirm_payment`)."""

    @transition(
        field=status,
        source=[S.NOT_RECEIVED, S.WITHDRAWN, S.STOPPED, S.RESULT_READY, S.RETURNED],
        target=None,
        conditions=[refund_to_record],
        permission=perm.can_handle_payment,
    )
    def record_refund(self):
        """Xác nhận đã hoàn trả phí, lệ phí (the refund itself is made outside the system)."""

    @transition(
        field=status, source=S.PROCESSING, target=S.RESULT_READY, permission=perm.can_decide
    )
    def approve(self):
        """Phê duyệt kết quả."""

    @transition(
        field=status, source=S.PROCESSING, target=S.RESULT_READY, permission=perm.can_decide
    )
    def refuse(self):
        """Từ chối giải quyết (có lý do): the reasoned refusal is the result."""

    @transition(field=status, source=S.RESULT_READY, target=S.RETURNED, permission=perm.can_return)
    def return_result(self):
        """Trả kết quả (sổ theo dõi, Mẫu 07)."""

    @transition(
        field=status,
        source=status_values(WITHDRAWABLE),
        target=S.WITHDRAWN,
        permission=perm.can_withdraw,
    )
    def withdraw(self):
        """Rút hồ sơ theo yêu cầu của công dân (Mẫu 05), only while no result exists."""

    @transition(
        field=status, source=status_values(STOPPABLE), target=S.STOPPED, permission=perm.can_stop
    )
    def stop(self):
        """Dừng xử lý (có lý do), e.g. the supplement window ran out."""

    @transition(
        field=status,
        source=status_values(RUNNING),
        target=None,
        conditions=[never_rescheduled, not_yet_due, apology_in_time],
        permission=perm.can_reschedule,
    )
    def reschedule(self):
        """Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04), at most once, no later than one
        working day before the due date."""
