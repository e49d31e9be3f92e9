from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchdogConfig(AppConfig):
    name = "watchdog"
    verbose_name = _("Giám sát hồ sơ")
