from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Thông báo")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from dossiers.signals import dossier_changed

        from . import cache, delivery, services  # delivery registers the outbox handlers
        from .models import NotificationTemplate

        assert delivery
        dossier_changed.connect(services.on_dossier_changed, dispatch_uid="notifications.dossier")
        # Feedback (docs/feedback.md): the sender's notices and the watchdog's reminders.
        from feedback.signals import feedback_changed, feedback_escalated

        from . import feedback

        feedback_changed.connect(feedback.on_feedback_changed, dispatch_uid="notifications.fb")
        feedback_escalated.connect(
            feedback.on_feedback_escalated, dispatch_uid="notifications.fb_escalated"
        )
        # The service centre's appointments (docs/service-centre.md): the reminder the day before.
        from servicecentre.services import appointment_reminder

        from . import appointments

        appointment_reminder.connect(
            appointments.on_appointment_reminder, dispatch_uid="notifications.appointment"
        )
        for signal in (post_save, post_delete):
            signal.connect(
                cache.on_template_written,
                sender=NotificationTemplate,
                dispatch_uid=f"notifications.template_cache.{signal is post_save}",
            )
