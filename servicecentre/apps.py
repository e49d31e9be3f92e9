from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceCentreConfig(AppConfig):
    name = "servicecentre"
    verbose_name = _("Trung tâm Phục vụ hành chính công: xếp hàng và lịch hẹn")

    def ready(self) -> None:
        # The queue's panel on the leaders' dashboard (indicators/dashboard/extensions.py): the
        # dashboard imports nothing above it, so the panel is registered from here.
        from indicators.dashboard import extensions

        from . import figures

        extensions.register("queue", figures.panel)

        # The counter's next ticket on the workspace's "My work" (workspace/extensions.py).
        from workspace import extensions as workspace_extensions

        from .workspace_panel import next_ticket_panel

        workspace_extensions.register(
            "next_ticket", next_ticket_panel, "servicecentre/next_ticket.html"
        )
