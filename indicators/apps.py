from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Chỉ tiêu và Bộ chỉ số 766")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save, pre_save

        from dossiers.models import Dossier
        from outbox.models import OutboxMessage

        from . import handlers

        pre_save.connect(
            handlers.dossier_pre_save, sender=Dossier, dispatch_uid="indicators.dossier_pre"
        )
        post_save.connect(
            handlers.dossier_post_save, sender=Dossier, dispatch_uid="indicators.dossier_post"
        )
        post_delete.connect(
            handlers.dossier_post_delete, sender=Dossier, dispatch_uid="indicators.dossier_del"
        )
        post_save.connect(
            handlers.outbox_post_save, sender=OutboxMessage, dispatch_uid="indicators.outbox"
        )
