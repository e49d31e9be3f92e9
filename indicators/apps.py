from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Chỉ tiêu và Bộ chỉ số 766")

    def ready(self) -> None:
        from dossiers.signals import dossier_changed
        from feedback.signals import feedback_changed
        from outbox.signals import message_delivered, messages_delivered
        from satisfaction.signals import rating_recorded

        from . import handlers

        dossier_changed.connect(handlers.on_dossier_changed, dispatch_uid="indicators.dossier")
        rating_recorded.connect(handlers.on_rating_recorded, dispatch_uid="indicators.rating")
        feedback_changed.connect(handlers.on_feedback_changed, dispatch_uid="indicators.feedback")
        message_delivered.connect(
            handlers.on_message_delivered, dispatch_uid="indicators.delivered"
        )
        messages_delivered.connect(
            handlers.on_messages_delivered, dispatch_uid="indicators.delivered_batch"
        )
