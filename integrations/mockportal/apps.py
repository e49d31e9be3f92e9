from django.apps import AppConfig


class MockPortalConfig(AppConfig):
    """A stand-in for the National Public Service Portal (DVCQG): a real HTTP service."""

    name = "integrations.mockportal"
    label = "mockportal"
    verbose_name = "Cổng DVCQG giả lập"
    default_auto_field = "django.db.models.BigAutoField"
