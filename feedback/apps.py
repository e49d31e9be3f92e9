from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Phản ánh, kiến nghị")

    def ready(self) -> None:
        # The outbox handler of the feedback topic (registered on import).
        from . import portal  # noqa: F401
