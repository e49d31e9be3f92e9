from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Tích hợp")

    def ready(self) -> None:
        from dossiers.signals import event_recorded

        from .portal import sync  # registers the outbox handler

        event_recorded.connect(
            sync.on_event_recorded, dispatch_uid="integrations.portal.on_event_recorded"
        )
