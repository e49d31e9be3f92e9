"""Template text: `{{ variable }}` placeholders, checked against the notice's declared variables,
rendered by substitution (no template language: an official's text can call nothing), and the
length of an SMS in segments (GSM-7 or UCS-2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .events import BY_KIND

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# Anything that looks like template syntax but is not a plain placeholder.
STRAY = re.compile(r"\{\{|\}\}|\{%|%\}")


def names(text: str) -> list[str]:
    return PLACEHOLDER.findall(text or "")


def check(kind: str, *texts: str) -> None:
    """Raise a ValidationError (Vietnamese) when a text names a variable the kind does not
    declare, or holds template syntax other than `{{ name }}`."""
    notice = BY_KIND.get(kind)
    if notice is None:
        raise ValidationError(_("Loại thông báo “%(kind)s” không tồn tại.") % {"kind": kind})
    allowed = set(notice.allowed)
    unknown: list[str] = []
    for text in texts:
        for name in names(text):
            if name not in allowed and name not in unknown:
                unknown.append(name)
        if STRAY.search(PLACEHOLDER.sub("", text or "")):
            raise ValidationError(
                _("Mẫu chỉ được dùng biến dạng {{ tên_biến }}; không dùng cú pháp khác.")
            )
    if unknown:
        raise ValidationError(
            _(
                "Mẫu dùng biến không được khai báo cho loại thông báo này: %(unknown)s. "
                "Các biến được dùng: %(allowed)s."
            )
            % {
                "unknown": ", ".join(f"{{{{ {n} }}}}" for n in unknown),
                "allowed": ", ".join(notice.allowed),
            },
            code="unknown_variable",
        )


def render(text: str, context: dict) -> str:
    return PLACEHOLDER.sub(lambda m: str(context.get(m.group(1), "")), text or "")


# --- SMS length ------------------------------------------------------------------------------
# The GSM 03.38 default alphabet, and its extension table (each extension character costs two).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # the capacity of each segment at this length

    def as_text(self) -> str:
        return _("%(units)d ký tự %(encoding)s, %(segments)d tin nhắn (%(per)d ký tự/tin)") % {
            "units": self.units,
            "encoding": self.encoding,
            "segments": self.segments,
            "per": self.per_segment,
        }


def sms_length(text: str) -> SmsLength:
    """GSM-7: 160 septets in one message, 153 per part when concatenated; any other character
    (Vietnamese letters with diacritics: ạ, ư, ơ, đ, …) forces UCS-2: 70 in one, 67 per part."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0, single)
    return SmsLength(encoding, units, -(-units // multi), multi)
