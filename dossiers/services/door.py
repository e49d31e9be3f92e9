"""The one door: every write of a dossier runs inside `dossier_action()` (or, for the writes that
create one, `new_dossier()`), read top to bottom:

    with dossier_action(code, actor, DossierAction.RECEIVE) as act:
        act.dossier.receive()              # the FSM transition (state only)
        act.dossier.received_at = act.now  # the service's own work
        act.done(note=note, payload={"due_at": ...})

On entry, in one transaction: the row is locked through the same visibility rule the reads use
(`selectors.visible_to`: a dossier outside the actor's scope is a 404), then the actor is judged:
403 when the action's permission refuses them, 409 `transition_not_allowed` when the current
state has no such transition, 409 with the condition's own code when a condition fails (django-
fsm-2's public API: the model's transitions, their permission and conditions). Writes that keep
the status (files, digitisation) pass a `guard` instead.

On exit: the dossier is saved (a lost optimistic race is 409 `concurrent_update`), its `Event`
appended, and `dossier_changed` sent with a `DossierChange(event, before, after)` built from
the row already in hand (no re-read), all inside the transaction. A service that forgets
`act.done()` is a programming error: the transaction rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ANY_STATE, ConcurrentTransition, TransitionNotAllowed

from core import logging as log_context
from core.errors import Conflict, Forbidden, NotFound

from .. import selectors, watching
from ..models import WATCHDOG_ACTIONS, Dossier, DossierAction, Event, bulk_writes
from ..models.conditions import refusal_of
from ..signals import dossier_changed

logger = logging.getLogger("onecua.dossiers")

# A dossier, or its code.
DossierRef = Dossier | str
# Judges the actor for a write that is not a transition: raises Forbidden (403) or Conflict (409).
Guard = Callable[[Dossier, object], None]


@dataclass(frozen=True)
class DossierState:
    """The columns of a dossier that listeners read, at one moment (before or after a write)."""

    status: str
    channel: int
    procedure_id: int
    receiving_agency_id: int
    handling_agency_id: int
    assignee_id: int | None
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    is_digitised: bool
    is_reused: bool
    has_e_result: bool
    paid_online: bool
    vneid_verified: bool

    @classmethod
    def of(cls, dossier: Dossier) -> DossierState:
        return cls(**{f.name: getattr(dossier, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class DossierChange:
    """What one write did to a dossier: the payload of `dossiers.signals.dossier_changed`."""

    event: Event
    dossier: Dossier
    before: DossierState | None  # None: this write created the dossier
    after: DossierState

    @property
    def action(self) -> DossierAction:
        return DossierAction(self.event.action)

    @property
    def created(self) -> bool:
        return self.before is None


class Act:
    """One write in progress: the locked dossier, who acts, one reading of the clock."""

    def __init__(self, dossier: Dossier | None, actor, action: DossierAction, before):
        self.dossier = dossier
        self.actor = actor
        self.action = DossierAction(action)
        self.before: DossierState | None = before
        self.now = timezone.now()
        self.note = ""
        self.payload: dict = {}
        self._done = False
        # A service that creates the dossier knows its open step (None: none) and may insert the
        # row with its `watch_at` already set (`watch_at_on_insert`): no read, no UPDATE after.
        self.open_run = watching.UNKNOWN
        self.inserted_watch_at = watching.UNKNOWN

    def watch_at(self):
        """When the watchdog must look at the dossier next, as it stands now."""
        return watching.for_write(
            self.dossier,
            self.action,
            self.before.status if self.before else None,
            self.now,
            watchdog=self.action in WATCHDOG_ACTIONS,
            run=self.open_run,
        )

    def watch_at_on_insert(self, open_run=None):
        """Set the new dossier's `watch_at` before the service inserts it, knowing its open step
        once the service is done (`open_run`; None: no open step)."""
        self.open_run = open_run
        self.dossier.watch_at = self.inserted_watch_at = self.watch_at()

    def done(self, *, note: str = "", payload: dict | None = None) -> None:
        """The service's work is complete: what the Event records beyond the change itself."""
        self.note = note or ""
        self.payload = payload or {}
        self._done = True


