"""QuickSelect writes exactly the HTML of Django's own Select templates."""

import pytest
from django import forms
from django.test.html import parse_html

from cases.widgets import QuickHiddenInput, QuickSelect, QuickTextInput

CHOICES = [("", "— 无 —"), ("组织处理", [("people", "问责人数"), ("cases", "立案<件>")]),
           ("money", "资金 & 款项")]


@pytest.mark.parametrize("value", [None, "", "people", "money", "nothing"])
@pytest.mark.parametrize("attrs", [{}, {"required": True, "class": "wide", "data-x": '"q"'}, {"disabled": False}])
def test_the_same_markup_as_djangos_select(value, attrs):
    ours = QuickSelect(attrs=attrs, choices=CHOICES).render("m1-out-0-kind", value, {"id": "id_kind"})
    theirs = forms.Select(attrs=attrs, choices=CHOICES).render("m1-out-0-kind", value, {"id": "id_kind"})
    # The same elements, attributes and text (assertHTMLEqual's comparison: whitespace between
    # tags and the order of attributes aside).
    assert parse_html(str(ours)) == parse_html(str(theirs))
    assert ("selected" in str(ours)) == (value in ("people", "money", "", None))


def test_labels_are_escaped_and_groups_kept():
    html = str(QuickSelect(choices=CHOICES).render("f", "cases"))
    assert '<option value="cases" selected>立案&lt;件&gt;</option>' in html
    assert '<optgroup label="组织处理">' in html


@pytest.mark.parametrize("value", [None, "", "12", '<"x">', 7])
@pytest.mark.parametrize("quick, stock", [(QuickTextInput, forms.TextInput), (QuickHiddenInput, forms.HiddenInput)])
def test_inputs_are_djangos_inputs(quick, stock, value):
    attrs = {"inputmode": "numeric", "size": 5, "placeholder": "《…办法》", "required": True}
    ours = quick(attrs=attrs).render("m1-out-0-count", value, {"id": "id_c"})
    theirs = stock(attrs=attrs).render("m1-out-0-count", value, {"id": "id_c"})
    assert parse_html(str(ours)) == parse_html(str(theirs))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_blank_outcome_rows_rendered_once_are_the_rows_rendered_for_the_item(language):
    """/my/ renders its twenty items' blank figure rows once, with the item's prefix put in."""
    from django.template.loader import render_to_string
    from django.test import override_settings
    from django.utils import translation

    from cases.outcomes.forms import OutcomeFormSet, rendered_rows

    with translation.override(language), override_settings(DEBUG=False):
        for prefix in ("m7-out", "m12345-out"):
            direct = render_to_string("cases/_outcome_rows.html", {"formset": OutcomeFormSet(prefix=prefix)})
            assert rendered_rows(OutcomeFormSet(prefix=prefix)) == direct
            assert f'name="{prefix}-0-kind"' in direct and "__prefix__" not in direct
        bound = OutcomeFormSet({"m7-out-TOTAL_FORMS": "1", "m7-out-INITIAL_FORMS": "0", "m7-out-0-kind": "",
                                "m7-out-0-count": "3"}, prefix="m7-out")
        bound.is_valid()
        assert 'value="3"' in rendered_rows(bound)  # rows as posted keep their values and errors
