from django import template

from accounts import change_reasons

register = template.Library()


@register.filter
def change_reason(value):
    """A history record's change reason in the reader's language (accounts.change_reasons)."""
    return change_reasons.render(value)
