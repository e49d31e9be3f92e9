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
