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


# The urging ladder's colours (cases.urging.models.Colour); the level's name is always written
# out, so nobody needs the colour to read it.
LEVEL_COLOURS = {
    "green": ("#067647", "#ecfdf3"),
    "yellow": ("#854a0e", "#fef7c3"),
    "orange": ("#b93815", "#fef6ee"),
    "red": ("#b42318", "#fef3f2"),
}


@register.simple_tag
def urging_badge(measure) -> str:
    """The urging level an ongoing item is at (nothing for a completed item or one below every level)."""
    level = getattr(measure, "urging_level", None)
    if level is None or getattr(measure, "state", None) == State.COMPLETED:
        return ""
    fg, bg = LEVEL_COLOURS.get(level.colour, ("#475467", "#f2f4f7"))
    return format_html(
        '<span class="urging-badge urging-{}" title="{}" style="color:{};background:{};border:1px solid {};'
        'padding:0 7px;border-radius:3px;white-space:nowrap">{}</span>', level.colour, level.name, fg, bg, fg,
        level.name,
    )


@register.filter
def outcome_rows(formset) -> str:
    """An item's outcome figure rows (blank ones rendered once: `cases.outcomes.forms.rendered_rows`)."""
    from cases.outcomes.forms import rendered_rows

    return rendered_rows(formset)


@register.filter
def percent(rate) -> str:
    """`{{ row.rate|percent }}` → "40.0%": the one way a rate is written (cases.formats)."""
    return formats.percent(rate)
