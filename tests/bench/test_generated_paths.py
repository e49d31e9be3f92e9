"""Every sequence of events the generator writes is a valid path through the state machine
declared on `Dossier.status`, and every date in it is the one `dossiers.rules` gives.

Small province-years (several seeds, a calendar year and the rolling year before today) are
generated over the shipped catalogue (on SQLite through bulk_create; run on PostgreSQL, through
COPY), then each dossier's events are walked in order:

* against the declared transitions (source, target, name): the first event creates the dossier
  (`submit` → new, `intake` → received), each later one is a transition allowed from the previous
  event's `to_status` and lands on its target (`hand_over` / `reschedule` keep the state,
  `supplement` returns to the state the request came from), writes that keep the state
  (`attach_file`, `digitise`) keep it, and the dossier's status is the last event's `to_status`;
* through the model itself: an unsaved dossier replays each transition method at the event's
  instant, so each condition (supplement windows and deadlines, reschedule once, before the
  apology deadline and before due, a next internal step to hand over to) is judged by the state
  machine, while the dates the services would set are recomputed with `dossiers.rules` and
  compared with the events' payloads and the generated rows (due dates, shifts after pauses,
  supplement deadlines, the new date's limit, step due dates and timing);

and the outbox messages: one per event, in the events' order, as the portal sync writes them.
"""

from collections import Counter, defaultdict
from datetime import datetime
from io import StringIO
from itertools import pairwise
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django_fsm import RETURN_VALUE

from bench.generation.province import generate
from core.calendar import get_calendar
from dossiers import rules
from dossiers.models import (
    Dossier,
    DossierAction,
    DossierStatus,
    Event,
    Pause,
    PauseKind,
    StepRun,
)
from dossiers.services import steps
from integrations.portal.sync import TOPIC, key_for
from outbox.models import OutboxMessage, OutboxStatus
from procedures.models import StepRole, SupplementRule

A, S = DossierAction, DossierStatus
COUNT = 300
RUNS = [(1, 2025), (2, 2025), (3, None)]  # (seed, year); None: the 365 days before today
TRANSITIONS = {
    (t.source, t.name): t.target
    for t in Dossier._meta.get_field("status").get_all_transitions(Dossier)
}
CREATING = {A.SUBMIT: S.NEW, A.INTAKE: S.RECEIVED}  # the two services that create a dossier
# Writes that keep the status (a guard, no transition); pay_online is the payment platform's;
# the watchdog's own (escalate, status_notice, remind_payment) come from its passes
# (docs/watchdog.md).
KEEPING = {A.ATTACH_FILE, A.DIGITISE, A.PAY_ONLINE}
WATCHDOG = {A.ESCALATE, A.STATUS_NOTICE, A.REMIND_PAYMENT}
# Fee actions (issue 13) the generator of benchmark data does not make (yet).
NOT_GENERATED = {A.ADJUST_FEE, A.COLLECT_FEE, A.RECORD_REFUND}


