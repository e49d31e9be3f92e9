"""Template filters for Vietnamese text: `{{ amount|vnd }}` → 1.250.000 đ (core.text.vnd)."""

from django import template

from core import text

register = template.Library()


@register.filter
def vnd(amount) -> str:
    return text.vnd(amount)
