"""Recording a rating: the one write of this app (docs/satisfaction.md).

- `rateable(dossier)`: after the result is returned, after a reasoned refusal (the refusal is the
  result) and after a refused receipt;
- `record(...)`: once per dossier (a second one is a 409 `already_rated`), tied to the dossier and
  its handling agency, never updated afterwards (there is no update path); sends
  `rating_recorded` in its transaction so the counters move with it;
- `link_token(dossier)` / `dossier_of_token(token)`: the signed link of the notices.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError
from dossiers import links
from dossiers.models import Dossier, DossierStatus, Outcome

from .models import COMMENT_MAX, Level, Rating
from .signals import rating_recorded

LINK_SALT = "onecua.satisfaction.rating-link"


def rateable(dossier: Dossier) -> bool:
    """The applicant may rate once the dossier is over for them: the result returned, a reasoned
    refusal decided (result_ready with outcome refused), or the receipt refused."""
    if dossier.status in (DossierStatus.RETURNED, DossierStatus.NOT_RECEIVED):
        return True
    return dossier.status == DossierStatus.RESULT_READY and dossier.outcome == Outcome.REFUSED


def _clean_comment(value, name: str) -> str:
    value = (value or "").strip()
    if len(value) > COMMENT_MAX:
        raise DomainError(
            _("Ý kiến quá dài (tối đa %(n)d ký tự).") % {"n": COMMENT_MAX},
            code="invalid",
            errors={name: [_("Tối đa %(n)d ký tự.") % {"n": COMMENT_MAX}]},
        )
    return value


def record(
    dossier: Dossier,
    *,
    level: str,
    channel: str,
    submitted_by=None,
    comment_attitude: str = "",
    comment_time: str = "",
    comment_procedure: str = "",
) -> Rating:
    if level not in Level.values:
        raise DomainError(
            _("Mức độ hài lòng không hợp lệ."),
            code="invalid",
            errors={"level": [_("Chọn một trong: %(v)s.") % {"v": ", ".join(Level.values)}]},
        )
    comments = {
        "comment_attitude": _clean_comment(comment_attitude, "comment_attitude"),
        "comment_time": _clean_comment(comment_time, "comment_time"),
        "comment_procedure": _clean_comment(comment_procedure, "comment_procedure"),
    }
    with transaction.atomic():
        # The row's current status, read under its lock (a concurrent change waits).
        locked = Dossier.objects.select_for_update().select_related("procedure").get(pk=dossier.pk)
        if Rating.objects.filter(dossier_id=locked.pk).exists():
            raise Conflict(
                _("Hồ sơ này đã được đánh giá; không thể đánh giá lại."), code="already_rated"
            )
        if not rateable(locked):
            raise Conflict(
                _("Chỉ đánh giá được sau khi đã trả kết quả hoặc từ chối hồ sơ."),
                code="not_rateable",
            )
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    dossier=locked,
                    agency_id=locked.handling_agency_id,
                    level=level,
                    channel=channel,
                    submitted_by=submitted_by,
                    **comments,
                )
        except IntegrityError as exc:  # a concurrent rating won the unique key
            raise Conflict(
                _("Hồ sơ này đã được đánh giá; không thể đánh giá lại."), code="already_rated"
            ) from exc
        rating_recorded.send(sender=Rating, rating=rating, dossier=locked)
    return rating


# --- the signed link ----------------------------------------------------------------------------
def link_token(dossier: Dossier) -> str:
    return links.sign(dossier, LINK_SALT)


def dossier_of_token(token: str) -> Dossier:
    """The dossier a link names; a forged, altered or expired token is a 404 (nothing told)."""
    return links.dossier_of(
        token,
        salt=LINK_SALT,
        max_age=settings.SATISFACTION_LINK_MAX_AGE,
        expired=_("Đường dẫn đánh giá đã hết hạn."),
        invalid=_("Đường dẫn đánh giá không hợp lệ."),
    )


def link_url(dossier: Dossier) -> str:
    return f"{settings.ONECUA_PUBLIC_BASE_URL}/danh-gia/{link_token(dossier)}/"
