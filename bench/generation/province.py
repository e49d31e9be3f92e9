"""A generated province-year: N dossiers over the published catalogue and every service centre,
spread over the working days of a year, numbered like the services number them, each with its
events and the portal-sync outbox messages those events wrote.

`generate()` is deterministic for a seed and a period: one `random.Random(seed)` draws
everything in submission order (another one, seeded from it, the sync lags, so that the dossiers
are the same with or without events), and ids are given in that order after the largest existing
ones.
"""

from __future__ import annotations

import bisect
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from core.calendar import LOCAL_TZ, get_calendar
from dossiers.models import (
    OPEN,
    Applicant,
    ApplicantKind,
    Channel,
    Dossier,
    DossierSequence,
    Event,
    Pause,
    StepRun,
)
from outbox.models import OutboxMessage

from .lifecycle import ONLINE_HOURS, TARGETS, Simulator, Targets, outbox_lag
from .sinks import Batch, OrmSink, PostgresSink, outbox_row, pending
from .timeline import DAY, WorkingTimeline
from .world import World, load_world

# Busier weekdays (Monday the busiest), relative to a working Wednesday.
WEEKDAY_WEIGHT = (1.12, 1.05, 1.0, 1.0, 0.93, 0.8, 0.8)
# Below this many dossiers the PostgreSQL path keeps the indexes instead of rebuilding them.
REBUILD_INDEXES_FROM = 100_000
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE_NAMES = ("Văn", "Thị", "Minh", "Đức", "Thu", "Hồng", "Quang", "Ngọc")
GIVEN_NAMES = ("An", "Bình", "Châu", "Dũng", "Hà", "Lan", "Nam", "Phương", "Sơn", "Tú")


@dataclass
class Period:
    first_day: date  # local, included
    end_day: date  # local, excluded
    start: int  # epoch of the first local midnight
    end: int  # epoch of the last local midnight: nothing happens after it

    @property
    def days(self) -> int:
        return (self.end_day - self.first_day).days


def period_for(year: int | None, today: date | None = None) -> Period:
    """`year`: that calendar year (up to today if it is the current one); None: the 365 days
    before today (local midnight, so that runs on the same day give the same data)."""
    today = today or timezone.localdate()
    if year is None:
        first, end = today - timedelta(days=365), today
    else:
        first, end = date(year, 1, 1), min(date(year + 1, 1, 1), today)
    if end <= first:
        raise ValueError("the period has not started yet")

    def epoch(day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).timestamp())

    return Period(first, end, epoch(first), epoch(end))


@dataclass
class Result:
    count: int
    first_dossier_id: int
    last_dossier_id: int
    events: int = 0
    outbox: int = 0
    applicants: int = 0
    pauses: int = 0
    steps: int = 0
    period: Period | None = None
    first_outbox_id: int = 0
    timings: dict = field(default_factory=dict)


def day_counts(count: int, weights: list[float]) -> list[int]:
    """Share `count` out by weight (cumulative rounding: exact total, deterministic)."""
    total = sum(weights)
    counts, running, given = [], 0.0, 0
    for w in weights:
        running += w
        upto = round(count * running / total)
        counts.append(upto - given)
        given = upto
    return counts


def _cumulative(weights) -> list[float]:
    out, running = [], 0.0
    for w in weights:
        running += w
        out.append(running)
    return out


