"""bench/generate_dossiers.py (bench/generation/): a province-year over the shipped catalogue,
with its events and outbox messages, reproducing the seeded rates; deterministic; usable by the
services."""

import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import User
from accounts.roles import Role
from bench.generation.province import generate, period_for
from bench.generation.rates import rates
from bench.generation.report import generate_and_report
from bench.generation.world import NotSeeded
from core.calendar import LOCAL_TZ
from core.fields import match
from dossiers import services
from dossiers.codes import next_sequence
from dossiers.models import Applicant, Dossier, DossierSequence, Event, Pause, StepRun
from dossiers.models.status import OPEN_STATES
from organisations.models import Agency, AgencyKind
from outbox.models import OutboxMessage
from procedures.models import Procedure, ProcedureStatus, StepRole

ENTRY_POINT = Path(__file__).resolve().parents[2] / "bench" / "generate_dossiers.py"
COUNT = 3000
SEED = 7
YEAR = 2025
CODE = re.compile(r"^(?P<agency>[\w.]+)-(?P<day>\d{6})-(?P<n>\d{4,})$")


# --- the period ------------------------------------------------------------------------------
def test_period_of_a_year_and_of_the_last_365_days():
    year = period_for(2025, today=date(2026, 11, 23))
    assert (year.first_day, year.end_day, year.days) == (date(2025, 1, 1), date(2026, 1, 1), 365)
    current = period_for(2026, today=date(2026, 3, 1))
    assert current.end_day == date(2026, 3, 1)
    rolling = period_for(None, today=date(2026, 11, 23))
    assert (rolling.first_day, rolling.end_day) == (date(2025, 11, 23), date(2026, 11, 23))
    # Local midnight (UTC+7).
    assert datetime.fromtimestamp(year.start, UTC) == datetime(2024, 12, 31, 17, tzinfo=UTC)


# --- the entry point's arguments (refused before any database is touched) ----------------------
def entry_point(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(ENTRY_POINT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "0"], "--count"),
        (["--count", "-5"], "--count"),
        (["--count", "60000000"], "--count"),
        (["--count", "10", "--year", "2999"], "--year"),
        (["--count", "10", "--batch", "0"], "--batch"),
        (["--seed", "1"], "--count"),  # required
    ],
)
def test_bad_arguments_are_refused(args, message):
    done = entry_point("--database-url", "postgresql://x@127.0.0.1:1/onecua_bench_t", *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_only_a_bench_database_is_written():
    done = entry_point("--database-url", "postgresql://x@127.0.0.1:1/onecua", "--count", "10")
    assert done.returncode != 0
    assert "must contain 'bench'" in done.stderr


def test_the_entry_point_has_the_options_of_the_former_command():
    done = entry_point("--help")
    assert done.returncode == 0
    for option in (
        "--count", "--seed", "--year", "--no-events", "--batch", "--rebuild-indexes",
        "--database-url", "--recreate", "--no-prepare", "--no-stats", "--no-progress",
    ):  # fmt: skip
        assert option in done.stdout, option


@pytest.mark.django_db
def test_without_the_catalogue_it_says_what_to_run():
    with pytest.raises(NotSeeded, match="seed_all"):
        generate(count=10, seed=1)


# --- the PostgreSQL fast path (COPY, indexes dropped and rebuilt) -----------------------------
@pytest.mark.django_db
def test_postgresql_fast_path(on_postgres):
    call_command("seed_all", no_demo=True, stdout=StringIO())
    generate_and_report(
        count=2000, seed=11, year=YEAR, batch_size=300, rebuild_indexes=True, out=StringIO()
    )
    assert Dossier.objects.count() == 2000
    figures = rates(*Dossier.objects.order_by("id").values_list("id", flat=True)[::1999])
    assert 84.0 <= figures["online_pct"] <= 91.0
    assert figures["on_time_pct"] >= 99.0
    assert Event.objects.count() == OutboxMessage.objects.count() > 2000 * 4
    # The indexes are back and the identity sequences follow the generated ids.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'dossiers_dossier' "
            "AND indexname = 'dossier_open_q'"
        )
        assert cursor.fetchone()[0] == 1
    applicant = Dossier.objects.first().applicant
    # COPY wrote the applicants encrypted and hashed, as the application would (they read back,
    # and exact search finds them; docs/personal-data.md).
    identifier = applicant.personal_id or applicant.tax_code
    field = "personal_id" if applicant.personal_id else "tax_code"
    assert identifier and applicant in Applicant.objects.filter(match(field, identifier))
    procedure = Procedure.objects.filter(status=ProcedureStatus.PUBLISHED, level="commune").first()
    centre = Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTRE).first()
    clerk = User.objects.create(username="pg-clerk", role=Role.RECEIVING_OFFICER, agency=centre)
    created = services.counter_intake(
        actor=clerk,
        procedure_code=procedure.code,
        applicant={"kind": 1, "full_name": applicant.full_name, "personal_id": "025090001111"},
        summary="Sau khi sinh dữ liệu",
        components=[{"order": c.order} for c in procedure.components.all()],
    )
    assert created.pk > Dossier.objects.exclude(pk=created.pk).order_by("-pk").first().pk
    # Same seed, same data as the ORM path would write: codes and statuses are deterministic.
    codes = list(Dossier.objects.order_by("id").values_list("code", "status")[:50])
    assert all(CODE.match(code) for code, _ in codes)
    stamp = (datetime(YEAR, 1, 1) + timedelta(days=0)).strftime("%y%m%d")
    assert any(stamp in code for code, _ in codes)


