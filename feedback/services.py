"""Feedback's writes: one function per action, each in one transaction that locks the row,
judges the actor and the state, runs the FSM transition, appends the `FeedbackEvent`, enqueues
the portal message (outbox topic `feedback.portal`) and sends `feedback_changed`
(docs/feedback.md). Views, the admin and tasks call these; nothing else sets `status`.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import User
from accounts.roles import OFFICIAL_ROLES, Role
from core.calendar import LOCAL_TZ, get_calendar
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.text import fold
from dossiers.models import Dossier
from organisations.models import Agency
from procedures.models import Level
from procedures.selectors import published_procedures

from . import selectors
from .models import (
    ANSWER_MAX,
    CONTENT_MAX,
    OPEN,
    REASON_MAX,
    TITLE_MAX,
    Category,
    Feedback,
    FeedbackAction,
    FeedbackEvent,
    FeedbackSequence,
    FeedbackStatus,
    Subject,
    Verdict,
)
from .signals import feedback_changed

S = FeedbackStatus
A = FeedbackAction
TOPIC = "feedback.portal"
# Two titles are "similar" when their folded word sets overlap this much (Jaccard).
SIMILARITY = 0.6


# --- codes --------------------------------------------------------------------------------------
def next_number(year: int) -> int:
    """The next number of `year`, by one INSERT … ON CONFLICT DO UPDATE … RETURNING inside the
    caller's transaction (as dossiers/codes.py): consecutive under concurrency."""
    table = FeedbackSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        return cursor.fetchone()[0]


def new_code(moment) -> str:
    year = moment.astimezone(LOCAL_TZ).year
    return f"PAKN-{year}-{next_number(year):06d}"


def due_from(received_at):
    """FEEDBACK_DEADLINE_DAYS working days from the counting start (core/calendar.py)."""
    return get_calendar().due_at(received_at, settings.FEEDBACK_DEADLINE_DAYS)


# --- roles --------------------------------------------------------------------------------------
def _role(user):
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def is_sender(feedback: Feedback, user) -> bool:
    return _role(user) == Role.CITIZEN and feedback.sender_id == user.pk


def is_handler(feedback: Feedback, user) -> bool:
    """An official of the agency the feedback is routed to."""
    return (
        _role(user) in OFFICIAL_ROLES
        and user.agency_id is not None
        and user.agency_id == feedback.agency_id
    )


def _invalid(name: str, message: str, detail: str | None = None) -> DomainError:
    return DomainError(detail or message, code="invalid", errors={name: [message]})