class _Picker:
    """Weighted choice by bisection on cumulative weights."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = _cumulative(weights)
        self.total = self.cum[-1]

    def pick(self, u: float):
        return self.items[min(bisect.bisect_right(self.cum, u * self.total), len(self.items) - 1)]


class Generator:
    def __init__(
        self,
        *,
        count: int,
        seed: int,
        year: int | None = None,
        events: bool = True,
        batch_size: int = 20_000,
        targets: Targets = TARGETS,
        today: date | None = None,
    ):
        if count < 1:
            raise ValueError("count must be at least 1")
        self.count = count
        self.seed = seed
        self.events = events
        self.batch_size = max(1, batch_size)
        self.t = targets
        self.period = period_for(year, today)
        self.now = int(timezone.now().timestamp())

    # --- the inputs -----------------------------------------------------------------------------
    def _prepare(self, world: World) -> None:
        period = self.period
        self.world = world
        self.timeline = WorkingTimeline(
            get_calendar(), period.first_day - timedelta(days=3), period.end_day + timedelta(1200)
        )
        self.sim = Simulator(self.timeline, period.end, self.t)
        centres = world.commune_centres
        self.commune_centre = _Picker(
            range(len(centres)), [1 / (rank + 1) ** 0.8 for rank in range(len(centres))]
        )
        provincial = world.provincial_centres
        self.provincial_centre = _Picker(
            provincial, [0.7] + [0.3 / max(1, len(provincial) - 1)] * (len(provincial) - 1)
        )
        self.unit_index = {unit: i for i, unit in enumerate(world.unit_ids)}
        # Applicants: a pool reused by several dossiers, each living in a commune (by index).
        self.applicant_count = max(1, self.count // 4)

    def _applicants(self, base: int) -> list[tuple]:
        units = self.world.unit_ids or [None]
        rows = []
        for j in range(self.applicant_count):
            company = j % 10 == 9
            name = (
                f"Công ty TNHH {GIVEN_NAMES[j % 10]} {j}"
                if company
                else f"{FAMILY_NAMES[j % 10]} {MIDDLE_NAMES[(j // 10) % 8]} "
                f"{GIVEN_NAMES[(j // 80) % 10]}"
            )
            rows.append(
                (
                    base + j + 1,
                    ApplicantKind.BUSINESS if company else ApplicantKind.CITIZEN,
                    name,
                    "" if company else f"0{25_000_000_000 + j:011d}"[-12:],
                    f"{2_500_000_000 + j:010d}" if company else "",
                    f"09{j % 100_000_000:08d}",
                    "",
                    f"Số {1 + j % 300} đường Hùng Vương",
                    units[j % len(units)],
                    "",
                    "",
                    "",
                )
            )
        return rows

    def _day_weights(self) -> list[float]:
        weights = []
        for i in range(self.period.days):
            day = self.period.first_day + timedelta(days=i)
            if self.timeline.working[self.timeline.day_of(self.timeline.local(day, 43200))]:
                weights.append(WEEKDAY_WEIGHT[day.weekday()])
            else:
                weights.append(self.t.weekend_weight)
        return weights

    # --- the run ---------------------------------------------------------------------------
    def run(self, sink, *, progress: bool = False, rebuild_indexes: bool | None = None) -> Result:
        timings: dict = {}
        started = time.perf_counter()
        world = load_world()
        self._prepare(world)
        bases = {
            model: model.objects.aggregate(m=Max("id"))["m"] or 0
            for model in (Applicant, Dossier, Event, Pause, StepRun)
        }
        bases[OutboxMessage] = OutboxMessage.objects.aggregate(m=Max("id"))["m"] or 0
        sequences = {
            (agency, day): last
            for agency, day, last in DossierSequence.objects.filter(
                day__gte=self.period.first_day, day__lt=self.period.end_day
            ).values_list("agency_id", "day", "last")
        }
        timings["prepare_s"] = round(time.perf_counter() - started, 2)
        if rebuild_indexes is None:
            rebuild_indexes = self.count >= REBUILD_INDEXES_FROM
        started = time.perf_counter()
        sink.start(rebuild_indexes)
        rng = random.Random(self.seed)
        sync_rng = random.Random(rng.getrandbits(64))
        applicant_base = bases[Applicant]
        batch = Batch(applicants=self._applicants(applicant_base))
        ids = {
            "dossier": bases[Dossier],
            "event": bases[Event],
            "outbox": bases[OutboxMessage],
            "pause": bases[Pause],
            "step": bases[StepRun],
        }
        used: dict[tuple, int] = {}
        result = Result(self.count, bases[Dossier] + 1, bases[Dossier] + self.count)
        result.applicants = self.applicant_count
        result.first_outbox_id = bases[OutboxMessage] + 1
        result.period = self.period
        counts = day_counts(self.count, self._day_weights())
        bar = tqdm(total=self.count, unit=" hồ sơ", disable=not progress, mininterval=1.0)
        try:
            for i, n in enumerate(counts):
                if not n:
                    continue
                day = self.period.first_day + timedelta(days=i)
                drafts = self._drafts(rng, day, i, n, applicant_base)
                drafts.sort(key=lambda d: d[0])
                stamp = day.strftime("%y%m%d")
                for draft in drafts:
                    self._dossier(draft, day, stamp, rng, sync_rng, ids, sequences, used, batch)
                    if len(batch) >= self.batch_size:
                        self._flush(sink, batch, result)
                        batch = Batch()
                bar.update(n)
            if len(batch) or batch.applicants:
                self._flush(sink, batch, result)
            timings.update(sink.finish())
        finally:
            bar.close()
        # Raise the code counters to the last numbers used, so the services go on from there.
        DossierSequence.objects.bulk_create(
            [DossierSequence(agency_id=a, day=d, last=last) for (a, d), last in used.items()],
            update_conflicts=True,
            unique_fields=["agency", "day"],
            update_fields=["last"],
            batch_size=5000,
        )
        timings["generate_s"] = round(time.perf_counter() - started, 1)
        result.timings = timings
        return result

    def _flush(self, sink, batch: Batch, result: Result) -> None:
        result.events += len(batch.events)
        result.outbox += len(batch.outbox)
        result.pauses += len(batch.pauses)
        result.steps += len(batch.steps)
        sink.write(batch)

    def _drafts(self, rng, day: date, index: int, n: int, applicant_base: int) -> list[tuple]:
        """What is filed on one local day: (time, procedure, online, channel, receiving centre,
        handling agency, applicant), in no particular order."""
        t, tl, world = self.t, self.timeline, self.world
        midnight = tl.local(day)
        working = tl.working[tl.day_of(midnight + 43200)]
        progress = index / max(1, self.period.days - 1)
        p_online = t.online_start + (t.online_end - t.online_start) * progress
        centres = world.commune_centres
        pool = self.applicant_count
        units = len(world.unit_ids) or 1
        hours = _HOURS
        drafts = []
        for _ in range(n):
            commune = rng.random() < t.commune_share
            procs = world.procedures_commune if commune else world.procedures_province
            proc = procs[int(rng.random() ** 3 * len(procs))]
            if not working:
                for _retry in range(50):
                    if proc.online:
                        break
                    proc = procs[int(rng.random() ** 3 * len(procs))]
            online = proc.online and (not working or rng.random() < p_online)
            if online:
                channel = Channel.ONLINE
            elif rng.random() < t.post_share_of_paper:
                channel = Channel.POST
            else:
                channel = Channel.IN_PERSON
            if online:
                hour = hours.pick(rng.random())
                at = midnight + hour * 3600 + int(rng.random() * 3600)
            else:
                at = self._office_instant(midnight, rng.random())
            if commune or rng.random() < t.province_at_commune_centre:
                centre, committee, unit = centres[self.commune_centre.pick(rng.random())]
                receiving = centre
                handling = committee if commune else proc.province_handler
            else:
                receiving = self.provincial_centre.pick(rng.random())
                handling = proc.province_handler
                unit = None
            if unit is not None and pool >= units and rng.random() < 0.9:
                slot = int(rng.random() * (pool // units))
                applicant = applicant_base + 1 + self.unit_index.get(unit, 0) + units * slot
            else:
                applicant = applicant_base + 1 + int(rng.random() * pool)
            drafts.append((at, proc, online, channel, receiving, handling, applicant))
        return drafts

    def _office_instant(self, midnight: int, u: float) -> int:
        """A moment of office time on a working day, `u` of the way through it."""
        tl = self.timeline
        offset = int(u * tl.day_seconds)
        for begin, end in tl.sessions:
            if offset < end - begin:
                return midnight + begin + offset
            offset -= end - begin
        return midnight + tl.sessions[-1][1] - 1

    def _dossier(self, draft, day, stamp, rng, sync_rng, ids, sequences, used, batch) -> None:
        at, proc, online, channel, receiving, handling, applicant = draft
        ids["dossier"] += 1
        dossier_id = ids["dossier"]
        key = (receiving, day)
        number = used.get(key) or sequences.get(key, 0)
        number += 1
        used[key] = number
        code = f"{self.world.agency_codes[receiving]}-{stamp}-{number:04d}"
        life = self.sim.dossier(rng, proc, at, online, channel, receiving, handling)
        s = life.state
        status = life.status
        batch.dossiers.append(
            (
                dossier_id, code, proc.id, proc, applicant, channel, receiving, handling,
                proc.summary, status, s["submitted_at"], s["received_at"], s["due_at"],
                s["original_due_at"], s["finished_at"], s["returned_at"], s["return_method"],
                s["outcome"], s["outcome_reason"], s["reschedule_count"],
                s["supplement_asked_at_receipt"], s["supplement_asked_in_processing"],
                s["supplement_deadline"], life.next_step_role(), life.next_step_order(),
                s["is_digitised"],
                s["is_reused"], s["has_e_result"], s["paid_online"], s["vneid_verified"],
                s["updated_at"],
            )
        )  # fmt: skip
        if self.events:
            events, outbox, now = batch.events, batch.outbox, self.now
            for when, action, before, after, note, payload in life.events:
                ids["event"] += 1
                event_id = ids["event"]
                events.append((event_id, dossier_id, action, before, after, when, note, payload))
                ids["outbox"] += 1
                lag, tries = outbox_lag(sync_rng, self.t)
                row = outbox_row(ids["outbox"], event_id, dossier_id, action, when, lag, tries)
                if when + lag > now:  # not delivered yet
                    row = pending(row)
                outbox.append(row)
        if status in OPEN:
            # What the services need to carry on: the pauses and the process-control slip.
            for kind, reason, resume, opened, respond_by, due, closed in life.pauses:
                ids["pause"] += 1
                batch.pauses.append(
                    (ids["pause"], dossier_id, kind, reason, resume, opened, respond_by, due,
                     closed)
                )  # fmt: skip
            for order, name, role, agency, started, due, finished, timing in life.runs:
                ids["step"] += 1
                batch.steps.append(
                    (ids["step"], dossier_id, order, name, role, agency, started, due, finished,
                     timing, "")
                )  # fmt: skip


_HOURS = _Picker(range(24), ONLINE_HOURS)


def generate(
    *,
    count: int,
    seed: int,
    year: int | None = None,
    events: bool = True,
    batch_size: int = 20_000,
    progress: bool = False,
    rebuild_indexes: bool | None = None,
    today: date | None = None,
) -> Result:
    """Generate `count` dossiers in one transaction: COPY on PostgreSQL, bulk_create elsewhere."""
    generator = Generator(
        count=count, seed=seed, year=year, events=events, batch_size=batch_size, today=today
    )
    sink = PostgresSink() if connection.vendor == "postgresql" else OrmSink()
    with transaction.atomic():
        return generator.run(sink, progress=progress, rebuild_indexes=rebuild_indexes)


__all__ = ["DAY", "Generator", "Period", "Result", "generate", "period_for"]
