from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Tích hợp")

    def ready(self) -> None:
        from dossiers.api import extensions
        from dossiers.signals import dossier_changed

        from .portal import mapping, sync  # sync registers the outbox handler

        dossier_changed.connect(
            sync.on_dossier_changed, dispatch_uid="integrations.portal.on_dossier_changed"
        )
        # The dossier API shows the portal's code of each status (TrangThaiHoSo).
        extensions.register_field(
            "portal_status",
            mapping.PortalStatusField(
                help_text="TrangThaiHoSo: mã trạng thái trên Cổng Dịch vụ công quốc gia (1–10)."
            ),
        )
