"""The vocabulary of a dossier's life: its statuses (the national portal's TrangThaiHoSo 1–10 map
onto them, docs/domain.md §3), their groups, channels, return methods and outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierStatus(models.TextChoices):
    NEW = "new", _("Mới nộp, chờ tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    NOT_RECEIVED = "not_received", _("Từ chối tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")


S = DossierStatus

# --- status groups, declared once (indicators and integrations import them) --------------------
# The statutory clock runs in these states.
RUNNING = frozenset({S.RECEIVED, S.PROCESSING})
# The clock is stopped: waiting for the applicant's supplement or payment (the index's 5/6).
PAUSED = frozenset({S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT})
# Received and not finished: the index's "in process".
IN_PROCESS = RUNNING | PAUSED
# The index counts 7/9/10 as finished (docs/domain.md §3); 3 and 8 are closed without a result.
FINISHED = frozenset({S.WITHDRAWN, S.RESULT_READY, S.RETURNED})
# A result exists (approved or a reasoned refusal).
RESOLVED = frozenset({S.RESULT_READY, S.RETURNED})
# Nothing more will happen to the dossier.
CLOSED = frozenset({S.NOT_RECEIVED, S.STOPPED, S.WITHDRAWN, S.RETURNED})
# Someone in the province still has work to do (the default work queue).
OPEN = IN_PROCESS | {S.NEW, S.RESULT_READY}
# Not received yet, waiting at the counter (new, or asked to supplement before receipt).
AWAITING_RECEIPT = frozenset({S.NEW, S.SUPPLEMENT_REQUESTED})
# The applicant may withdraw while no result exists; the agency may stop what it received.
WITHDRAWABLE = IN_PROCESS | {S.NEW}
STOPPABLE = IN_PROCESS


def status_values(group: frozenset) -> list[str]:
    """A group's values in the order of the status enum (stable in index definitions)."""
    return [status.value for status in DossierStatus if status in group]


# Kept for the index definitions and callers that want a list.
CLOCK_RUNNING = tuple(status_values(RUNNING))
OPEN_STATES = status_values(OPEN)


class Channel(models.IntegerChoices):
    """KenhThucHien of the national portal."""

    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POST = 3, _("Qua dịch vụ bưu chính công ích")


class ReturnMethod(models.TextChoices):
    COUNTER = "counter", _("Nhận tại bộ phận một cửa")
    POST = "post", _("Qua dịch vụ bưu chính công ích")
    ONLINE = "online", _("Trực tuyến")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Chấp thuận")
    REFUSED = "refused", _("Từ chối giải quyết")
