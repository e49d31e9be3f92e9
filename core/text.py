"""Text helpers for Vietnamese: folding diacritics so that "dang ky" finds "Đăng ký"."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d), keep letters and digits separated by one space."""
    text = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "d")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", text).strip()


def fold_terms(text: str, limit: int = 12) -> list[str]:
    """The distinct folded words of a query, in order, at most `limit` of them."""
    seen: list[str] = []
    for word in fold(text).split():
        if word not in seen:
            seen.append(word)
    return seen[:limit]


def vnd(amount) -> str:
    """An amount in đồng as Vietnamese write it: 1.250.000 đ (none: 0 đ)."""
    return f"{int(amount or 0):,}".replace(",", ".") + " đ"
