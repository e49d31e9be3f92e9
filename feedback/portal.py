"""The outbox topic `feedback.portal`: each change of a feedback, for the national portal's
feedback system (docs/feedback.md).

The national portal's feedback interface is not specified in this project's sources, so the
handler is deliberately small: with `FEEDBACK_PORTAL_URL` set it POSTs the change as JSON (the
idempotency key in a header; 5xx and network errors retried by the outbox, 4xx dead); without it
the message is delivered locally — the event records that it was processed (`forwarded_at`, an
empty `forwarded_to`) — so nothing piles up and the history is there to resend later.
Never sent: the sender's name, phone, e-mail or account.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.utils import timezone

from outbox import delivery

from .models import FeedbackEvent

TOPIC = "feedback.portal"


def record_of(event: FeedbackEvent) -> dict:
    f = event.feedback
    return {
        "code": f.code,
        "title": f.title,
        "content": f.content,
        "subject": f.subject,
        "category": f.category,
        "agency": f.agency.code,
        "procedure": f.procedure.code if f.procedure_id else None,
        "dossier": f.dossier.code if f.dossier_id else None,
        "status": event.to_status,
        "action": event.action,
        "at": event.at.isoformat(),
        "due_at": f.due_at.isoformat(),
        "answer": f.answer if f.published else "",
    }


@delivery.register(TOPIC)
def deliver(message) -> None:
    event = (
        FeedbackEvent.objects.select_related(
            "feedback__agency", "feedback__procedure", "feedback__dossier"
        )
        .filter(pk=message.reference["event"])
        .first()
    )
    if event is None:
        raise delivery.PermanentError("feedback event gone")
    url = settings.FEEDBACK_PORTAL_URL
    if url:
        try:
            response = requests.post(
                url,
                json=record_of(event),
                headers={"Idempotency-Key": message.idempotency_key},
                timeout=settings.FEEDBACK_PORTAL_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise delivery.TransientError(str(exc)) from exc
        if response.status_code >= 500:
            raise delivery.TransientError(f"portal answered {response.status_code}")
        if response.status_code >= 400:
            raise delivery.PermanentError(f"portal refused: {response.status_code}")
    FeedbackEvent.objects.filter(pk=event.pk).update(
        forwarded_at=timezone.now(), forwarded_to=url[:300]
    )
