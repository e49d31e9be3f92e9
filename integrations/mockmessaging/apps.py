from django.apps import AppConfig


class MockMessagingConfig(AppConfig):
    """Stand-ins for an SMS brandname gateway and Zalo's ZNS API: real HTTP services."""

    name = "integrations.mockmessaging"
    label = "mockmessaging"
    verbose_name = "Cổng SMS và Zalo ZNS giả lập"
    default_auto_field = "django.db.models.BigAutoField"
