"""Template tags of the admin pages: the dead outbox messages on the admin index."""

from django import template

from ..delivery import dead_letters_summary

register = template.Library()


@register.simple_tag
def dead_letters(latest: int = 3) -> dict:
    """`outbox.delivery.dead_letters_summary()`: the count and the latest dead messages."""
    return dead_letters_summary(latest=latest)
