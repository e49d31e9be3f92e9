"""The beat task of the appointments (settings CELERY_BEAT_SCHEDULE "servicecentre-appointments"):
reminders of tomorrow's appointments and the no-shows of those whose slot is over."""

from celery import shared_task

from . import services


@shared_task(name="servicecentre.appointments_tick")
def appointments_tick() -> dict:
    return {
        "reminded": services.send_reminders(),
        "no_shows": services.mark_no_shows(),
    }
