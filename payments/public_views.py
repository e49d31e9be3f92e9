"""Public pages of payments: the verification of an e-receipt (`/bien-lai/<reference>/`, the
address its QR code carries: whether the payment is recorded as paid, for which dossier, how much
and when; no personal data, the payer's name is not shown), and the signed payment link of the
"fee requested" notice (`/thanh-toan/<token>/`: what is owed, and a button that opens the
platform's page)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from dossiers.services import fees

from . import services
from .models import Payment, PaymentStatus


def receipt_page(request, reference):
    payment = (
        Payment.objects.filter(reference=reference[:32])
        .select_related("dossier__receiving_agency")
        .first()
    )
    if payment is None:
        raise Http404
    valid = payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
    return render(request, "public/receipt.html", {"p": payment, "valid": valid})


@require_http_methods(["GET", "POST"])
def pay_link(request, token):
    """GET: the dossier's code and what it owes, with a button; POST: the order sent to the
    platform and the browser sent to its hosted page. Refusals are shown with their status."""
    try:
        dossier = services.dossier_of_link(token)
        if request.method == "POST":
            return_url = settings.ONECUA_PAYMENT_RETURN_URL or request.build_absolute_uri(
                f"/tra-cuu/?code={dossier.code}"
            )
            payment, _new = services.start_payment_by_link(token, return_url=return_url)
            response = redirect(payment.payment_url)
            # The form's redirect leads to the platform's host: allowed as a form target of
            # this response only (the Content-Security-Policy's form-action covers redirects).
            parts = urlsplit(payment.payment_url)
            if parts.scheme in ("http", "https") and parts.netloc:
                response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
            return response
    except DomainError as exc:
        return render(
            request, "public/pay_link.html", {"error": exc.detail}, status=exc.status_code
        )
    lines = list(fees.owed_lines(dossier))
    context = {
        "dossier": dossier,
        "lines": lines,
        "total": sum(line.amount_due for line in lines),
    }
    return render(request, "public/pay_link.html", context)