# --- one generated province-year, shared by the tests below -----------------------------------
@pytest.fixture(scope="module")
def province_year(django_db_setup, django_db_blocker):
    """The shipped catalogue and agencies (seed_all --no-demo) and COUNT dossiers of YEAR,
    generated once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_all", no_demo=True, stdout=StringIO())
            out = StringIO()
            generate_and_report(count=COUNT, seed=SEED, year=YEAR, out=out)
            snapshot = {
                "output": out.getvalue(),
                "dossiers": list(Dossier.objects.order_by("id").values()),
                "events": list(Event.objects.order_by("id").values()),
            }
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield snapshot
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def year_db(province_year, db):
    return province_year


def test_it_generates_the_count_over_the_catalogue_and_the_centres(year_db):
    dossiers = year_db["dossiers"]
    assert len(dossiers) == COUNT
    published = set(
        Procedure.objects.filter(status=ProcedureStatus.PUBLISHED).values_list("id", flat=True)
    )
    assert len(published) == 2135
    used = {d["procedure_id"] for d in dossiers}
    assert used <= published
    assert len(used) > 400  # spread over the catalogue, a few procedures dominating
    kinds = dict(Agency.objects.values_list("id", "kind"))
    receiving = Counter(kinds[d["receiving_agency_id"]] for d in dossiers)
    assert set(receiving) == {
        AgencyKind.COMMUNE_SERVICE_CENTRE,
        AgencyKind.PROVINCIAL_SERVICE_CENTRE,
    }
    assert len({d["receiving_agency_id"] for d in dossiers}) > 100  # most of the 148 communes
    # Commune-level procedures are handled by the People's Committee of the receiving commune.
    levels = dict(Procedure.objects.values_list("id", "level"))
    units = dict(Agency.objects.values_list("id", "unit_id"))
    for d in dossiers:
        if levels[d["procedure_id"]] == "commune":
            assert kinds[d["handling_agency_id"]] == AgencyKind.COMMUNE_COMMITTEE
            assert units[d["handling_agency_id"]] == units[d["receiving_agency_id"]]
        else:
            assert kinds[d["handling_agency_id"]] in (
                AgencyKind.PROVINCIAL_DEPARTMENT,
                AgencyKind.VERTICAL_CENTRAL,
                AgencyKind.PROVINCIAL_COMMITTEE,
            )
    # The submissions cover the year, in local time.
    days = {d["submitted_at"].astimezone(LOCAL_TZ).date() for d in dossiers}
    assert min(days) < date(YEAR, 1, 15) and max(days) > date(YEAR, 12, 15)
    assert all(day.year == YEAR for day in days)


def test_rates_reproduce_the_seeds(year_db):
    figures = rates(year_db["dossiers"][0]["id"], year_db["dossiers"][-1]["id"])
    assert figures["total"] == COUNT
    assert 85.0 <= figures["online_pct"] <= 90.5
    assert 82.5 <= figures["e_result_pct"] <= 89.0
    assert 80.5 <= figures["digitised_pct"] <= 86.0
    assert 77.0 <= figures["reused_pct"] <= 84.0
    assert figures["on_time_pct"] >= 99.0
    assert figures["on_time_pct"] < 100.0 or COUNT < 1000  # a few late ones exist
    assert 0 < figures["paid_online_pct"] < 100
    # Mostly finished; a small share still open at the end of the year; a few closed otherwise.
    statuses = figures["statuses"]
    assert statuses["returned"] / COUNT > 0.9
    open_share = sum(statuses.get(s, 0) for s in OPEN_STATES) / COUNT
    assert 0.003 < open_share < 0.08
    for closed in ("not_received", "withdrawn", "stopped"):
        assert statuses.get(closed, 0) > 0, closed
    refused = sum(1 for d in year_db["dossiers"] if d["outcome"] == "refused")
    assert 0 < refused < COUNT * 0.04
    # The summary printed by the command says the same.
    assert f"{figures['online_pct']:.2f} %" in year_db["output"]
    assert "rebuild_stats" in year_db["output"]


def test_timestamps_are_ordered_and_consistent_with_the_status(year_db):
    for d in year_db["dossiers"]:
        chain = [d["submitted_at"], d["received_at"], d["finished_at"], d["returned_at"]]
        present = [t for t in chain if t is not None]
        assert present == sorted(present), d["code"]
        assert d["updated_at"] >= present[-1]
        status = d["status"]
        assert (d["received_at"] is None) == (status in ("new", "not_received") or (
            status in ("withdrawn", "stopped", "supplement_requested") and d["due_at"] is None
        ))  # fmt: skip
        if d["received_at"] is not None:
            assert d["due_at"] >= d["received_at"]
            assert d["original_due_at"] is not None
            if d["reschedule_count"] == 0 and not d["supplement_asked_in_processing"]:
                assert d["original_due_at"] <= d["due_at"]
        assert (d["finished_at"] is not None) == (
            status in ("not_received", "withdrawn", "stopped", "result_ready", "returned")
        )
        assert (d["returned_at"] is not None) == (status == "returned")
        assert (d["outcome"] != "") == (status in ("result_ready", "returned"))
        if d["has_e_result"]:
            assert d["outcome"] == "approved"
        if d["is_reused"]:
            assert d["is_digitised"]
        if d["channel"] != 2:
            assert d["is_digitised"]  # digitised at the counter
        assert (d["supplement_deadline"] is not None) == (status == "supplement_requested")


def test_codes_are_unique_well_formed_and_the_sequences_raised(year_db):
    dossiers = year_db["dossiers"]
    codes = [d["code"] for d in dossiers]
    assert len(set(codes)) == len(codes)
    agency_codes = dict(Agency.objects.values_list("id", "code"))
    numbers = defaultdict(list)
    for d in dossiers:
        match = CODE.match(d["code"])
        assert match, d["code"]
        assert match["agency"] == agency_codes[d["receiving_agency_id"]]
        local_day = d["submitted_at"].astimezone(LOCAL_TZ).date()
        assert match["day"] == local_day.strftime("%y%m%d")
        numbers[(d["receiving_agency_id"], local_day)].append((d["submitted_at"], int(match["n"])))
    for (agency, day), items in numbers.items():
        items.sort()
        # Numbered 1..n per agency and day, in submission order.
        assert [n for _, n in items] == list(range(1, len(items) + 1))
        assert DossierSequence.objects.get(agency_id=agency, day=day).last == len(items)


def test_events_tell_each_dossier_s_story(year_db):
    by_dossier = defaultdict(list)
    for e in year_db["events"]:
        by_dossier[e["dossier_id"]].append(e)
    assert set(by_dossier) == {d["id"] for d in year_db["dossiers"]}
    actions = Counter()
    for d in year_db["dossiers"]:
        events = by_dossier[d["id"]]
        assert events[0]["action"] == ("submit" if d["channel"] == 2 else "intake")
        status = ""
        at = d["submitted_at"]
        for e in events:
            actions[e["action"]] += 1
            # (That each event is a transition of the state machine: test_generated_paths.py.)
            assert e["from_status"] == status
            assert e["at"] >= at
            status, at = e["to_status"], e["at"]
        assert status == d["status"]
        assert events[-1]["at"] == d["updated_at"]
        if d["received_at"] is not None:
            receipt = next(e for e in events if e["action"] in ("intake", "receive"))
            assert receipt["at"] == d["received_at"]
            assert receipt["payload"]["due_at"] == d["original_due_at"].isoformat()
        if d["returned_at"] is not None:
            assert events[-1]["action"] == "return_result"
            assert events[-1]["at"] == d["returned_at"]
    for action in (
        "submit", "intake", "receive", "assign", "hand_over", "approve", "return_result",
        "request_supplement", "supplement", "refuse_receipt", "refuse", "request_payment",
        "confirm_payment", "reschedule", "withdraw", "stop",
    ):  # fmt: skip
        assert actions[action] > 0, action


def test_each_event_has_its_delivered_outbox_message(year_db):
    events = {e["id"]: e for e in year_db["events"]}
    messages = list(OutboxMessage.objects.order_by("id").values())
    assert len(messages) == len(events)
    lags = []
    for m in messages:
        event = events[m["reference"]["event"]]
        assert m["topic"] == "dvcqg.dossier"
        assert m["key"] == f"dossier:{event['dossier_id']}"
        assert m["reference"] == {
            "dossier": event["dossier_id"],
            "event": event["id"],
            "action": event["action"],
        }
        assert m["idempotency_key"] == f"dvcqg.dossier:event:{event['id']}"
        assert m["status"] == "sent"
        assert m["supersedes"] is True  # a whole record, as the portal sync enqueues it
        assert m["created_at"] == event["at"]
        assert m["sent_at"] > m["created_at"]
        lags.append((m["sent_at"] - m["created_at"]).total_seconds())
    lags.sort()
    assert lags[len(lags) // 2] < 5  # mostly seconds
    late = sum(1 for lag in lags if lag > 3600) / len(lags)
    assert 0.002 < late < 0.03  # a small share late


def test_open_dossiers_carry_their_pauses_and_steps(year_db):
    open_rows = [d for d in year_db["dossiers"] if d["status"] in OPEN_STATES]
    assert open_rows
    for d in open_rows:
        pauses = list(Pause.objects.filter(dossier_id=d["id"]))
        still_open = [p for p in pauses if p.closed_at is None]
        assert len(still_open) == (
            1 if d["status"] in ("supplement_requested", "awaiting_payment") else 0
        )
        runs = list(StepRun.objects.filter(dossier_id=d["id"]))
        if d["status"] == "processing":
            assert sum(1 for r in runs if r.finished_at is None) == 1
        if d["status"] == "new":
            assert runs == []
    # Closed dossiers carry no pauses or step runs (only what the services need to go on).
    closed_ids = [d["id"] for d in year_db["dossiers"] if d["status"] not in OPEN_STATES]
    assert not Pause.objects.filter(dossier_id__in=closed_ids).exists()


def test_the_services_carry_on_with_generated_open_dossiers(year_db):
    processing = Dossier.objects.filter(status="processing").select_related("handling_agency")
    dossier = processing.first()
    assert dossier is not None
    leader = User.objects.create(
        username="gen-leader", role=Role.LEADER, agency=dossier.handling_agency
    )
    approved = services.approve(dossier=dossier, actor=leader, e_result=True)
    assert approved.status == "result_ready"
    assert approved.has_e_result is True
    last = Event.objects.filter(dossier=dossier).order_by("-id").first()
    assert (last.action, last.from_status, last.to_status) == (
        "approve",
        "processing",
        "result_ready",
    )
    if any(s["role"] == StepRole.RETURN for s in dossier.terms["steps"]):
        # The generated next step (next_step_order) leads the services to the return step.
        assert dossier.step_runs.filter(role=StepRole.RETURN, finished_at=None).exists()
    # A generated dossier with an internal step left is handed over to it.
    waiting = processing.exclude(next_step_role__in=["", StepRole.RETURN]).first()
    assert waiting is not None
    step = next(s for s in waiting.terms["steps"] if s["order"] == waiting.next_step_order)
    assert step["role"] == waiting.next_step_role
    role = Role.LEADER if step["role"] == StepRole.LEADER else Role.PROCESSING_OFFICER
    agency = waiting.handling_agency
    head = User.objects.create(username="gen-head", role=Role.LEADER, agency=agency)
    handler = User.objects.create(username="gen-handler", role=role, agency=agency)
    handed = services.hand_over(dossier=waiting, actor=head, assignee=handler.pk)
    assert handed.status == "processing"
    opened = handed.step_runs.get(finished_at=None)
    assert (opened.order, opened.role) == (step["order"], step["role"])
    new = Dossier.objects.filter(status="new").select_related("receiving_agency").first()
    if new is not None:
        clerk = User.objects.create(
            username="gen-clerk", role=Role.RECEIVING_OFFICER, agency=new.receiving_agency
        )
        received = services.receive(dossier=new, actor=clerk)
        assert received.status == "received"
    # A new dossier at a generated centre continues its day's numbering.
    centre = Agency.objects.get(code=Dossier.objects.order_by("-id").first().code.split("-")[0])
    last_day = Dossier.objects.order_by("-id").first().submitted_at.astimezone(LOCAL_TZ).date()
    before = DossierSequence.objects.get(agency=centre, day=last_day).last
    assert next_sequence(centre.id, last_day) == before + 1


def test_same_seed_same_data_other_seed_other_data(year_db):
    first = [(d["code"], d["status"], d["due_at"], d["procedure_id"]) for d in year_db["dossiers"]]
    with transaction.atomic():
        sid = transaction.savepoint()
        Event.objects.all()._raw_delete(Event.objects.db)
        OutboxMessage.objects.all().delete()
        StepRun.objects.all().delete()
        Pause.objects.all().delete()
        Dossier.objects.all().delete()
        DossierSequence.objects.all().delete()
        again = generate(count=COUNT, seed=SEED, year=YEAR)
        rows = Dossier.objects.filter(id__gte=again.first_dossier_id).order_by("id")
        second = [(d.code, d.status, d.due_at, d.procedure_id) for d in rows]
        assert second == first
        transaction.savepoint_rollback(sid)
    with transaction.atomic():
        sid = transaction.savepoint()
        other = generate(count=200, seed=SEED + 1, year=YEAR)
        rows = Dossier.objects.filter(id__gte=other.first_dossier_id).order_by("id")
        assert [d.procedure_id for d in rows] != [d[3] for d in first[:200]]
        transaction.savepoint_rollback(sid)


def test_no_events_keeps_the_same_dossiers(year_db):
    with transaction.atomic():
        sid = transaction.savepoint()
        events_before = Event.objects.count()
        result = generate(count=300, seed=SEED, year=YEAR, events=False)
        assert Event.objects.count() == events_before
        assert result.events == 0
        statuses = list(
            Dossier.objects.filter(id__gte=result.first_dossier_id)
            .order_by("id")
            .values_list("status", "procedure_id")
        )
        assert len(statuses) == 300
        transaction.savepoint_rollback(sid)
