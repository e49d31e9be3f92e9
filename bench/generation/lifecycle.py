"""One generated dossier's life, as the services would have lived it, on integer epoch seconds.

`Simulator.dossier()` draws what happens (channel, receipt, supplements, payment, apology,
decision, return) and records one event per service call, as the service would: its action
(`DossierAction`), the status before and after (`DossierStatus`, the transition's target),
its note and payload. Only the choices are drawn; every date the services compute (due dates,
shifts after a pause, supplement deadlines and windows, the apology deadline and the new date's
limit, step due dates and their timing) comes from `FastRules`, which is `dossiers.rules` on
epoch seconds (fastrules.py). Each event is an action the state machine allows at that moment,
its conditions included (tests/bench/test_generated_paths.py walks them through it). The
period has an end: the first action after it does not happen, so the dossier stays in the state
reached by then (this is how open dossiers, and a few overdue ones, appear at the end of the
period). For dossiers still open at the end, the pauses and process steps the services would
have written are kept too, so that the services can carry on with them.

Shares (the seeds of docs/domain.md §6): see `Targets`.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from dossiers.models import Channel, Outcome, PauseKind, ReturnMethod
from dossiers.models import DossierAction as A
from dossiers.models import DossierStatus as S
from procedures.models import StepRole

from .fastrules import FastRules
from .timeline import DAY, WorkingTimeline
from .world import ProcedureInfo


@dataclass(frozen=True)
class Targets:
    """Probabilities of the generated province-year (docs/domain.md §6 for the seeded rates)."""

    # Online share (channel 2) grows through the year: 87.4 % for the year, 90-93 % at its end.
    online_start: float = 0.85
    online_end: float = 0.94
    commune_share: float = 0.70  # dossiers of commune-level procedures
    province_at_commune_centre: float = 0.12  # boundary-free receipt (Decree 118)
    post_share_of_paper: float = 0.10  # channel 3 among the dossiers not filed online
    weekend_weight: float = 0.10  # online filings on a day off, relative to a working day
    # At the check of an online dossier.
    not_received: float = 0.015
    supplement_at_receipt: float = 0.03
    withdraw_before_receipt: float = 0.003
    # During processing.
    supplement_in_processing: float = 0.04
    supplement_unanswered: float = 0.15
    payment_pause: float = 0.25  # of the dossiers of procedures with fees
    paid_online: float = 0.65  # of the online dossiers with fees
    withdraw_in_processing: float = 0.004
    reschedule: float = 0.012
    late: float = 0.004
    refused: float = 0.015
    # Flags counted by the indicators.
    e_result: float = 0.8577  # of approved results
    digitised: float = 0.8320  # of dossiers (paper ones are always digitised at the counter)
    reused: float = 0.8047  # of digitised dossiers
    vneid: float = 0.70  # of online dossiers
    # Portal sync lag (OutboxMessage created_at → sent_at).
    sync_slow: float = 0.025  # 30 s - 15 min
    sync_late: float = 0.01  # 1 h - 36 h (an outage's backlog)


TARGETS = Targets()

# Applicants' choices of hour for online filings (local time), 0h..23h.
ONLINE_HOURS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 13, 13, 11, 8, 8, 11, 12, 12, 10, 8, 8, 8, 6, 4, 2)
REFUSE_RECEIPT_REASONS = (
    "Hồ sơ không thuộc thẩm quyền giải quyết",
    "Giấy tờ kê khai không hợp lệ",
    "Thông tin người nộp không chính xác",
)
SUPPLEMENT_ITEMS = (
    "Bản sao giấy tờ tùy thân có chứng thực",
    "Tờ khai theo mẫu có đủ chữ ký",
    "Giấy ủy quyền",
    "Bản vẽ, sơ đồ kèm theo",
)
REFUSAL_REASONS = ("Không đủ điều kiện theo quy định", "Hồ sơ có thông tin sai lệch")
WITHDRAW_REASON = "Công dân đề nghị rút hồ sơ."
STOP_REASON = "Quá thời hạn bổ sung hồ sơ, dừng xử lý"
RESCHEDULE_REASON = "Cần xác minh thêm thông tin"


class _Cut(Exception):
    """The next action falls after the end of the period."""


def iso(t: int) -> str:
    """An instant as the services write it in an event's payload (`datetime.isoformat()`)."""
    return datetime.fromtimestamp(t, UTC).isoformat()


