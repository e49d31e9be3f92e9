"""`{{ amount|vnd }}`: 1500000 → "1.500.000 ₫" (Vietnamese groups thousands with dots)."""

from django import template

register = template.Library()


@register.filter
def vnd(value) -> str:
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    return f"{amount:,}".replace(",", ".") + " ₫"
