"""Template helpers for states and overdue figures."""

from django import template
from django.utils.html import format_html

from cases import formats
from cases.choices import VOCABULARY
from cases.states import State

register = template.Library()


@register.simple_tag
def state_badge(state: str) -> str:
    words = VOCABULARY.get(state)
    fg, bg = (words.colour, words.background) if words else ("#475467", "#f2f4f7")
    label = State(state).label if state in State.values else state
    return format_html(
        '<span class="state-badge state-{}" style="color:{};background:{};padding:1px 8px;border-radius:10px;'
        'white-space:nowrap">{}</span>', state, fg, bg, label,
    )


@register.filter
def percent(rate) -> str:
    """`{{ row.rate|percent }}` → "40.0%": the one way a rate is written (cases.formats)."""
    return formats.percent(rate)