class Life:
    """The state of one dossier while its life is simulated."""

    __slots__ = ("end", "events", "pauses", "proc", "rules", "runs", "state", "status")

    def __init__(self, proc: ProcedureInfo, rules: FastRules, end: int, state: dict):
        self.proc = proc
        self.rules = rules
        self.end = end
        self.state = state
        self.status: S | str = ""  # before the first event, as the one door records it
        self.events: list[tuple] = []  # (at, action, from, to, note, payload)
        self.pauses: list[list] = []  # [kind, reason, resume_to, opened, respond_by, due, closed]
        self.runs: list[list] = []  # [order, name, role, agency, started, due, finished, timing]

    def act(self, at: int, action: A, to: S, note: str = "", payload=None, **patch):
        if at > self.end:
            raise _Cut
        self.events.append((at, action, self.status, to, note, payload or {}))
        self.status = to
        if patch:
            self.state.update(patch)
        self.state["updated_at"] = at

    # --- the process-control slip (Mẫu 06), as dossiers/services/steps.py keeps it -----------
    def next_step(self, role: StepRole | None = None):
        """`steps.next_step`: the first step after the last one started (of `role`)."""
        last = max((r[0] for r in self.runs), default=0)
        for step in self.proc.steps:
            if step[0] > last and (role is None or step[2] == role):
                return step
        return None

    def start_step(self, step, at: int, agency: int, finished: bool = False):
        """`steps.start_step`: its due date is its share of the time from now."""
        proc = self.proc
        due = self.rules.step_due(proc.value, proc.unit, step[3], at)
        run = [step[0], step[1], step[2], agency, at, due, None, ""]
        if finished:
            run[6], run[7] = at, self.rules.timing(at, due)
        self.runs.append(run)

    def close_step(self, at: int):
        for run in self.runs:
            if run[6] is None:
                run[6], run[7] = at, self.rules.timing(at, run[5])

    def close_pause(self, at: int) -> list | None:
        """`actions._close_pause`: the open step gets the paused office time back."""
        for pause in self.pauses:
            if pause[6] is None:
                pause[6] = at
                for run in self.runs:
                    if run[6] is None and run[5] is not None:
                        run[5] = self.rules.shifted_due(run[5], pause[3], at)
                self.state["supplement_deadline"] = None
                return pause
        return None

    def next_step_role(self) -> str:
        """`Dossier.next_step_role`: the role of the next step not yet started."""
        step = self.next_step()
        return step[2] if step else ""

    def next_step_order(self) -> int | None:
        """`Dossier.next_step_order`: its order (None when there is none)."""
        step = self.next_step()
        return step[0] if step else None


