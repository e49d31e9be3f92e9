"""The access log's rows: one per read of someone's data by an official or an administrator
(docs/access-log.md). Append-only: the application can add rows and never change or remove
one (the QuerySet and the model refuse; on PostgreSQL a trigger refuses too, migration 0002).

A row names everything by value, never by foreign key: the reader (id and a snapshot of their
name, role and agency), the dossier (id and code) and the data subject (the keyed hash of their
personal ID or tax code, and the applicant's account id). It outlives the user, the dossier and
the applicant's anonymisation, and no deletion elsewhere can cascade into it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Role


class AppendOnly(PermissionError):
    """A change or deletion of an access-log row was asked for."""


def _refuse(what: str):
    raise AppendOnly(f"The access log is append-only: {what} refused (docs/access-log.md)")


class ReadKind(models.TextChoices):
    """What was read."""

    DOSSIER_LIST = "dossier_list", _("Hồ sơ trong một danh sách")
    DOSSIER_DETAIL = "dossier_detail", _("Chi tiết hồ sơ")
    FILE = "file", _("Tệp của hồ sơ")
    FORM = "form", _("Biểu mẫu của hồ sơ")
    E_RESULT = "e_result", _("Kết quả giải quyết điện tử")
    STORE_DOCUMENT = "store_document", _("Giấy tờ trong kho dữ liệu")
    APPLICANT = "applicant", _("Thông tin chủ hồ sơ")
    EXPORT = "export", _("Hồ sơ trong một tệp xuất dữ liệu")


class Purpose(models.TextChoices):
    """The screen or action of the read: where and why it happened."""

    API_DOSSIER_LIST = "api.dossier.list", _("Xem danh sách hồ sơ (hàng đợi công việc)")
    API_DOSSIER_RETRIEVE = "api.dossier.retrieve", _("Xem chi tiết hồ sơ")
    API_COUNTER_RECEIPT = "api.counter.receipt", _("In lại giấy tiếp nhận (Mẫu 01)")
    API_FILE_DOWNLOAD = "api.file.download", _("Tải tệp của hồ sơ")
    API_E_RESULT = "api.dossier.e_result", _("Tải kết quả điện tử")
    API_FORM = "api.dossier.form", _("Tải biểu mẫu của hồ sơ")
    API_PAYMENTS = "api.dossier.payments", _("Xem các giao dịch thanh toán của hồ sơ")
    API_LOGBOOK = "api.report.logbook", _("Xuất sổ theo dõi hồ sơ (Mẫu 07)")
    ADMIN_DOSSIER_CHANGELIST = "admin.dossier.changelist", _("Xem danh sách hồ sơ (trang quản trị)")
    ADMIN_DOSSIER_CHANGE = "admin.dossier.change", _("Xem hồ sơ (trang quản trị)")
    ADMIN_DOSSIER_ACTION = "admin.dossier.action", _("Mở trang thao tác xử lý hồ sơ")
    ADMIN_DOSSIER_FORM = "admin.dossier.form", _("Tải biểu mẫu của hồ sơ (trang quản trị)")
    ADMIN_LOGBOOK = "admin.dossier.logbook", _("Xuất sổ theo dõi hồ sơ (Mẫu 07, trang quản trị)")
    ADMIN_APPLICANT_CHANGELIST = (
        "admin.applicant.changelist",
        _("Xem danh sách chủ hồ sơ (trang quản trị)"),
    )
    ADMIN_APPLICANT_CHANGE = "admin.applicant.change", _("Xem thông tin chủ hồ sơ (trang quản trị)")
    ADMIN_STORE_CHANGELIST = (
        "admin.store_document.changelist",
        _("Xem danh sách kho dữ liệu (trang quản trị)"),
    )
    ADMIN_STORE_CHANGE = (
        "admin.store_document.change",
        _("Xem giấy tờ trong kho dữ liệu (trang quản trị)"),
    )
    ADMIN_E_RESULT_CHANGELIST = (
        "admin.e_result.changelist",
        _("Xem danh sách kết quả điện tử (trang quản trị)"),
    )
    ADMIN_E_RESULT_CHANGE = "admin.e_result.change", _("Xem kết quả điện tử (trang quản trị)")
    # The counter workspace's pages (docs/workspace.md).
    WORKSPACE_LIST = "workspace.dossier.list", _("Xem danh sách hồ sơ (bàn làm việc)")
    WORKSPACE_DOSSIER = "workspace.dossier.detail", _("Xem hồ sơ (bàn làm việc)")
    WORKSPACE_ACTION = "workspace.dossier.action", _("Mở trang thao tác xử lý hồ sơ (bàn làm việc)")
    WORKSPACE_FILE = "workspace.file", _("Xem tệp của hồ sơ (bàn làm việc)")
    WORKSPACE_STORE = (
        "workspace.store",
        _("Xem kho dữ liệu của công dân khi tiếp nhận tại quầy"),
    )
    WORKSPACE_RESULT_PREVIEW = (
        "workspace.result_preview",
        _("Xem trước kết quả giải quyết trước khi ký duyệt"),
    )


class AccessRecordQuerySet(models.QuerySet):
    """Adds rows (one INSERT for many) and reads them; never changes or removes one."""

    def update(self, **kwargs):
        _refuse("update")

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse("update")

    def delete(self):
        _refuse("delete")

    def update_or_create(self, *args, **kwargs):
        _refuse("update")


class AccessRecord(models.Model):
    """One read of someone's data: who, for which agency and in which role, when, what, why."""

    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    # The reader, kept by value: the row outlives the account.
    reader_id = models.BigIntegerField(_("mã tài khoản người xem"), null=True, blank=True)
    reader_username = models.CharField(_("tên đăng nhập người xem"), max_length=150)
    reader_name = models.CharField(_("họ tên người xem"), max_length=200, blank=True)
    reader_role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)
    reader_agency_id = models.BigIntegerField(_("mã cơ quan"), null=True, blank=True)
    reader_agency_code = models.CharField(_("mã định danh cơ quan"), max_length=64, blank=True)
    reader_agency_name = models.CharField(_("cơ quan"), max_length=300, blank=True)
    # A read by system staff (administrator role or superuser), not by an agency's official.
    by_administrator = models.BooleanField(_("quản trị hệ thống xem"), default=False)
    kind = models.CharField(_("dữ liệu được xem"), max_length=32, choices=ReadKind.choices)
    purpose = models.CharField(_("màn hình, thao tác"), max_length=64, choices=Purpose.choices)
    # The object read besides the dossier: a file's id, a form's number, an e-result's id, an
    # applicant's or a store document's id.
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    dossier_id = models.BigIntegerField(_("mã nội bộ hồ sơ"), null=True, blank=True)
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=64, blank=True)
    # Whose data: core.identity.subject_key() of the applicant's personal ID or tax code (the
    # log holds no number in clear), and the applicant's account when they have one.
    subject_key = models.CharField(_("khóa chủ thể dữ liệu"), max_length=64, blank=True)
    subject_account_id = models.BigIntegerField(
        _("mã tài khoản chủ thể dữ liệu"), null=True, blank=True
    )

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("lượt xem dữ liệu")
        verbose_name_plural = pgettext_lazy("plural", "nhật ký truy cập dữ liệu")
        ordering = ["-at", "-id"]
        indexes = [
            # The citizen's log (GET /api/v1/me/access-log/), newest first.
            models.Index(fields=["subject_key", "-at", "-id"], name="accesslog_subject_recent"),
            models.Index(
                fields=["subject_account_id", "-at", "-id"],
                condition=models.Q(subject_account_id__isnull=False),
                name="accesslog_account_recent",
            ),
            # The administrators' search: by reader, agency, dossier, period.
            models.Index(fields=["reader_username", "-at"], name="accesslog_reader_recent"),
            models.Index(fields=["reader_agency_code", "-at"], name="accesslog_agency_recent"),
            models.Index(fields=["dossier_code", "-at"], name="accesslog_dossier_recent"),
            models.Index(fields=["-at", "-id"], name="accesslog_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.reader_username} {self.get_kind_display()} {self.dossier_code}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse("update")
        kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse("delete")