@pytest.fixture(scope="module")
def year_runs(django_db_setup, django_db_blocker):
    """The shipped catalogue and agencies, and for each run COUNT dossiers with their events,
    outbox messages, pauses and step runs (each run rolled back before the next)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_all", no_demo=True, stdout=StringIO())
            runs = []
            for seed, year in RUNS:
                sid = transaction.savepoint()
                result = generate(count=COUNT, seed=seed, year=year)
                ids = {"id__gte": result.first_dossier_id, "id__lte": result.last_dossier_id}
                dossier_ids = {"dossier_id__gte": ids["id__gte"], "dossier_id__lte": ids["id__lte"]}
                runs.append(
                    SimpleNamespace(
                        seed=seed,
                        dossiers=list(Dossier.objects.filter(**ids).order_by("id").values()),
                        events=list(Event.objects.filter(**dossier_ids).order_by("id").values()),
                        outbox=list(
                            OutboxMessage.objects.filter(id__gte=result.first_outbox_id)
                            .order_by("id")
                            .values()
                        ),
                        pauses=list(Pause.objects.filter(**dossier_ids).order_by("id").values()),
                        steps=list(StepRun.objects.filter(**dossier_ids).order_by("id").values()),
                    )
                )
                transaction.savepoint_rollback(sid)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield runs
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def generated(year_runs, db):
    return year_runs


def by_dossier(rows: list[dict]) -> dict[int, list[dict]]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["dossier_id"]].append(row)
    return grouped


def stories(generated):
    for run in generated:
        events = by_dossier(run.events)
        for dossier in run.dossiers:
            yield run, dossier, events[dossier["id"]]


# --- the declared transitions -----------------------------------------------------------------
def target_of(action: str, source: str, requested_from: str | None) -> str:
    """Where `action` leads from `source` by the state machine (KeyError: not allowed)."""
    if action in KEEPING:
        return source
    target = TRANSITIONS[(source, action)]
    if target is None:  # hand_over, reschedule
        return source
    if isinstance(target, RETURN_VALUE):  # supplement: back to where the request came from
        assert requested_from in target.allowed_states
        return requested_from
    return target


def test_the_state_machine_declares_what_the_walk_relies_on():
    names = {name for _, name in TRANSITIONS}
    assert names | set(CREATING) | KEEPING | WATCHDOG == set(A.values)
    assert TRANSITIONS[(S.PROCESSING, A.HAND_OVER)] is None
    assert TRANSITIONS[(S.PROCESSING, A.RESCHEDULE)] is None
    assert isinstance(TRANSITIONS[(S.SUPPLEMENT_REQUESTED, A.SUPPLEMENT)], RETURN_VALUE)


def test_every_event_sequence_is_a_path_through_the_state_machine(generated):
    used = Counter()
    for _run, dossier, events in stories(generated):
        assert events, dossier["code"]
        first = events[0]
        assert first["action"] in CREATING, (dossier["code"], first)
        assert (first["from_status"], first["to_status"]) == ("", CREATING[first["action"]])
        used[(first["action"], "")] += 1
        state, requested_from, at = first["to_status"], None, first["at"]
        for event in events[1:]:
            where = (dossier["code"], event["action"], state)
            assert event["from_status"] == state, where
            assert event["at"] >= at, where
            try:
                expected = target_of(event["action"], state, requested_from)
            except KeyError:
                pytest.fail(f"{event['action']} is not a transition from {state}: {where}")
            assert event["to_status"] == expected, where
            used[(event["action"], state)] += 1
            if event["action"] == A.REQUEST_SUPPLEMENT:
                requested_from = state
            state, at = event["to_status"], event["at"]
        assert dossier["status"] == state, dossier["code"]
        assert dossier["updated_at"] == at
    # The generated year goes through every transition the state machine declares (and both
    # ways of creating a dossier).
    assert {action for action, _ in used} == set(A.values) - KEEPING - WATCHDOG - NOT_GENERATED


# --- through the model, its conditions at each event's instant, the dates by the rules ------------
def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def replay(dossier_row: dict, events: list[dict]) -> SimpleNamespace:
    """Run the events' transitions on an unsaved dossier at their instants (the state machine
    refuses a transition whose source or conditions fail), keeping the fields the services
    keep; check each date the events carry against `dossiers.rules`."""
    terms = dossier_row["terms"]
    first = events[0]
    d = Dossier(status=first["to_status"], terms=terms, submitted_at=first["at"])
    pause = None  # (resume to, opened at, due when opened) of the open pause
    steps.set_next_step(d, 0)
    if first["action"] == A.INTAKE:
        d.received_at = first["at"]
        d.due_at = d.original_due_at = rules.due_from(terms, first["at"])
        assert instant(first["payload"]["due_at"]) == d.due_at
        receipt = steps.step_of_role(d, StepRole.RECEIVE)
        steps.set_next_step(d, receipt["order"] if receipt else 0)
    for event in events[1:]:
        action, at, payload = event["action"], event["at"], event["payload"]
        where = (dossier_row["code"], action, at)
        limit = rules.reschedule_limit(d) if action == A.RESCHEDULE else None
        with mock.patch("django.utils.timezone.now", return_value=at):
            # Source and conditions: TransitionNotAllowed if the state machine refuses.
            if action == A.SUPPLEMENT:
                d.supplement(pause[0])
            elif action not in KEEPING:
                getattr(d, action)()
        assert d.status == event["to_status"], where
        # What the service does after the transition.
        if action == A.RECEIVE:
            d.received_at = at
            d.due_at = d.original_due_at = rules.due_from(terms, at)
            assert instant(payload["due_at"]) == d.due_at, where
            receipt = steps.step_of_role(d, StepRole.RECEIVE)
            if receipt:
                steps.set_next_step(d, receipt["order"])
        elif action == A.REQUEST_SUPPLEMENT:
            pause = (event["from_status"], at, d.due_at)
            if event["from_status"] == S.NEW:
                d.supplement_asked_at_receipt = True
            else:
                d.supplement_asked_in_processing = True
            d.supplement_deadline = rules.supplement_deadline(terms, at)
        elif action == A.SUPPLEMENT:
            if d.received_at is not None:
                if terms["supplement_rule"] == SupplementRule.SHIFT:
                    d.due_at = rules.shifted_due(pause[2], pause[1], at)
                else:
                    d.due_at = rules.due_from(terms, at)
            assert instant(payload["due_at"]) == d.due_at, where
            pause, d.supplement_deadline = None, None
        elif action == A.REQUEST_PAYMENT:
            pause = (S.PROCESSING, at, d.due_at)
        elif action == A.CONFIRM_PAYMENT:
            d.due_at = rules.shifted_due(pause[2], pause[1], at)
            assert instant(payload["due_at"]) == d.due_at, where
            pause = None
        elif action == A.ASSIGN:
            step = steps.next_step(d, role=StepRole.SPECIALIST) or steps.next_step(d)
            if step:
                steps.set_next_step(d, step["order"])
        elif action == A.HAND_OVER:
            step = steps.next_step(d)
            assert step is not None and step["role"] != StepRole.RETURN, where
            steps.set_next_step(d, step["order"])
        elif action == A.RESCHEDULE:
            new_due = instant(payload["due_at"])
            assert d.due_at < new_due <= limit, where
            assert get_calendar().in_office_time(new_due) == new_due, where
            d.reschedule_count += 1
            d.due_at = new_due
        elif action in (A.APPROVE, A.REFUSE):
            step = steps.next_step(d, role=StepRole.RETURN)
            if step:
                steps.set_next_step(d, step["order"])
        elif action in (A.WITHDRAW, A.STOP):
            pause, d.supplement_deadline = None, None
    return SimpleNamespace(dossier=d, pause=pause)


def test_the_model_accepts_every_event_at_its_instant_with_the_rules_dates(generated):
    for _run, row, events in stories(generated):
        replayed = replay(row, events)
        d = replayed.dossier
        got = {
            name: row[name]
            for name in (
                "status", "received_at", "due_at", "original_due_at", "reschedule_count",
                "supplement_asked_at_receipt", "supplement_asked_in_processing",
                "supplement_deadline", "next_step_role", "next_step_order",
            )
        }  # fmt: skip
        assert got == {name: getattr(d, name) for name in got}, row["code"]


def test_open_dossiers_keep_the_pauses_and_steps_the_rules_give(generated):
    checked = Counter()
    for run in generated:
        events = by_dossier(run.events)
        pauses, runs = by_dossier(run.pauses), by_dossier(run.steps)
        for row in run.dossiers:
            if not runs[row["id"]] and not pauses[row["id"]]:
                continue
            terms, replayed = row["terms"], replay(row, events[row["id"]])
            open_pauses = [p for p in pauses[row["id"]] if p["closed_at"] is None]
            if replayed.pause is None:
                assert open_pauses == [], row["code"]
            else:
                (pause,) = open_pauses
                resume_to, opened_at, due_when_opened = replayed.pause
                kind = {
                    S.SUPPLEMENT_REQUESTED: PauseKind.SUPPLEMENT,
                    S.AWAITING_PAYMENT: PauseKind.PAYMENT,
                }[row["status"]]
                assert (pause["kind"], pause["resume_to"], pause["opened_at"]) == (
                    kind,
                    resume_to,
                    opened_at,
                ), row["code"]
                assert pause["due_at_when_opened"] == due_when_opened
                assert pause["respond_by"] == replayed.dossier.supplement_deadline
                checked["open pause"] += 1
            shares = {s["order"]: s["share"] for s in terms["steps"]}
            closed = [p for p in pauses[row["id"]] if p["closed_at"] is not None]
            for step in runs[row["id"]]:
                due = rules.step_due(terms, shares[step["order"]], step["started_at"])
                for p in closed:  # the open step gets each pause's office time back
                    if step["started_at"] < p["closed_at"] and (
                        step["finished_at"] is None or step["finished_at"] >= p["closed_at"]
                    ):
                        due = rules.shifted_due(due, p["opened_at"], p["closed_at"])
                assert step["due_at"] == due, (row["code"], step["order"])
                if step["finished_at"] is None:
                    assert step["timing"] == ""
                else:
                    assert step["timing"] == rules.timing(step["finished_at"], step["due_at"])
                checked["step"] += 1
    assert checked["step"] > 0 and checked["open pause"] > 0


# --- the outbox -----------------------------------------------------------------------------------
def test_one_outbox_message_per_event_in_the_events_order(generated):
    for run in generated:
        assert len(run.outbox) == len(run.events)
        for event, message in zip(run.events, run.outbox, strict=True):
            assert message["topic"] == TOPIC
            assert message["key"] == key_for(event["dossier_id"])
            assert message["reference"] == {
                "dossier": event["dossier_id"],
                "event": event["id"],
                "action": event["action"],
            }
            assert message["idempotency_key"] == f"{TOPIC}:event:{event['id']}"
            assert message["supersedes"] is True
            assert message["created_at"] == event["at"]
            if message["status"] == OutboxStatus.SENT:
                assert message["sent_at"] >= message["created_at"]
            else:
                assert (message["status"], message["sent_at"]) == (OutboxStatus.PENDING, None)
        # Per dossier (the outbox's ordering key), messages go out in the order of the events.
        for messages in by_dossier(
            [{**m, "dossier_id": m["reference"]["dossier"]} for m in run.outbox]
        ).values():
            for a, b in pairwise(messages):
                assert a["id"] < b["id"] and a["created_at"] <= b["created_at"]
