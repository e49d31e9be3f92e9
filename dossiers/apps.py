from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from organisations.models import Agency
        from procedures.models import FeeLine, Field, Procedure, ProcedureComponent, ProcessStep

        from . import routing
        from .services import snapshot

        signals = (("save", post_save), ("delete", post_delete))
        for name, signal in signals:
            # A change of the catalogue in this process empties the procedure snapshots at once
            # (other processes see it through the snapshot's key: dossiers/services/snapshot.py).
            for model in (Procedure, ProcedureComponent, ProcessStep, FeeLine, Field):
                signal.connect(
                    snapshot.clear,
                    sender=model,
                    dispatch_uid=f"dossiers.snapshot.clear.{name}.{model.__name__}",
                )
            # A change of an agency forgets the handling agencies found (dossiers/routing.py).
            signal.connect(routing.clear, sender=Agency, dispatch_uid=f"dossiers.routing.{name}")
