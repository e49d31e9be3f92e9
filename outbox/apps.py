from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Thông điệp gửi đi")

    def ready(self):
        # OUTBOX_DELIVERY "thread" (no broker): deliver in a thread of the serving process,
        # after the response, instead of inside the request (outbox/background.py).
        from . import background

        background.start_if_embedded()
