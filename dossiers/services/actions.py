"""One service per action of the state machine (docs/architecture.md, principle 1).

Each takes keyword arguments, runs in one transaction through `core.perform` (lock, check the
actor, transition, deadlines, save, Event), and returns the dossier.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core.calendar import get_calendar
from core.errors import DomainError
from procedures.models import SupplementRule

from .. import rules
from ..models import Dossier, DossierStatus, Outcome, Pause, PauseKind, ReturnMethod, StepRun
from .core import Change, close_step, next_step, open_step, perform


def _require(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(
            _("Cần nêu rõ lý do."), code="invalid", errors={field: [_("Trường này là bắt buộc.")]}
        )
    return text


def _start_step(dossier: Dossier, step: dict, assignee, now, agency=None) -> StepRun:
    return StepRun.objects.create(
        dossier=dossier,
        order=step["order"],
        name=step["name"],
        role=step["role"],
        agency=agency or dossier.handling_agency,
        assignee=assignee,
        started_at=now,
        due_at=rules.step_due(dossier.terms, step["share"], now),
    )


def _staff_of_handling_agency(dossier: Dossier, user_id, *roles) -> object:
    roles = roles or (Role.PROCESSING_OFFICER, Role.LEADER)
    user = (
        get_user_model()
        .objects.filter(pk=user_id, agency_id=dossier.handling_agency_id, role__in=roles)
        .filter(is_active=True)
        .first()
    )
    if user is None:
        raise DomainError(
            _("Người được giao phải là cán bộ đang làm việc tại cơ quan giải quyết."),
            code="invalid_assignee",
            errors={"assignee": [_("Người được giao không hợp lệ.")]},
        )
    return user


# --- at receipt -------------------------------------------------------------------------------
def receive(*, dossier, actor, note: str = "") -> Dossier:
    """Complete: receive it, start the clock, promise the return date (Mẫu 01)."""
    from .intake import record_receipt_step

    change = Change(note=note)

    def after(d: Dossier):
        now = timezone.now()
        d.received_at = now
        d.due_at = d.original_due_at = rules.due_from(d.terms, now)
        record_receipt_step(d, actor, now)
        change.payload = {"due_at": d.due_at.isoformat()}

    change.after = after
    return perform(dossier, actor, "receive", change)


def refuse_receipt(*, dossier, actor, reason: str) -> Dossier:
    """Not acceptable: refuse receipt with reasons (Mẫu 03)."""
    reason = _require(reason, "reason")

    def after(d: Dossier):
        d.outcome_reason = reason
        d.finished_at = timezone.now()

    return perform(dossier, actor, "refuse_receipt", Change(after=after, note=reason))


# --- supplements ------------------------------------------------------------------------------
def request_supplement(*, dossier, actor, items: list[str], reason: str = "") -> Dossier:
    """Ask once and completely for every missing item (Mẫu 02); the clock stops."""
    items = [str(i).strip() for i in items or [] if str(i).strip()]
    if not items:
        raise DomainError(
            _("Phải liệt kê đầy đủ các giấy tờ cần bổ sung."),
            code="invalid",
            errors={"items": [_("Danh sách giấy tờ cần bổ sung không được để trống.")]},
        )

    def before(d: Dossier):
        now = timezone.now()
        pause = Pause.objects.create(
            dossier=d,
            kind=PauseKind.SUPPLEMENT,
            reason="\n".join(items) + (f"\n{reason}" if reason else ""),
            resume_to=d.status,
            opened_at=now,
            opened_by=actor,
            respond_by=rules.supplement_deadline(d.terms, now),
            due_at_when_opened=d.due_at,
        )
        phase["at_receipt"] = d.status == DossierStatus.NEW
        phase["respond_by"] = pause.respond_by

    def after(d: Dossier):
        # After the transition: its conditions judge the dossier as it was.
        if phase["at_receipt"]:
            d.supplement_asked_at_receipt = True
        else:
            d.supplement_asked_in_processing = True
        d.supplement_deadline = phase["respond_by"]

    phase: dict = {}
    return perform(
        dossier,
        actor,
        "request_supplement",
        Change(before=before, after=after, note=reason, payload={"items": items}),
    )


def _close_pause(d: Dossier, actor, now) -> Pause | None:
    """End the open pause, if any. The open internal step gets the paused office time back:
    the handler is not late for time the applicant (or the payment) took."""
    pause = d.pauses.filter(closed_at__isnull=True).first()
    if pause is None:
        return None
    pause.closed_at = now
    pause.closed_by = actor
    pause.save(update_fields=["closed_at", "closed_by"])
    d.supplement_deadline = None
    run = open_step(d)
    if run is not None and run.due_at is not None:
        run.due_at = rules.shifted_due(run.due_at, pause.opened_at, now)
        run.save(update_fields=["due_at"])
    return pause


def supplement(*, dossier, actor, note: str = "") -> Dossier:
    """The applicant has supplied what was asked. During processing the clock restarts from
    zero, or shifts by the paused time, as the procedure's rule says."""
    change = Change(note=note)

    def before(d: Dossier):
        now = timezone.now()
        pause = _close_pause(d, actor, now)
        if pause is None:  # pragma: no cover - the state machine guarantees one
            raise DomainError(_("Hồ sơ không có yêu cầu bổ sung nào đang mở."), code="no_pause")
        if d.received_at is not None:
            if d.terms.get("supplement_rule", SupplementRule.RESTART) == SupplementRule.SHIFT:
                d.due_at = rules.shifted_due(pause.due_at_when_opened, pause.opened_at, now)
            else:
                d.due_at = rules.due_from(d.terms, now)
        # The state to resume is only known once the pause is read, inside the lock.
        change.args = (pause.resume_to,)
        change.payload = {
            "rule": d.terms.get("supplement_rule"),
            "due_at": d.due_at.isoformat() if d.due_at else None,
        }

    change.before = before
    return perform(dossier, actor, "supplement", change)


