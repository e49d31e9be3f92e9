from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Thông báo")

    def ready(self) -> None:
        from dossiers.signals import dossier_changed

        from . import delivery, services  # delivery registers the outbox handlers

        assert delivery
        dossier_changed.connect(services.on_dossier_changed, dispatch_uid="notifications.dossier")
        # Feedback (docs/feedback.md): the sender's notices and the watchdog's reminders.
        from feedback.signals import feedback_changed, feedback_escalated

        from . import feedback

        feedback_changed.connect(feedback.on_feedback_changed, dispatch_uid="notifications.fb")
        feedback_escalated.connect(
            feedback.on_feedback_escalated, dispatch_uid="notifications.fb_escalated"
        )