class Simulator:
    def __init__(self, timeline: WorkingTimeline, end: int, targets: Targets = TARGETS):
        self.timeline = timeline
        self.rules = FastRules(timeline)
        self.end = end
        self.t = targets
        online_mean = (targets.online_start + targets.online_end) / 2
        # Paper dossiers are digitised at the counter; online ones make up the rest.
        self.digitised_online = max(0.0, (targets.digitised - (1 - online_mean)) / online_mean)

    # --- helpers -----------------------------------------------------------------------------
    def _wsec(self, t: int, seconds: float) -> int:
        """`t` plus a drawn amount of office time (how long someone took: not a rule)."""
        return self.timeline.add_working_seconds(t, seconds)

    def _due(self, start: int, proc: ProcedureInfo) -> int:
        return self.rules.due_from(proc.value, proc.unit, start)

    def _budget(self, a: int, b: int) -> int:
        return max(self.timeline.between(a, b), 60)

    # --- one dossier ---------------------------------------------------------------------------
    def dossier(
        self,
        rng: random.Random,
        proc: ProcedureInfo,
        submitted: int,
        online: bool,
        channel: Channel,
        receiving: int,
        handling: int,
    ) -> Life:
        t = self.t
        digitised = (not online) or rng.random() < self.digitised_online
        state = {
            "submitted_at": submitted,
            "received_at": None,
            "due_at": None,
            "original_due_at": None,
            "finished_at": None,
            "returned_at": None,
            "outcome": "",
            "outcome_reason": "",
            "reschedule_count": 0,
            "supplement_asked_at_receipt": False,
            "supplement_asked_in_processing": False,
            "supplement_deadline": None,
            "is_digitised": digitised,
            "is_reused": digitised and rng.random() < t.reused,
            "has_e_result": False,
            "paid_online": False,
            "vneid_verified": online and rng.random() < t.vneid,
            "return_method": (
                (ReturnMethod.ONLINE if rng.random() < 0.6 else ReturnMethod.COUNTER)
                if online
                else (ReturnMethod.POST if channel == Channel.POST else ReturnMethod.COUNTER)
            ),
            "updated_at": submitted,
        }
        life = Life(proc, self.rules, self.end, state)
        with contextlib.suppress(_Cut):
            self._live(rng, life, online, receiving, handling)
        return life

    def _live(self, rng, life: Life, online: bool, receiving: int, handling: int) -> None:
        t, tl, fr, proc, state = self.t, self.timeline, self.rules, life.proc, life.state
        submitted = state["submitted_at"]
        summary = proc.summary
        # --- filing and the check at receipt ---------------------------------------------------
        if online:
            life.act(submitted, A.SUBMIT, S.NEW, summary)
            check = self._wsec(submitted, 600 + rng.expovariate(1 / 9000))
            u = rng.random()
            if u < t.withdraw_before_receipt:
                at = submitted + int((check - submitted) * rng.random()) + 60
                life.act(at, A.WITHDRAW, S.WITHDRAWN, WITHDRAW_REASON, finished_at=at,
                         outcome_reason=WITHDRAW_REASON)  # fmt: skip
                return
            u -= t.withdraw_before_receipt
            if u < t.not_received:
                reason = rng.choice(REFUSE_RECEIPT_REASONS)
                life.act(check, A.REFUSE_RECEIPT, S.NOT_RECEIVED, reason, finished_at=check,
                         outcome_reason=reason)  # fmt: skip
                return
            u -= t.not_received
            if u < t.supplement_at_receipt:
                if not self._supplement(rng, life, check, received=False):
                    return
                check = self._wsec(state["updated_at"], 300 + rng.expovariate(1 / 7200))
            received = check
            due = self._due(received, proc)
            life.act(received, A.RECEIVE, S.RECEIVED, "", {"due_at": iso(due)},
                     received_at=received, due_at=due, original_due_at=due)  # fmt: skip
        else:
            received = submitted
            due = self._due(received, proc)
            life.act(received, A.INTAKE, S.RECEIVED, summary, {"due_at": iso(due)},
                     received_at=received, due_at=due, original_due_at=due)  # fmt: skip
        step = life.next_step(StepRole.RECEIVE)
        if step:
            life.start_step(step, received, receiving, finished=True)
        start = tl.counting_start(received)
        budget = self._budget(start, due)
        # A procedure with no processing time (trả ngay) is decided at once.
        instant = tl.between(start, due) <= 0

        # --- assignment ------------------------------------------------------------------------
        assign = start if instant else self._wsec(start, budget * (0.02 + 0.08 * rng.random()))
        life.act(assign, A.ASSIGN, S.PROCESSING, "", {"assignee": None})
        step = life.next_step(StepRole.SPECIALIST) or life.next_step()
        if step:
            life.start_step(step, assign, handling)
        now = assign

        u = rng.random()
        if u < t.withdraw_in_processing and not instant:
            at = self._wsec(now, self._budget(now, due) * rng.random() * 0.8)
            self._end(life, at, A.WITHDRAW, S.WITHDRAWN, WITHDRAW_REASON)
            return

        # --- a request for supplement, while the rule's window is open ----------------------
        if rng.random() < t.supplement_in_processing and not instant:
            window = tl.between(now, fr.supplement_request_window_ends(received))
            if window > 1800:
                asked = self._wsec(now, min(window - 600, 600 + rng.random() * window * 0.6))
                if not self._supplement(rng, life, asked, received=True):
                    return
                now = state["updated_at"]
                due = state["due_at"]

        # --- hand-overs between internal steps, a payment pause, the decision ----------------
        remaining = 0 if instant else self._budget(now, due)
        late = rng.random() < t.late and not instant
        rescheduled = not late and not instant and rng.random() < t.reschedule
        if late:
            finish_work = remaining + remaining * (0.05 + 0.25 * rng.random()) + 600
        elif rescheduled:
            finish_work = remaining * 0.9  # placeholder; set once the new date is known
        else:
            finish_work = remaining * (0.08 + 0.88 * rng.random() ** 1.4)
        # One hand-over per internal step after the one started at assignment (the state
        # machine's `internal_step_left`: a next step that is not the return of the result).
        last = max((r[0] for r in life.runs), default=0)
        handovers = 0
        for order, _name, role, _share in proc.steps:
            if order > last:
                if role == StepRole.RETURN:
                    break
                handovers += 1
        pay_point = None
        if proc.has_fee and rng.random() < t.payment_pause and not instant:
            pay_point = finish_work * (0.5 + 0.4 * rng.random())
        marks = [(finish_work * (i + 1) / (handovers + 1), A.HAND_OVER) for i in range(handovers)]
        if pay_point is not None:
            marks.append((pay_point, A.REQUEST_PAYMENT))
        marks.sort()
        done_work = 0.0
        for mark, action in marks:
            now = self._wsec(now, mark - done_work)
            done_work = mark
            if action == A.HAND_OVER:
                step = life.next_step()
                if step is None or step[2] == StepRole.RETURN:
                    continue
                life.act(now, A.HAND_OVER, life.status, "", {"assignee": None})
                life.close_step(now)
                life.start_step(step, now, handling)
            else:
                life.act(now, A.REQUEST_PAYMENT, S.AWAITING_PAYMENT, "",
                         {"amount": proc.fee_amount})  # fmt: skip
                life.pauses.append([PauseKind.PAYMENT, "", S.PROCESSING, now, None, due, None])
                paid = now + 600 + int(rng.expovariate(1 / (1.5 * DAY)))
                online_pay = online and rng.random() < t.paid_online
                if paid > self.end:
                    raise _Cut
                pause = life.close_pause(paid)
                due = fr.shifted_due(pause[5], pause[3], paid)
                life.act(paid, A.CONFIRM_PAYMENT, S.PROCESSING, "",
                         {"paid_online": online_pay, "due_at": iso(due)},
                         due_at=due, paid_online=state["paid_online"] or online_pay)  # fmt: skip
                now = paid
        # Online payment also happens at filing for the dossiers without a payment pause.
        if proc.has_fee and online and pay_point is None and rng.random() < t.paid_online:
            state["paid_online"] = True
        finish = None
        if rescheduled:
            # The apology and new date (Mẫu 04), no later than the rule's deadline.
            latest = fr.apology_deadline(due)
            left = tl.between(now, latest)
            if left > tl.day_seconds * 0.2:
                apology = self._wsec(now, left - tl.day_seconds * 0.1)
                wanted = self._wsec(due, tl.day_seconds * (3 + 12 * rng.random()))
                limit = fr.reschedule_limit(due, proc.value, proc.unit)
                new_due = min(tl.in_office_time(wanted), limit)
                life.act(apology, A.RESCHEDULE, life.status, RESCHEDULE_REASON,
                         {"due_at": iso(new_due)}, due_at=new_due,
                         reschedule_count=state["reschedule_count"] + 1)  # fmt: skip
                finish = self._wsec(due, tl.between(due, new_due) * (0.1 + 0.85 * rng.random()))
                due = new_due
        if finish is None:
            finish = self._wsec(now, max(0.0, finish_work - done_work))
        if not late:
            finish = min(finish, due)  # (an instant at a session's end snaps to the next one)
        finish = max(finish, now)
        # --- the decision -------------------------------------------------------------------------
        if rng.random() < t.refused:
            reason = rng.choice(REFUSAL_REASONS)
            life.act(finish, A.REFUSE, S.RESULT_READY, reason, {}, outcome=Outcome.REFUSED,
                     outcome_reason=reason, finished_at=finish)  # fmt: skip
        else:
            e_result = rng.random() < t.e_result
            life.act(finish, A.APPROVE, S.RESULT_READY, "", {"e_result": e_result},
                     outcome=Outcome.APPROVED, finished_at=finish,
                     has_e_result=e_result)  # fmt: skip
        life.close_step(finish)
        step = life.next_step(StepRole.RETURN)
        if step:
            life.start_step(step, finish, receiving)
        # --- the return -----------------------------------------------------------------------
        method = state["return_method"]
        if method == ReturnMethod.ONLINE:
            returned = finish + 60 + int(rng.expovariate(1 / 7200))
        elif rng.random() < 0.02:
            returned = finish + int(DAY * (5 + 35 * rng.random()))
        else:
            returned = self._wsec(finish, 300 + rng.expovariate(1 / (0.8 * tl.day_seconds)))
        life.act(returned, A.RETURN_RESULT, S.RETURNED, "",
                 {"method": method}, returned_at=returned)  # fmt: skip
        life.close_step(returned)

    def _supplement(self, rng, life: Life, asked: int, *, received: bool) -> bool:
        """Ask once for every missing paper (`actions.request_supplement`); the applicant
        answers within the window (True) or the dossier is stopped once it has run out
        (False)."""
        tl, fr, proc, state = self.timeline, self.rules, life.proc, life.state
        resume = life.status  # the request goes back to where it came from
        items = rng.sample(SUPPLEMENT_ITEMS, 1 + int(rng.random() * 2))
        deadline = fr.supplement_deadline(proc.supplement_window, asked)
        flag = "supplement_asked_in_processing" if received else "supplement_asked_at_receipt"
        life.act(asked, A.REQUEST_SUPPLEMENT, S.SUPPLEMENT_REQUESTED, "", {"items": items},
                 supplement_deadline=deadline, **{flag: True})  # fmt: skip
        life.pauses.append([PauseKind.SUPPLEMENT, "\n".join(items), resume, asked, deadline,
                            state["due_at"], None])  # fmt: skip
        if rng.random() < self.t.supplement_unanswered:
            at = tl.add_working_seconds(deadline, tl.day_seconds * (0.2 + 2 * rng.random()))
            self._end(life, at, A.STOP, S.STOPPED, STOP_REASON)
            return False
        answered = asked + int((deadline - asked) * (0.05 + 0.9 * rng.random() ** 2))
        if answered > self.end:
            raise _Cut
        pause = life.close_pause(answered)
        due = state["due_at"]
        if received:  # `actions.supplement`: the procedure's rule
            if proc.supplement_shift:
                due = fr.shifted_due(pause[5], pause[3], answered)
            else:
                due = self._due(answered, proc)
        rule = proc.terms["supplement_rule"]
        life.act(answered, A.SUPPLEMENT, resume, "", {"rule": rule,
                 "due_at": iso(due) if due else None}, due_at=due)  # fmt: skip
        return True

    def _end(self, life: Life, at: int, action: A, to: S, reason: str) -> None:
        """`actions._end` (withdraw, stop): the open pause and step are closed."""
        if at > self.end:
            raise _Cut
        life.close_pause(at)
        life.close_step(at)
        life.act(at, action, to, reason, {}, finished_at=at, outcome_reason=reason)


def outbox_lag(rng: random.Random, targets: Targets = TARGETS) -> tuple[float, int]:
    """Seconds from the event to its delivery to the portal, and the attempts it took."""
    u = rng.random()
    if u < targets.sync_late:
        return 3600 + rng.random() * 35 * 3600, 2 + int(rng.random() * 5)
    if u < targets.sync_late + targets.sync_slow:
        return 30 + rng.random() * 870, 1 + int(rng.random() * 3)
    return 0.2 + min(rng.expovariate(1 / 1.2), 25.0), 1
