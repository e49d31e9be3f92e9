from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Hệ thống")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import checks  # noqa: F401 - registers production's checks (fails closed)
        from .calendar import invalidate_calendar_on_commit
        from .models import CalendarOverride

        for signal, uid in ((post_save, "calendar-save"), (post_delete, "calendar-delete")):
            signal.connect(invalidate_calendar_on_commit, sender=CalendarOverride, dispatch_uid=uid)
