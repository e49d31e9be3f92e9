"""The one door: lock the dossier, check the actor, run the transition, save, record the event.

Every write to a dossier goes through `perform()` (or, for creation, `record_event()` inside the
creating transaction). The portal-sync issue hooks its outbox onto `signals.event_recorded`,
which is sent inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from core.errors import Conflict, Forbidden, NotFound

from .. import permissions as perm
from ..labels import action_label
from ..models import Dossier, Event, StepRun, StepTiming
from ..models.dossier import (
    internal_step_left,
    never_rescheduled,
    not_yet_due,
    supplement_in_time,
    supplement_not_yet_requested,
    supplement_request_in_time,
)
from ..signals import event_recorded

# Why a condition failed, for the problem+json answer.
CONDITION_ERRORS: dict[Callable, tuple[str, str]] = {
    never_rescheduled: (
        "already_rescheduled",
        gettext_lazy("Hồ sơ đã được hẹn lại một lần; ngày hẹn chỉ được điều chỉnh một lần."),
    ),
    not_yet_due: (
        "past_due",
        gettext_lazy("Đã quá hạn giải quyết: phải xin lỗi và hẹn lại trước hạn."),
    ),
    supplement_not_yet_requested: (
        "supplement_already_requested",
        gettext_lazy(
            "Đã yêu cầu bổ sung ở bước này: yêu cầu bổ sung phải nêu một lần, đầy đủ các giấy tờ."
        ),
    ),
    supplement_request_in_time: (
        "supplement_window_closed",
        gettext_lazy("Đã quá 3 ngày làm việc kể từ ngày tiếp nhận: không thể yêu cầu bổ sung."),
    ),
    internal_step_left: (
        "no_next_step",
        gettext_lazy("Không còn bước xử lý nội bộ nào: hãy phê duyệt hoặc từ chối."),
    ),
    supplement_in_time: (
        "supplement_deadline_passed",
        gettext_lazy("Đã hết thời hạn bổ sung hồ sơ; cơ quan sẽ dừng xử lý hồ sơ."),
    ),
}


def transition_names() -> list[str]:
    return [t.name for t in Dossier._meta.get_field("status").get_all_transitions(Dossier)]


TRANSITIONS = frozenset(transition_names())


def available_actions(dossier: Dossier, user) -> list[str]:
    """What `user` may do to `dossier` now (state, conditions and permission all allow it)."""
    if user is None or not user.is_authenticated:
        return []
    return sorted(
        {t.name for t in dossier.get_available_user_status_transitions(user)}  # type: ignore[attr-defined]
    )


def lock(dossier_ref, actor) -> Dossier:
    """Load and lock the dossier row; a dossier outside the actor's scope does not exist."""
    queryset = Dossier.objects.select_for_update(of=("self",)).select_related(
        "applicant", "procedure", "receiving_agency", "handling_agency"
    )
    try:
        if isinstance(dossier_ref, Dossier):
            dossier = queryset.get(pk=dossier_ref.pk)
        else:
            dossier = queryset.get(code=str(dossier_ref))
    except Dossier.DoesNotExist:
        raise NotFound(_("Không tìm thấy hồ sơ.")) from None
    if not perm.can_view(dossier, actor):
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return dossier


def check(dossier: Dossier, action: str, actor) -> None:
    """Permission (403), then state (409 transition_not_allowed), then conditions (409)."""
    meta = getattr(dossier, action)._django_fsm
    current = meta.get_transition(dossier.status)  # None: not allowed from this state
    # Every source of one action names the same permission; judge the actor by it.
    reference = current or next(iter(meta.transitions.values()))
    if not reference.has_perm(dossier, actor):
        raise Forbidden(
            _("Bạn không có quyền thực hiện thao tác này đối với hồ sơ."),
            extra={"action": action},
        )
    if current is None:
        raise Conflict(
            _("Không thể thực hiện thao tác “%(action)s” khi hồ sơ ở trạng thái “%(status)s”.")
            % {"action": action_label(action), "status": dossier.get_status_display()},
            code="transition_not_allowed",
            extra={
                "dossier_status": dossier.status,
                "allowed_actions": available_actions(dossier, actor),
            },
        )
    for condition in current.conditions:
        if not condition(dossier):
            code, message = CONDITION_ERRORS.get(
                condition, ("condition_failed", gettext_lazy("Chưa đủ điều kiện thực hiện."))
            )
            raise Conflict(
                message,
                code=code,
                extra={"allowed_actions": available_actions(dossier, actor)},
            )


@dataclass
class Change:
    """What a service wants done around the transition."""

    before: Callable[[Dossier], None] | None = None
    after: Callable[[Dossier], None] | None = None
    args: tuple = ()
    note: str = ""
    payload: dict = field(default_factory=dict)


def perform(dossier_ref, actor, action: str, change: Change | None = None) -> Dossier:
    change = change or Change()
    with transaction.atomic():
        dossier = lock(dossier_ref, actor)
        check(dossier, action, actor)
        from_status = dossier.status
        if change.before:
            change.before(dossier)
        try:
            getattr(dossier, action)(*change.args)
        except TransitionNotAllowed as exc:  # a safety net: check() has passed just before
            raise Conflict(
                _("Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ."),
                code="transition_not_allowed",
                extra={"allowed_actions": available_actions(dossier, actor)},
            ) from exc
        if change.after:
            change.after(dossier)
        note_next_step(dossier)
        try:
            dossier.save()
        except ConcurrentTransition as exc:
            raise Conflict(
                _("Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại."),
                code="concurrent_update",
            ) from exc
        record_event(
            dossier,
            action,
            actor,
            from_status=from_status,
            note=change.note,
            payload=change.payload,
        )
    return dossier


def record_event(
    dossier: Dossier, action: str, actor, *, from_status: str = "", note: str = "", payload=None
) -> Event:
    event = Event.objects.create(
        dossier=dossier,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        actor=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
        note=note,
        payload=payload or {},
    )
    event_recorded.send(sender=Event, event=event, dossier=dossier)
    return event


# --- the process-control slip (Mẫu 06) ----------------------------------------------------------
def timing_of(finished_at, due_at) -> str:
    if due_at is None:
        return StepTiming.ON_TIME
    if finished_at > due_at:
        return StepTiming.LATE
    from core.calendar import LOCAL_TZ

    if finished_at.astimezone(LOCAL_TZ).date() < due_at.astimezone(LOCAL_TZ).date():
        return StepTiming.EARLY
    return StepTiming.ON_TIME


def open_step(dossier: Dossier) -> StepRun | None:
    return dossier.step_runs.filter(finished_at__isnull=True).first()


def close_step(dossier: Dossier, now, note: str = "") -> StepRun | None:
    run = open_step(dossier)
    if run:
        run.finished_at = now
        run.timing = timing_of(now, run.due_at)
        if note:
            run.note = note
        run.save(update_fields=["finished_at", "timing", "note"])
    return run


def note_next_step(dossier: Dossier) -> None:
    """Keep `next_step_role` in step with the step runs."""
    step = next_step(dossier)
    dossier.next_step_role = step["role"] if step else ""


def next_step(dossier: Dossier, *, role: str | None = None) -> dict | None:
    """The next step of the frozen process after the last one run (optionally of a role)."""
    last = dossier.step_runs.order_by("-order").values_list("order", flat=True).first() or 0
    for step in dossier.terms.get("steps", []):
        if step["order"] > last and (role is None or step["role"] == role):
            return step
    return None
