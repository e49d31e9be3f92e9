from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchdogConfig(AppConfig):
    name = "watchdog"
    verbose_name = _("Giám sát hồ sơ")

    def ready(self) -> None:
        from dossiers.signals import dossier_changed
        from indicators.dashboard import extensions

        from . import figures, services

        dossier_changed.connect(services.on_dossier_changed, dispatch_uid="watchdog.dossier")
        extensions.register("watchdog", figures.panel)
