"""Form widgets that render in Python what Django renders through templates.

Django renders a `<select>` by including one template per `<option>`. The "my items" page holds
twenty update cards, each with a state select and three outcome-figure rows of two selects
(about 25 options each) and twelve text inputs: some 2,500 template renders, half the page's
time at province scale. `QuickSelect` and `QuickTextInput`/`QuickHiddenInput` write the same
HTML directly (tests/cases/test_widgets.py compares them with Django's own rendering).
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """`forms.Select` with the markup of Django's `select.html` and `select_option.html`."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [format_html("<select name=\"{}\"{}>", widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html('<option value="{}"{}>{}</option>',
                                         str(option["value"]), _attrs(option["attrs"]), option["label"]))
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: True → bare name, False → left out, else name="value".
    return flatatt({key: value for key, value in attrs.items() if value is not False and value is not None})


class _QuickInput:
    """The markup of Django's `input.html`, for the input widgets below."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        if widget["value"] is None:
            return format_html('<input type="{}" name="{}"{}>', widget["type"], widget["name"],
                               _attrs(widget["attrs"]))
        return format_html('<input type="{}" name="{}" value="{}"{}>', widget["type"], widget["name"],
                           str(widget["value"]), _attrs(widget["attrs"]))


class QuickTextInput(_QuickInput, forms.TextInput):
    pass


class QuickHiddenInput(_QuickInput, forms.HiddenInput):
    pass
