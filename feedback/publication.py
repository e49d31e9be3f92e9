"""Publication of answers, anonymised (docs/feedback.md, "Publication and anonymisation").

The public list shows the title, the content and the answer (the answer as the official
approved it), with the sender's own name, phone and e-mail, and anything that looks like a
phone number, an e-mail address or a personal ID number (9 or 12 digits), replaced by "***".
The sender's account, contact fields and the dossier's code are never part of the public view.
"""

from __future__ import annotations

import re

MASK = "***"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Vietnamese phone numbers (0xx…, +84…, 84…, with spaces, dots or dashes) and ID numbers.
PHONE = re.compile(r"(?<!\d)(\+?84|0)[\s.-]?\d{2,3}([\s.-]?\d{3}){2}\d?(?!\d)")
PERSONAL_ID = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")


def public_text(feedback, text: str) -> str:
    text = text or ""
    for value in (feedback.contact_name, feedback.contact_email):
        value = (value or "").strip()
        if len(value) >= 3:
            text = re.sub(re.escape(value), MASK, text, flags=re.IGNORECASE)
    sender = getattr(feedback, "sender", None) if feedback.sender_id else None
    if sender is not None:
        for value in (sender.get_full_name(), sender.email):
            value = (value or "").strip()
            if len(value) >= 3:
                text = re.sub(re.escape(value), MASK, text, flags=re.IGNORECASE)
    text = EMAIL.sub(MASK, text)
    text = PHONE.sub(MASK, text)
    return PERSONAL_ID.sub(MASK, text)
