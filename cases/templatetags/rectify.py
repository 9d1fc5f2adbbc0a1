"""Template helpers for states and overdue figures."""

from django import template
from django.utils.html import format_html

from cases import formats
from cases.states import State

register = template.Library()

# Colours chosen to stay distinguishable in print and for red-green colour blindness.
STATE_COLOURS = {
    State.PLANNED: ("#475467", "#f2f4f7"),
    State.IN_PROGRESS: ("#175cd3", "#eff8ff"),
    State.PHASED: ("#6941c6", "#f4f3ff"),
    State.SUBMITTED: ("#b54708", "#fffaeb"),
    State.COMPLETED: ("#067647", "#ecfdf3"),
    State.RELAPSED: ("#b42318", "#fef3f2"),
}


@register.simple_tag
def state_badge(state: str) -> str:
    fg, bg = STATE_COLOURS.get(state, ("#475467", "#f2f4f7"))
    label = State(state).label if state in State.values else state
    return format_html(
        '<span class="state-badge state-{}" style="color:{};background:{};padding:1px 8px;border-radius:10px;'
        'white-space:nowrap">{}</span>', state, fg, bg, label,
    )


@register.filter
def percent(rate) -> str:
    """`{{ row.rate|percent }}` → "40.0%": the one way a rate is written (cases.formats)."""
    return formats.percent(rate)
