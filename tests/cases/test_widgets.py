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
