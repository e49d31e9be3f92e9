from django.apps import AppConfig


class MockPaymentConfig(AppConfig):
    """A stand-in for the national payment platform (of the National Public Service Portal, and
    PayGov): a real HTTP service speaking docs/payment-platform.md."""

    name = "integrations.mockpayment"
    label = "mockpayment"
    verbose_name = "Nền tảng thanh toán giả lập"
    default_auto_field = "django.db.models.BigAutoField"
