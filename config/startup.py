"""Production fails closed at start-up too. Django's management commands run the system checks
before they serve (`runserver`, `migrate`, `check`); the other long-running processes do not, so
the WSGI and ASGI applications and Celery's worker and beat call `refuse_to_start_on_errors()`:
an error of the checks (e.g. core/checks.py with the mocks off) stops them before they serve."""

from django.core import checks
from django.core.management.base import SystemCheckError


def refuse_to_start_on_errors() -> None:
    """Run the system checks (not the deployment or database ones) and raise SystemCheckError
    listing the errors, if any."""
    errors = [m for m in checks.run_checks() if m.is_serious() and not m.is_silenced()]
    if errors:
        raise SystemCheckError(
            "System check identified errors; refusing to start:\n"
            + "\n".join(str(error) for error in errors)
        )