# --- processing ---------------------------------------------------------------------------------
def assign(*, dossier, actor, assignee: int, note: str = "") -> Dossier:
    """The head of the handling agency assigns a handler: processing starts."""

    def after(d: Dossier):
        user = _staff_of_handling_agency(d, assignee)
        d.assignee = user
        step = next_step(d, role="specialist") or next_step(d)
        if step:
            _start_step(d, step, user, timezone.now())

    return perform(
        dossier, actor, "assign", Change(after=after, note=note, payload={"assignee": assignee})
    )


def hand_over(*, dossier, actor, assignee: int, note: str = "") -> Dossier:
    """Hand the dossier to the next internal step (process-control slip, Mẫu 06)."""

    def after(d: Dossier):
        now = timezone.now()
        step = next_step(d)
        if step is None or step["role"] == "return":
            raise DomainError(
                _("Không còn bước xử lý nội bộ nào: hãy phê duyệt hoặc từ chối."),
                code="no_next_step",
            )
        roles = (Role.LEADER,) if step["role"] == "leader" else ()
        user = _staff_of_handling_agency(d, assignee, *roles)
        close_step(d, now, note)
        d.assignee = user
        _start_step(d, step, user, now)

    return perform(
        dossier, actor, "hand_over", Change(after=after, note=note, payload={"assignee": assignee})
    )


def request_payment(*, dossier, actor, amount: int | None = None, note: str = "") -> Dossier:
    """Ask for the fees or other financial obligation; the clock stops until paid."""

    def before(d: Dossier):
        Pause.objects.create(
            dossier=d,
            kind=PauseKind.PAYMENT,
            reason=note,
            resume_to=d.status,
            opened_at=timezone.now(),
            opened_by=actor,
            due_at_when_opened=d.due_at,
        )

    return perform(
        dossier,
        actor,
        "request_payment",
        Change(before=before, note=note, payload={"amount": amount}),
    )


def confirm_payment(*, dossier, actor, paid_online: bool = False, note: str = "") -> Dossier:
    """Paid: the clock runs again, shifted by the time it waited."""

    change = Change(note=note)

    def before(d: Dossier):
        now = timezone.now()
        pause = _close_pause(d, actor, now)
        if pause is None:  # pragma: no cover - the state machine guarantees one
            raise DomainError(_("Hồ sơ không có yêu cầu nào đang mở."), code="no_pause")
        d.due_at = rules.shifted_due(pause.due_at_when_opened, pause.opened_at, now)
        d.paid_online = d.paid_online or paid_online
        change.payload = {"paid_online": paid_online, "due_at": d.due_at.isoformat()}

    change.before = before
    return perform(dossier, actor, "confirm_payment", change)


