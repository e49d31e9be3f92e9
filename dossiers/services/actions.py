"""One service per transition of the state machine (docs/architecture.md, "The one door").

Each takes keyword arguments — the dossier (a `Dossier` or its code), the actor, and the
action's own inputs — runs inside `dossier_action()` (lock, judge the actor, transition, the
service's work, save, Event, `dossier_changed`) and returns the dossier.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core.calendar import get_calendar
from core.errors import DomainError
from procedures.models import StepRole, SupplementRule

from .. import rules
from ..models import Dossier, DossierAction, DossierStatus, Outcome, Pause, PauseKind, ReturnMethod
from . import fees, steps
from .door import Act, DossierRef, dossier_action
from .results import issue_e_result

A = DossierAction


def _require(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(
            _("Cần nêu rõ lý do."), code="invalid", errors={field: [_("Trường này là bắt buộc.")]}
        )
    return text


def _staff_of_handling_agency(dossier: Dossier, user_id: int, *roles: str):
    roles = roles or (Role.PROCESSING_OFFICER, Role.LEADER)
    user = (
        get_user_model()
        .objects.filter(
            pk=user_id, agency_id=dossier.handling_agency_id, role__in=roles, is_active=True
        )
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
def receive(*, dossier: DossierRef, actor, note: str = "") -> Dossier:
    """Complete: receive it, start the clock, promise the return date (Mẫu 01)."""
    with dossier_action(dossier, actor, A.RECEIVE) as act:
        d = act.dossier
        d.receive()
        d.received_at = act.now
        d.due_at = d.original_due_at = rules.due_from(d.terms, act.now)
        steps.record_receipt(d, actor, act.now)
        # No step runs before a dossier's receipt (steps start at the receipt, the assignment,
        # a hand-over, the decision), and the receipt's is done at once: none is open (the door
        # need not read the step runs for the watch moment).
        act.open_run = None
        act.done(note=note, payload={"due_at": d.due_at.isoformat()})
    return d


def refuse_receipt(*, dossier: DossierRef, actor, reason: str) -> Dossier:
    """Not acceptable: refuse receipt with reasons (Mẫu 03)."""
    reason = _require(reason, "reason")
    with dossier_action(dossier, actor, A.REFUSE_RECEIPT) as act:
        d = act.dossier
        d.refuse_receipt()
        d.outcome_reason = reason
        d.finished_at = act.now
        act.done(note=reason, payload=fees.request_refunds(act))
    return d


# --- supplements ------------------------------------------------------------------------------
def request_supplement(
    *, dossier: DossierRef, actor, items: list[str], reason: str = ""
) -> Dossier:
    """Ask once and completely for every missing item (Mẫu 02); the clock stops."""
    items = [str(i).strip() for i in items or [] if str(i).strip()]
    if not items:
        raise DomainError(
            _("Phải liệt kê đầy đủ các giấy tờ cần bổ sung."),
            code="invalid",
            errors={"items": [_("Danh sách giấy tờ cần bổ sung không được để trống.")]},
        )
    with dossier_action(dossier, actor, A.REQUEST_SUPPLEMENT) as act:
        d = act.dossier
        at_receipt = d.status == DossierStatus.NEW
        pause = Pause.objects.create(
            dossier=d,
            kind=PauseKind.SUPPLEMENT,
            reason="\n".join(items) + (f"\n{reason}" if reason else ""),
            resume_to=d.status,
            opened_at=act.now,
            opened_by=actor,
            respond_by=rules.supplement_deadline(d.terms, act.now),
            due_at_when_opened=d.due_at,
        )
        d.request_supplement()
        # After the transition: its conditions judged the dossier as it was.
        if at_receipt:
            d.supplement_asked_at_receipt = True
        else:
            d.supplement_asked_in_processing = True
        d.supplement_deadline = pause.respond_by
        act.done(note=reason, payload={"items": items})
    return d


def _close_pause(act: Act) -> Pause | None:
    """End the open pause, if any. The open internal step gets the paused office time back:
    the handler is not late for time the applicant (or the payment) took."""
    d = act.dossier
    pause = d.pauses.filter(closed_at__isnull=True).first()
    if pause is None:
        return None
    pause.closed_at = act.now
    # The system (the watchdog's automatic stop) is no user: recorded as nobody.
    pause.closed_by = act.actor if getattr(act.actor, "pk", None) else None
    pause.save(update_fields=["closed_at", "closed_by"])
    d.supplement_deadline = None
    run = steps.open_step(d)
    if run is not None and run.due_at is not None:
        run.due_at = rules.shifted_due(run.due_at, pause.opened_at, act.now)
        run.save(update_fields=["due_at"])
    return pause


def supplement(*, dossier: DossierRef, actor, note: str = "") -> Dossier:
    """The applicant has supplied what was asked. During processing the clock restarts from
    zero, or shifts by the paused time, as the procedure's rule says."""
    with dossier_action(dossier, actor, A.SUPPLEMENT) as act:
        d = act.dossier
        pause = _close_pause(act)
        if pause is None:  # pragma: no cover - the state machine guarantees one
            raise DomainError(_("Hồ sơ không có yêu cầu bổ sung nào đang mở."), code="no_pause")
        if d.received_at is not None:
            if d.terms.get("supplement_rule", SupplementRule.RESTART) == SupplementRule.SHIFT:
                d.due_at = rules.shifted_due(pause.due_at_when_opened, pause.opened_at, act.now)
            else:
                d.due_at = rules.due_from(d.terms, act.now)
        # Back to where it was when the request went out.
        d.supplement(pause.resume_to)
        act.done(
            note=note,
            payload={
                "rule": d.terms.get("supplement_rule"),
                "due_at": d.due_at.isoformat() if d.due_at else None,
            },
        )
    return d


