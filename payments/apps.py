from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Thanh toán trực tuyến")

    def ready(self) -> None:
        from dossiers.signals import dossier_changed

        from . import services

        dossier_changed.connect(
            services.on_dossier_changed, dispatch_uid="payments.on_dossier_changed"
        )
