"""`wan`: an amount in 万元 as the notices print it (356.7, 1200 — no trailing zeros)."""

from django import template

from cases.outcomes.words import wan as _wan

register = template.Library()


@register.filter
def wan(value) -> str:
    return _wan(value)
