"""The internal process of a dossier: its steps as run (the process-control slip, Mẫu 06).

The frozen terms list the procedure's steps (order, name, role, share of the time); a `StepRun`
records each one actually run, with its own due date (its share of the statutory time) and its
timing when it ends. `Dossier.next_step_order` / `next_step_role` name the next step not yet
started, so the services and `available_actions` know what comes next without a query.
"""

from __future__ import annotations

from datetime import datetime

from procedures.models import StepRole

from .. import rules
from ..models import Dossier, StepRun


def steps(dossier: Dossier) -> list[dict]:
    return dossier.terms.get("steps", [])


def set_next_step(dossier: Dossier, after_order: int) -> None:
    """The next step is the first of the process after `after_order` (0: the first one)."""
    following = next((s for s in steps(dossier) if s["order"] > after_order), None)
    dossier.next_step_order = following["order"] if following else None
    dossier.next_step_role = following["role"] if following else ""


def next_step(dossier: Dossier, *, role: str | None = None) -> dict | None:
    """The next step not yet started (optionally: the next one of `role`)."""
    if dossier.next_step_order is None:
        return None
    for step in steps(dossier):
        if step["order"] >= dossier.next_step_order and (role is None or step["role"] == role):
            return step
    return None


def step_of_role(dossier: Dossier, role: str) -> dict | None:
    return next((s for s in steps(dossier) if s["role"] == role), None)


def start_step(
    dossier: Dossier, step: dict, assignee, now: datetime, agency=None, *, finished: bool = False
) -> StepRun:
    """Start `step` (its due date: its share of the time from now); with `finished`, the step
    is done at once (the receipt at the counter)."""
    due = rules.step_due(dossier.terms, step["share"], now)
    run = StepRun.objects.create(
        dossier=dossier,
        order=step["order"],
        name=step["name"],
        role=step["role"],
        agency=agency or dossier.handling_agency,
        assignee=assignee,
        started_at=now,
        due_at=due,
        finished_at=now if finished else None,
        timing=rules.timing(now, due) if finished else "",
    )
    set_next_step(dossier, step["order"])
    return run


def record_receipt(dossier: Dossier, actor, now: datetime) -> StepRun | None:
    """The receipt step, done by the receiving officer at the moment of receipt."""
    step = step_of_role(dossier, StepRole.RECEIVE)
    if step is None:
        return None
    return start_step(dossier, step, actor, now, agency=dossier.receiving_agency, finished=True)


def open_step(dossier: Dossier) -> StepRun | None:
    return dossier.step_runs.filter(finished_at__isnull=True).first()


def close_step(dossier: Dossier, now: datetime, note: str = "") -> StepRun | None:
    run = open_step(dossier)
    if run:
        run.finished_at = now
        run.timing = rules.timing(now, run.due_at)
        if note:
            run.note = note
        run.save(update_fields=["finished_at", "timing", "note"])
    return run
