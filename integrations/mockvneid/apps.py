from django.apps import AppConfig


class MockVneidConfig(AppConfig):
    """A stand-in for VNeID, the national identity provider: a real OpenID Connect provider."""

    name = "integrations.mockvneid"
    label = "mockvneid"
    verbose_name = "VNeID giả lập"
    default_auto_field = "django.db.models.BigAutoField"