# --- entry ---------------------------------------------------------------------------------------
def lock(dossier: DossierRef, actor, *, system: bool = False) -> Dossier:
    """Load and lock the dossier row through the actor's visibility: outside it, a 404. A
    `system` write (a national platform's verified message, no user) reads every dossier."""
    queryset = (
        (Dossier.objects.all() if system else selectors.visible_to(actor))
        .select_for_update(of=("self",))
        # Everything the dossier's detail answer reads beside its lists (the API answers an
        # action with it, from this row: dossiers/api/views.py). Only the dossier row is locked.
        .select_related(
            "applicant__unit", "procedure", "receiving_agency", "handling_agency", "assignee"
        )
    )
    key = {"pk": dossier.pk} if isinstance(dossier, Dossier) else {"code": str(dossier)}
    # A unique key: no ORDER BY (`first()` would add one, and compiling it hashes every joined
    # column: CPU for nothing).
    row = next(iter(queryset.filter(**key)[:1]), None)
    if row is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    row._scope_at_lock = _scope_columns(row)
    return row


def _scope_columns(dossier: Dossier) -> tuple:
    # The columns the visibility rule reads (dossiers.permissions.visibility).
    return (dossier.receiving_agency_id, dossier.handling_agency_id, dossier.applicant_id)


def still_visible(dossier: Dossier) -> bool:
    """The dossier, locked through its actor's visibility by `lock()`, is still visible to them
    after the write: the write changed none of the columns the visibility rule reads."""
    return getattr(dossier, "_scope_at_lock", None) == _scope_columns(dossier)


def _transitions(dossier: Dossier, action: str) -> list:
    return [t for t in dossier.get_all_status_transitions() if t.name == action]


def check(dossier: Dossier, action: str, actor) -> None:
    """Judge `actor` for the transition `action` on `dossier`: permission (403), state (409
    `transition_not_allowed`), conditions (409 with the condition's code)."""
    candidates = _transitions(dossier, action)
    if not candidates:  # pragma: no cover - the action table names transitions only
        raise NotFound(_("Không có thao tác này."))
    current = next(
        (t for t in candidates if t.source in (dossier.status, ANY_STATE)),
        None,
    )
    # Every source of one action names the same permission: judge the actor by it.
    if not (current or candidates[0]).has_perm(dossier, actor):
        raise Forbidden(
            _("Bạn không có quyền thực hiện thao tác này đối với hồ sơ."),
            extra={"action": action},
        )
    if current is None:
        raise Conflict(
            _("Không thể thực hiện thao tác “%(action)s” khi hồ sơ ở trạng thái “%(status)s”.")
            % {"action": DossierAction(action).label, "status": dossier.get_status_display()},
            code="transition_not_allowed",
            extra={
                "dossier_status": dossier.status,
                "allowed_actions": available_actions(dossier, actor),
            },
        )
    for condition in current.conditions:
        if not condition(dossier):
            refusal = refusal_of(condition)
            raise Conflict(
                refusal.message,
                code=refusal.code,
                extra={"allowed_actions": available_actions(dossier, actor)},
            )


def available_actions(dossier: Dossier, user) -> list[str]:
    """What `user` may do to `dossier` now (state, conditions and permission all allow it)."""
    if user is None or not user.is_authenticated:
        return []
    return sorted({t.name for t in dossier.get_available_user_status_transitions(user)})


def explain(dossier: Dossier, action: str, user) -> str:
    """Why `user` may not do `action` now (the door's own answer, without writing)."""
    try:
        check(dossier, action, user)
    except (Forbidden, Conflict, NotFound) as exc:
        return str(exc.detail)
    return _("Không thể thực hiện thao tác “%(action)s” đối với hồ sơ lúc này.") % {
        "action": DossierAction(action).label
    }


