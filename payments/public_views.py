"""The public verification of an e-receipt (`/bien-lai/<reference>/`, the address its QR code
carries): whether the payment is recorded as paid, for which dossier, how much and when. No
personal data: the payer's name is not shown."""

from django.http import Http404
from django.shortcuts import render

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
