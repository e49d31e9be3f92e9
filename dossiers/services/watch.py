"""The watchdog's writes through the one door (docs/watchdog.md): they keep the status, are
recorded as events of the dossier (so the notices follow from the notifications' event table)
and are made by the system actor only (`dossiers.system.SYSTEM`).

- `flag_silent`: the dossier has no owner for its current step, or no event for longer than the
  step allows; the flag is set and the applicant told where the dossier stands.
- `escalate`: one rung of the ladder (50 % handler, 80 % head of the unit, 100 % leader).
- `stop_expired_supplement`: the supplement window ran out, the dossier stops (Mẫu 05).
- `store_watch_moments`: the pass's own bookkeeping, `Dossier.watch_at` set after judging (not
  a change of the dossier: no event, no listener; the door sets it on every other write).
- `remind_payment`: a requested fee is unpaid for longer than WATCHDOG_PAYMENT_REMINDER_HOURS;
  the applicant is reminded (the `payment_reminder` notice), once per request.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden

from ..models import Dossier, DossierAction, DossierStatus, bulk_writes
from ..system import SYSTEM, is_system
from .actions import stop
from .door import DossierRef, dossier_action

A = DossierAction


def _system_only(dossier: Dossier, actor) -> None:
    if not is_system(actor):
        raise Forbidden(_("Chỉ hệ thống mới thực hiện thao tác này."))


def flag_silent(*, dossier: DossierRef, reason: str, actor=SYSTEM) -> Dossier:
    """Flag the dossier silent and tell the applicant where it stands (`status_notice`)."""

    def guard(d: Dossier, who) -> None:
        _system_only(d, who)
        if d.silent_since is not None:
            raise Conflict(_("Hồ sơ đã được đánh dấu im lặng."), code="already_silent")

    with dossier_action(dossier, actor, A.STATUS_NOTICE, guard=guard) as act:
        act.dossier.silent_since = act.now
        act.done(note=reason, payload={"silent": True})
    return act.dossier


def escalate(
    *,
    dossier: DossierRef,
    rung: int,
    percent: int,
    official_id: int | None,
    step_order: int,
    step_name: str,
    step_due_at,
    actor=SYSTEM,
) -> Dossier:
    """Record one rung of the escalation ladder; the official it names is told
    (the `escalated` notice)."""
    with dossier_action(dossier, actor, A.ESCALATE, guard=_system_only) as act:
        act.done(
            payload={
                "rung": rung,
                "percent": percent,
                "official": official_id,
                "step": step_order,
                "step_name": step_name,
                "step_due_at": step_due_at.isoformat() if step_due_at else None,
            }
        )
    return act.dossier


def remind_payment(*, dossier: DossierRef, actor=SYSTEM) -> Dossier:
    """Remind the applicant of the fee still to pay (the `payment_reminder` notice)."""

    def guard(d: Dossier, who) -> None:
        _system_only(d, who)
        if d.status != DossierStatus.AWAITING_PAYMENT:
            raise Conflict(_("Hồ sơ không còn chờ nộp phí, lệ phí."), code="not_awaiting_payment")

    with dossier_action(dossier, actor, A.REMIND_PAYMENT, guard=guard) as act:
        act.done(payload={"reminder": "payment"})
    return act.dossier


def stop_expired_supplement(*, dossier: DossierRef, now=None) -> Dossier | None:
    """Stop a dossier whose supplement window ran out (the stop notice, Mẫu 05): the applicant
    who does not supplement within the allowed time has the dossier closed (docs/domain.md
    §3.3; Decree 118/2025/NĐ-CP, which replaced Decree 61/2018). None when it no longer
    applies (supplemented or stopped meanwhile)."""
    now = now or timezone.now()
    code = dossier.code if isinstance(dossier, Dossier) else dossier
    current = Dossier.objects.filter(code=code).values("status", "supplement_deadline").first()
    if (
        current is None
        or current["status"] != DossierStatus.SUPPLEMENT_REQUESTED
        or current["supplement_deadline"] is None
        or current["supplement_deadline"] >= now
    ):
        return None
    deadline = timezone.localtime(current["supplement_deadline"]).strftime("%H:%M %d/%m/%Y")
    reason = _(
        "Quá hạn bổ sung hồ sơ (%(deadline)s) mà công dân chưa bổ sung: hồ sơ dừng xử lý."
    ) % {"deadline": deadline}
    return stop(dossier=code, actor=SYSTEM, reason=reason)


STORE_WATCH_SQL = """
UPDATE dossiers_dossier d SET watch_at = v.moment
FROM (SELECT unnest(%(ids)s::bigint[]) AS id, unnest(%(updated)s::timestamptz[]) AS updated,
             unnest(%(moments)s::timestamptz[]) AS moment) v
WHERE d.id = v.id AND d.updated_at = v.updated
  AND d.id IN (SELECT id FROM dossiers_dossier WHERE id = ANY(%(ids)s) FOR UPDATE SKIP LOCKED)
"""


def store_watch_moments(values: list[tuple]) -> int:
    """Set `watch_at` for (id, updated_at as read, moment) triples, in one statement on
    PostgreSQL. A dossier whose `updated_at` moved since it was read (a write through the door
    meanwhile) or that is locked right now by a write (SKIP LOCKED) is left alone: that write
    sets its own `watch_at`. Row locks only, for the rows changed, for one short statement."""
    if not values:
        return 0
    if connection.vendor != "postgresql":
        changed = 0
        with bulk_writes():
            for id_, updated, moment in values:
                changed += Dossier.objects.filter(id=id_, updated_at=updated).update(
                    watch_at=moment
                )
        return changed
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            STORE_WATCH_SQL,
            {
                "ids": [v[0] for v in values],
                "updated": [v[1] for v in values],
                "moments": [v[2] for v in values],
            },
        )
        return cursor.rowcount