# --- the door ------------------------------------------------------------------------------------
@contextmanager
def dossier_action(
    dossier: DossierRef,
    actor,
    action: DossierAction,
    *,
    guard: Guard | None = None,
    system: bool = False,
) -> Iterator[Act]:
    """One write of an existing dossier (see the module's docstring). `guard` judges the actor
    for a write that is not a transition of the state machine. `system`: the write comes from
    a verified message of a national system (the payment platform's notification), with no
    user: the actor is None, the row is found outside any user's scope, and `guard` judges."""
    if system and (actor is not None or guard is None):
        raise ValueError("a system write has no actor and must be judged by a guard")
    with transaction.atomic():
        row = lock(dossier, actor, system=system)
        if guard is None:
            check(row, action, actor)
        else:
            guard(row, actor)
        act = Act(row, actor, action, DossierState.of(row))
        # The dossier's code on every log record of the action (core/logging.py).
        with log_context.bind(dossier=row.code):
            with _transition_errors(act):
                yield act
            _finish(act)


@contextmanager
def new_dossier(actor, action: DossierAction) -> Iterator[Act]:
    """A write that creates a dossier (online submission, counter intake): the service sets
    `act.dossier`, and may insert the row inside the block (its components need its id) once
    it is complete; the door inserts it otherwise. Who may create is the service's own check,
    made before entering."""
    with transaction.atomic():
        act = Act(None, actor, action, None)
        with _transition_errors(act):
            yield act
        with log_context.bind(dossier=act.dossier.code):
            _finish(act)


@contextmanager
def _transition_errors(act: Act) -> Iterator[None]:
    try:
        yield
    except TransitionNotAllowed as exc:  # a safety net: check() passed just before
        raise Conflict(
            _("Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ."),
            code="transition_not_allowed",
            extra={"allowed_actions": available_actions(act.dossier, act.actor)},
        ) from exc


def _finish(act: Act) -> None:
    if not act._done:
        raise RuntimeError(f"{act.action}: the service left the door without act.done()")
    dossier = act.dossier
    if act.action not in WATCHDOG_ACTIONS:
        # Any real activity ends the silence the watchdog flagged (docs/watchdog.md).
        dossier.silent_since = None
    # When the watchdog must look at it next (dossiers/watching.py).
    dossier.watch_at = act.watch_at()
    if act.before is not None or dossier._state.adding:
        try:
            dossier.save()
        except ConcurrentTransition as exc:
            raise Conflict(
                _("Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại."),
                code="concurrent_update",
            ) from exc
    elif (
        dossier.watch_at is not None
        if act.inserted_watch_at is watching.UNKNOWN
        else dossier.watch_at != act.inserted_watch_at
    ):
        # Created and inserted by the service inside the block: only the watch moment is new
        # (unless the service inserted it with the moment already set, as it stands now).
        with bulk_writes():
            Dossier.objects.filter(pk=dossier.pk).update(watch_at=dossier.watch_at)
    event = Event.objects.create(
        dossier=dossier,
        action=act.action,
        from_status=act.before.status if act.before else "",
        to_status=dossier.status,
        actor=act.actor if getattr(act.actor, "pk", None) else None,
        at=act.now,
        note=act.note,
        payload=act.payload,
    )
    change = DossierChange(
        event=event, dossier=dossier, before=act.before, after=DossierState.of(dossier)
    )
    dossier_changed.send(sender=Dossier, change=change)
    logger.info(
        "%s: %s → %s",
        act.action,
        event.from_status or "-",
        event.to_status,
        extra={"action": str(act.action), "event": event.pk},
    )


__all__ = [
    "Act",
    "DossierChange",
    "DossierRef",
    "DossierState",
    "available_actions",
    "check",
    "dossier_action",
    "explain",
    "lock",
    "new_dossier",
    "still_visible",
]