# --- processing ---------------------------------------------------------------------------------
def assign(*, dossier: DossierRef, actor, assignee: int, note: str = "") -> Dossier:
    """The head of the handling agency assigns a handler: processing starts."""
    with dossier_action(dossier, actor, A.ASSIGN) as act:
        d = act.dossier
        d.assign()
        user = _staff_of_handling_agency(d, assignee)
        d.assignee = user
        step = steps.next_step(d, role=StepRole.SPECIALIST) or steps.next_step(d)
        if step:
            steps.start_step(d, step, user, act.now)
        act.done(note=note, payload={"assignee": assignee})
    return d


def hand_over(*, dossier: DossierRef, actor, assignee: int, note: str = "") -> Dossier:
    """Hand the dossier to the next internal step (process-control slip, Mẫu 06)."""
    with dossier_action(dossier, actor, A.HAND_OVER) as act:
        d = act.dossier
        d.hand_over()
        step = steps.next_step(d)
        if step is None or step["role"] == StepRole.RETURN:  # pragma: no cover - a condition
            raise DomainError(
                _("Không còn bước xử lý nội bộ nào: hãy phê duyệt hoặc từ chối."),
                code="no_next_step",
            )
        roles = (Role.LEADER,) if step["role"] == StepRole.LEADER else ()
        user = _staff_of_handling_agency(d, assignee, *roles)
        steps.close_step(d, act.now, note)
        d.assignee = user
        steps.start_step(d, step, user, act.now)
        act.done(note=note, payload={"assignee": assignee})
    return d


def request_payment(
    *, dossier: DossierRef, actor, amount: int | None = None, note: str = ""
) -> Dossier:
    """Ask for the fees or other financial obligation; the clock stops until paid."""
    with dossier_action(dossier, actor, A.REQUEST_PAYMENT) as act:
        d = act.dossier
        Pause.objects.create(
            dossier=d,
            kind=PauseKind.PAYMENT,
            reason=note,
            resume_to=d.status,
            opened_at=act.now,
            opened_by=actor,
            due_at_when_opened=d.due_at,
        )
        d.request_payment()
        if amount and not fees.owed_lines(d).exists():
            fees.add_requested_line(d, amount, note)
        act.done(note=note, payload={"amount": amount})
    return d


def confirm_payment(
    *, dossier: DossierRef, actor, paid_online: bool = False, note: str = ""
) -> Dossier:
    """Paid: the clock runs again, shifted by the time it waited."""
    with dossier_action(dossier, actor, A.CONFIRM_PAYMENT) as act:
        d = act.dossier
        pause = _close_pause(act)
        if pause is None:  # pragma: no cover - the state machine guarantees one
            raise DomainError(_("Hồ sơ không có yêu cầu nào đang mở."), code="no_pause")
        d.due_at = rules.shifted_due(pause.due_at_when_opened, pause.opened_at, act.now)
        d.paid_online = d.paid_online or paid_online
        fees.settle_confirmed(act, paid_online)
        d.confirm_payment()
        act.done(note=note, payload={"paid_online": paid_online, "due_at": d.due_at.isoformat()})
    return d