# --- submitting -----------------------------------------------------------------------------------
def normalise_phone(raw: str) -> str:
    """'0912 345 678' → '+84912345678' (phonenumbers, as notifications/phones.py)."""
    text = (raw or "").strip()
    if text.isdigit() and text.startswith("84") and len(text) >= 11:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException as exc:
        raise _invalid("contact_phone", _("Số điện thoại không hợp lệ.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise _invalid("contact_phone", _("Số điện thoại không hợp lệ."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _text(value, name: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _invalid(name, _("Không được để trống."))
    if len(value) > limit:
        raise _invalid(name, _("Tối đa %(n)d ký tự.") % {"n": limit})
    return value


@dataclass
class Routed:
    subject: str
    agency: Agency
    dossier: Dossier | None = None
    procedure: object = None
    official: User | None = None


def _route(subject, *, agency, dossier, procedure, official, sender) -> Routed:
    """Which agency answers: the dossier's handling agency; the official's agency; the named
    agency; for a procedure the named agency, else (provincial procedures) the department the
    routing of dossiers would pick."""
    from dossiers.routing import default_handling_agency, default_receiving_centre

    named = None
    if agency:
        named = Agency.objects.filter(code=agency, is_active=True).first()
        if named is None:
            raise _invalid("agency", _("Không tìm thấy cơ quan này."))
    if subject == Subject.DOSSIER:
        if not dossier:
            raise _invalid("dossier", _("Cần mã hồ sơ."))
        found = Dossier.objects.select_related("procedure").filter(code=dossier).first()
        # A citizen's feedback names one of their own dossiers (anyone else's: unknown).
        if found is None or (
            _role(sender) == Role.CITIZEN and found.applicant.account_id != sender.pk
        ):
            raise _invalid("dossier", _("Không tìm thấy hồ sơ có mã này."))
        target = found.handling_agency or found.receiving_agency
        return Routed(subject, target, dossier=found, procedure=found.procedure)
    if subject == Subject.OFFICIAL:
        if not official:
            raise _invalid("official", _("Cần cán bộ bị phản ánh."))
        person = (
            User.objects.filter(
                pk=official, role__in=OFFICIAL_ROLES, is_active=True, agency__isnull=False
            )
            .select_related("agency")
            .first()
        )
        if person is None:
            raise _invalid("official", _("Không tìm thấy cán bộ này."))
        return Routed(subject, person.agency, official=person)
    if subject == Subject.PROCEDURE:
        if not procedure:
            raise _invalid("procedure", _("Cần mã thủ tục."))
        found = published_procedures().filter(code=procedure).first()
        if found is None:
            raise _invalid("procedure", _("Không tìm thấy thủ tục có mã này."))
        if named is None:
            if found.level == Level.COMMUNE:
                raise _invalid("agency", _("Thủ tục cấp xã: chọn cơ quan (UBND xã, phường)."))
            named = default_handling_agency(found, default_receiving_centre(found))
        return Routed(subject, named, procedure=found)
    if named is None:
        raise _invalid("agency", _("Cần cơ quan bị phản ánh."))
    return Routed(Subject.AGENCY, named)


def folded_title(title: str) -> str:
    return fold(title)


def _words(folded: str) -> set[str]:
    return {w for w in folded.split() if len(w) > 1}


def similar(a: str, b: str) -> bool:
    """Folded titles alike: equal, or their word sets overlap ≥ SIMILARITY (Jaccard)."""
    if a == b:
        return True
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    return len(wa & wb) / len(wa | wb) >= SIMILARITY


def find_primary(feedback: Feedback) -> Feedback | None:
    """The open feedback this one duplicates (docs/feedback.md, grouping): same dossier, or same
    agency, subject and category with a similar title, received within FEEDBACK_GROUP_DAYS."""
    since = feedback.received_at - timedelta(days=settings.FEEDBACK_GROUP_DAYS)
    candidates = Feedback.objects.filter(
        primary__isnull=True, status__in=list(OPEN), received_at__gte=since
    ).exclude(pk=feedback.pk)
    if feedback.dossier_id is not None:
        same = candidates.filter(dossier_id=feedback.dossier_id).order_by("received_at", "pk")
        first = same.first()
        if first is not None:
            return first
    rows = candidates.filter(
        agency_id=feedback.agency_id, subject=feedback.subject, category=feedback.category
    ).order_by("received_at", "pk")[:500]
    for row in rows:
        if similar(row.title_folded, feedback.title_folded):
            return row
    return None


def search_text(feedback: Feedback) -> str:
    parts = [feedback.title, feedback.content]
    if feedback.published:
        parts.append(feedback.answer)
    return fold(" ".join(parts))


def submit(
    *,
    sender=None,
    title: str,
    content: str,
    subject: str,
    category: str | None = None,
    agency: str | None = None,
    dossier: str | None = None,
    procedure: str | None = None,
    official: int | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
) -> Feedback:
    """A citizen (logged in) or an anonymous sender with a contact sends feedback."""
    if _role(sender) not in (None, Role.CITIZEN):
        raise Forbidden(_("Chỉ công dân, tổ chức gửi phản ánh, kiến nghị."))
    title = _text(title, "title", TITLE_MAX)
    content = _text(content, "content", CONTENT_MAX)
    if subject not in Subject.values:
        raise _invalid("subject", _("Chọn một trong: %(v)s.") % {"v": ", ".join(Subject.values)})
    if category and category not in Category.values:
        raise _invalid("category", _("Chọn một trong: %(v)s.") % {"v": ", ".join(Category.values)})
    category = category or (Category.CONDUCT if subject == Subject.OFFICIAL else Category.PROCEDURE)
    contact_name = _text(contact_name, "contact_name", 200, required=False)
    contact_email = (contact_email or "").strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError as exc:
            raise _invalid("contact_email", _("Địa chỉ thư điện tử không hợp lệ.")) from exc
    phone = normalise_phone(contact_phone) if (contact_phone or "").strip() else ""
    if sender is None and (not contact_name or not (phone or contact_email)):
        raise DomainError(
            _("Người gửi không đăng nhập cần họ tên và số điện thoại hoặc thư điện tử."),
            code="contact_required",
            errors={"contact": [_("Cần họ tên và số điện thoại hoặc thư điện tử.")]},
        )
    if sender is not None and not contact_name:
        contact_name = sender.get_full_name() or sender.username
    with transaction.atomic():
        routed = _route(
            subject,
            agency=agency,
            dossier=dossier,
            procedure=procedure,
            official=official,
            sender=sender,
        )
        now = timezone.now()
        due = due_from(now)
        feedback = Feedback(
            code=new_code(now),
            title=title,
            content=content,
            subject=routed.subject,
            category=category,
            agency=routed.agency,
            dossier=routed.dossier,
            procedure=routed.procedure,
            official=routed.official,
            sender=sender,
            contact_name=contact_name,
            contact_phone=phone,
            contact_email=contact_email,
            received_at=now,
            due_at=due,
            original_due_at=due,
            title_folded=folded_title(title)[: TITLE_MAX * 2],
        )
        feedback.search_text = search_text(feedback)
        feedback.save()
        primary = find_primary(feedback)
        if primary is not None:
            feedback.primary = primary
            feedback.save(update_fields=["primary"])
        _record(
            feedback,
            sender,
            A.SUBMIT,
            "",
            now,
            payload={"primary": primary.code if primary else None},
        )
    return feedback


# --- the actions --------------------------------------------------------------------------------
@dataclass
class Act:
    feedback: Feedback
    actor: object
    action: str
    now: object
    before: str
    before_facts: dict = field(default_factory=dict)


COUNTED = ("status", "handled_at", "verdict", "reopen_count")


def facts(feedback: Feedback) -> dict:
    """The values of a feedback the counters read (indicators)."""
    return {name: getattr(feedback, name) for name in COUNTED}


def lock(code_or_feedback, user=None) -> Feedback:
    """The row, locked, as `user` may see it (else 404)."""
    code = getattr(code_or_feedback, "code", code_or_feedback)
    queryset = Feedback.objects.select_for_update().filter(code=code)
    if user is not None:
        queryset = queryset.filter(pk__in=selectors.visible_to(user).values("pk"))
    found = queryset.first()
    if found is None:
        raise NotFound()
    return found


def _check(feedback: Feedback, transition, allowed: bool) -> None:
    if not allowed:
        raise Forbidden()
    if not can_proceed(transition):
        raise Conflict(
            _("Không thể thực hiện thao tác này ở trạng thái “%(s)s”.")
            % {"s": feedback.get_status_display()},
            code="transition_not_allowed",
            extra={"status": feedback.status},
        )


@contextmanager
def action(code, actor, name: str, *, who):
    """Lock, check visibility (404) and who may act (403), yield; then record."""
    with transaction.atomic():
        feedback = lock(code, actor)
        act = Act(feedback, actor, name, timezone.now(), feedback.status, facts(feedback))
        if not who(feedback, actor):
            raise Forbidden()
        yield act
        feedback.save()
        _record(feedback, actor, name, act.before, act.now, before_facts=act.before_facts)


def _record(feedback, actor, action_name, before, now, *, note="", payload=None, before_facts=None):
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    event = FeedbackEvent.objects.create(
        feedback=feedback,
        action=action_name,
        from_status=before or "",
        to_status=feedback.status,
        actor_id=actor_id,
        at=now,
        note=note or getattr(feedback, "_note", ""),
        payload=payload or getattr(feedback, "_payload", {}) or {},
    )
    from outbox import delivery

    delivery.enqueue(
        topic=TOPIC,
        key=f"feedback:{feedback.pk}",
        reference={"feedback": feedback.pk, "event": event.pk},
        idempotency_key=f"{TOPIC}:event:{event.pk}",
    )
    feedback_changed.send(
        sender=Feedback,
        feedback=feedback,
        event=event,
        before=before or None,
        before_facts=before_facts,
    )
    return event


def assign(*, feedback, actor, assignee: int | None = None, note: str = "") -> Feedback:
    """The agency's official takes it (or the head names one of the agency's officials)."""
    with action(feedback, actor, A.ASSIGN, who=is_handler) as act:
        f = act.feedback
        _check(f, f.assign, True)
        person = actor
        if assignee is not None and assignee != actor.pk:
            person = User.objects.filter(
                pk=assignee, agency_id=f.agency_id, role__in=OFFICIAL_ROLES, is_active=True
            ).first()
            if person is None:
                raise _invalid("assignee", _("Người được phân công phải là cán bộ của cơ quan."))
        f.assign()
        f.assignee = person
        f._note = _text(note, "note", REASON_MAX, required=False)
        f._payload = {"assignee": person.pk}
    return f


def _answer_fields(f: Feedback, actor, text: str, publish: bool, now) -> None:
    f.answer_it()
    f.answer = text
    f.answered_at = now
    f.answered_by = actor
    f.handled_at = f.handled_at or now
    f.published = bool(publish)
    f.published_at = now if publish else None
    if f.assignee_id is None:
        f.assignee = actor
    f.search_text = search_text(f)


def answer(*, feedback, actor, text: str, publish: bool = False) -> Feedback:
    """Answer; the open feedback grouped under this one gets the same answer (each its own
    event, each sender told)."""
    text = _text(text, "text", ANSWER_MAX)
    with transaction.atomic():  # the primary and its group: all or nothing
        with action(feedback, actor, A.ANSWER, who=is_handler) as act:
            f = act.feedback
            _check(f, f.answer_it, True)
            _answer_fields(f, actor, text, publish, act.now)
        grouped = Feedback.objects.filter(primary=f, status__in=list(OPEN)).order_by("pk")
        for code in list(grouped.values_list("code", flat=True)):
            other = lock(code)
            before, before_facts = other.status, facts(other)
            _answer_fields(other, actor, text, publish, act.now)
            other.save()
            _record(
                other,
                actor,
                A.ANSWER,
                before,
                act.now,
                note=_("Trả lời chung với phản ánh %(code)s.") % {"code": f.code},
                payload={"primary": f.code},
                before_facts=before_facts,
            )
    return f


def reject(*, feedback, actor, reason: str) -> Feedback:
    reason = _text(reason, "reason", REASON_MAX)
    with action(feedback, actor, A.REJECT, who=is_handler) as act:
        f = act.feedback
        _check(f, f.reject, True)
        f.reject()
        f.reject_reason = reason
        f.handled_at = f.handled_at or act.now
        f._note = reason
    return f


def close(*, feedback, actor, note: str = "") -> Feedback:
    with action(feedback, actor, A.CLOSE, who=is_handler) as act:
        f = act.feedback
        _check(f, f.close, True)
        f.close()
        f.closed_at = act.now
        f._note = _text(note, "note", REASON_MAX, required=False)
    return f


def rate(*, feedback, actor, verdict: str) -> Feedback:
    """The sender says whether the answer satisfied them (once per answer; keeps the status)."""
    if verdict not in Verdict.values:
        raise _invalid("verdict", _("Chọn một trong: %(v)s.") % {"v": ", ".join(Verdict.values)})
    with action(feedback, actor, A.RATE, who=is_sender) as act:
        f = act.feedback
        if f.status not in (S.ANSWERED, S.CLOSED):
            raise Conflict(_("Chỉ đánh giá được sau khi đã có trả lời."), code="not_answered")
        if f.verdict:
            raise Conflict(_("Đã đánh giá kết quả trả lời này."), code="already_rated")
        f.verdict = verdict
        f._payload = {"verdict": verdict}
    return f


def reopen(*, feedback, actor, reason: str = "") -> Feedback:
    """The sender re-opens an answered feedback once; a second time is refused (409)."""
    reason = _text(reason, "reason", REASON_MAX, required=False)
    with action(feedback, actor, A.REOPEN, who=is_sender) as act:
        f = act.feedback
        if f.reopen_count >= 1:
            raise Conflict(
                _("Phản ánh chỉ được mở lại một lần."), code="reopen_limit", extra={"reopened": 1}
            )
        _check(f, f.reopen, True)
        f.reopen()
        f.reopen_count += 1
        if f.assignee_id is None:
            f.assignee_id = f.answered_by_id
        f.due_at = due_from(act.now)
        f.verdict = ""
        f.closed_at = None
        f.unowned_flagged_at = None
        f.escalations.all().delete()  # a new deadline: the ladder starts again
        f._note = reason
    return f


def flag_unowned(feedback: Feedback, now) -> bool:
    """The watchdog: flag an unassigned feedback once (its own event, no state change)."""
    with transaction.atomic():
        f = Feedback.objects.select_for_update().filter(pk=feedback.pk).first()
        if f is None or f.status != S.RECEIVED or f.unowned_flagged_at is not None:
            return False
        f.unowned_flagged_at = now
        f.save(update_fields=["unowned_flagged_at"])
        _record(f, None, A.FLAG, f.status, now, note=_("Chưa được phân công xử lý."))
    return True


def official_actions(feedback: Feedback, user) -> list[str]:
    """What `user` may do now (for the API's detail)."""
    out = []
    if is_handler(feedback, user):
        if feedback.status in OPEN:
            out += ["assign", "answer", "reject"]
        if feedback.status == S.ANSWERED:
            out.append("close")
    if is_sender(feedback, user):
        if feedback.status in (S.ANSWERED, S.CLOSED) and not feedback.verdict:
            out.append("satisfaction")
        if feedback.status in (S.ANSWERED, S.CLOSED) and feedback.reopen_count == 0:
            out.append("reopen")
    return out