def _finish(d: Dossier, actor, outcome: str, reason: str, e_result: bool) -> None:
    now = timezone.now()
    close_step(d, now, reason)
    d.outcome = outcome
    d.outcome_reason = reason
    d.finished_at = now
    d.has_e_result = e_result
    d.assignee = None
    if e_result:
        from .results import issue_e_result

        issue_e_result(d, actor, now)
    step = next_step(d, role="return")
    if step:
        _start_step(d, step, None, now, agency=d.receiving_agency)


def approve(*, dossier, actor, note: str = "", e_result: bool = False) -> Dossier:
    """The leader approves and signs: the result is ready. With `e_result`, the result
    document is made as a PDF, digitally signed, and kept in the results store and in the
    applicant's data store (services.results)."""
    return perform(
        dossier,
        actor,
        "approve",
        Change(
            after=lambda d: _finish(d, actor, Outcome.APPROVED, note, e_result),
            note=note,
            payload={"e_result": e_result},
        ),
    )


def refuse(*, dossier, actor, reason: str) -> Dossier:
    """The leader refuses with reasons; the reasoned refusal is the result."""
    reason = _require(reason, "reason")
    return perform(
        dossier,
        actor,
        "refuse",
        Change(after=lambda d: _finish(d, actor, Outcome.REFUSED, reason, False), note=reason),
    )


def return_result(*, dossier, actor, method: str | None = None, note: str = "") -> Dossier:
    """Hand the result over (logbook, Mẫu 07)."""
    if method is not None and method not in ReturnMethod.values:
        raise DomainError(
            _("Hình thức trả kết quả không hợp lệ."),
            code="invalid",
            errors={"method": [_("Giá trị không hợp lệ.")]},
        )

    def after(d: Dossier):
        now = timezone.now()
        close_step(d, now, note)
        d.returned_at = now
        if method:
            d.return_method = method

    return perform(
        dossier, actor, "return_result", Change(after=after, note=note, payload={"method": method})
    )


# --- endings and apologies -------------------------------------------------------------------
def _end(d: Dossier, actor, reason: str) -> None:
    now = timezone.now()
    _close_pause(d, actor, now)
    close_step(d, now, reason)
    d.outcome_reason = reason
    d.finished_at = now
    d.assignee = None


def withdraw(*, dossier, actor, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier while no result exists (stop notice, Mẫu 05)."""
    reason = (reason or "").strip() or _("Công dân đề nghị rút hồ sơ.")
    return perform(
        dossier, actor, "withdraw", Change(after=lambda d: _end(d, actor, reason), note=reason)
    )


def stop(*, dossier, actor, reason: str) -> Dossier:
    """The agency stops processing, with reasons (e.g. the supplement window ran out)."""
    reason = _require(reason, "reason")
    return perform(
        dossier, actor, "stop", Change(after=lambda d: _end(d, actor, reason), note=reason)
    )


def reschedule(*, dossier, actor, reason: str, new_due_at: datetime) -> Dossier:
    """Apologise and promise a new date (Mẫu 04): before the due date, at most once."""
    reason = _require(reason, "reason")

    # The new appointment falls in office hours.
    new_due = get_calendar().in_office_time(new_due_at)

    def before(d: Dossier):
        if new_due <= d.due_at:
            raise DomainError(
                _("Ngày hẹn mới phải sau ngày hẹn hiện tại."),
                code="invalid",
                errors={"new_due_at": [_("Ngày hẹn mới phải sau ngày hẹn hiện tại.")]},
            )
        limit = rules.reschedule_limit(d)
        if new_due > limit:
            raise DomainError(
                _("Ngày hẹn mới quá xa: không được quá %(limit)s.")
                % {"limit": timezone.localtime(limit).strftime("%d/%m/%Y %H:%M")},
                code="invalid",
                errors={"new_due_at": [_("Ngày hẹn mới vượt quá giới hạn cho phép.")]},
            )

    def after(d: Dossier):
        # After the transition: its conditions judge the dossier as it was.
        d.reschedule_count += 1
        d.due_at = new_due

    return perform(
        dossier,
        actor,
        "reschedule",
        Change(
            before=before,
            after=after,
            note=reason,
            payload={"due_at": new_due.isoformat()},
        ),
    )