def _finish(act: Act, outcome: str, reason: str, e_result: bool) -> None:
    d = act.dossier
    steps.close_step(d, act.now, reason)
    d.outcome = outcome
    d.outcome_reason = reason
    d.finished_at = act.now
    d.has_e_result = e_result
    d.assignee = None
    if e_result:
        issue_e_result(d, act.actor, act.now)
    step = steps.next_step(d, role=StepRole.RETURN)
    if step:
        steps.start_step(d, step, None, act.now, agency=d.receiving_agency)


def approve(*, dossier: DossierRef, actor, note: str = "", e_result: bool = False) -> Dossier:
    """The leader approves and signs: the result is ready. With `e_result`, the result
    document is made as a PDF, digitally signed, and kept in the results store and in the
    applicant's data store (services.results)."""
    with dossier_action(dossier, actor, A.APPROVE) as act:
        act.dossier.approve()
        _finish(act, Outcome.APPROVED, note, e_result)
        act.done(note=note, payload={"e_result": e_result})
    return act.dossier


def refuse(*, dossier: DossierRef, actor, reason: str) -> Dossier:
    """The leader refuses with reasons; the reasoned refusal is the result."""
    reason = _require(reason, "reason")
    with dossier_action(dossier, actor, A.REFUSE) as act:
        act.dossier.refuse()
        _finish(act, Outcome.REFUSED, reason, False)
        act.done(note=reason, payload=fees.request_refunds(act))
    return act.dossier


def return_result(
    *, dossier: DossierRef, actor, method: str | None = None, note: str = ""
) -> Dossier:
    """Hand the result over (logbook, Mẫu 07)."""
    if method is not None and method not in ReturnMethod.values:
        raise DomainError(
            _("Hình thức trả kết quả không hợp lệ."),
            code="invalid",
            errors={"method": [_("Giá trị không hợp lệ.")]},
        )
    with dossier_action(dossier, actor, A.RETURN_RESULT) as act:
        d = act.dossier
        d.return_result()
        steps.close_step(d, act.now, note)
        d.returned_at = act.now
        if method:
            d.return_method = method
        act.done(note=note, payload={"method": method})
    return d


# --- endings and apologies -------------------------------------------------------------------
def _end(act: Act, reason: str) -> None:
    d = act.dossier
    _close_pause(act)
    steps.close_step(d, act.now, reason)
    d.outcome_reason = reason
    d.finished_at = act.now
    d.assignee = None


def withdraw(*, dossier: DossierRef, actor, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier while no result exists (stop notice, Mẫu 05)."""
    reason = (reason or "").strip() or _("Công dân đề nghị rút hồ sơ.")
    with dossier_action(dossier, actor, A.WITHDRAW) as act:
        act.dossier.withdraw()
        _end(act, reason)
        act.done(note=reason, payload=fees.request_refunds(act))
    return act.dossier


def stop(*, dossier: DossierRef, actor, reason: str) -> Dossier:
    """The agency stops processing, with reasons (e.g. the supplement window ran out)."""
    reason = _require(reason, "reason")
    with dossier_action(dossier, actor, A.STOP) as act:
        act.dossier.stop()
        _end(act, reason)
        act.done(note=reason, payload=fees.request_refunds(act))
    return act.dossier


def reschedule(*, dossier: DossierRef, actor, reason: str, new_due_at: datetime) -> Dossier:
    """Apologise and promise a new date (Mẫu 04): at most once, no later than one working day
    before the due date (the `apology_in_time` condition)."""
    reason = _require(reason, "reason")
    # The new appointment falls in office hours.
    new_due = get_calendar().in_office_time(new_due_at)
    with dossier_action(dossier, actor, A.RESCHEDULE) as act:
        d = act.dossier
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
        d.reschedule()
        # After the transition: its conditions judged the dossier as it was.
        d.reschedule_count += 1
        d.due_at = new_due
        act.done(note=reason, payload={"due_at": new_due.isoformat()})
    return d
