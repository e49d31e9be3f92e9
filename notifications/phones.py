"""Phone numbers for SMS and Zalo: validated and normalised to E.164 (+84…) with the
`phonenumbers` library (Google's libphonenumber metadata)."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalise(raw: str, *, region: str = "VN") -> str:
    """'0912 345 678', '84912345678', '+84912345678' → '+84912345678'; a number that is not a
    valid (mobile or fixed) number is a ValidationError."""
    text = (raw or "").strip()
    if text.isdigit() and text.startswith("84") and len(text) >= 11:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Số điện thoại không hợp lệ."), code="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Số điện thoại không hợp lệ."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalised_or_none(raw: str) -> str | None:
    try:
        return normalise(raw)
    except ValidationError:
        return None


def is_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164)
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
