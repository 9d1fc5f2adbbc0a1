"""The outcome figure rows of the progress forms: the page's (/my/, the item page) and the admin's.

Each row is one figure (kind, number or amount and unit, a rule's title and number); empty
rows are ignored. The service (`services.clean_figure`) does the checking; its messages are
shown beside the row's fields.
"""

from __future__ import annotations

import functools

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..widgets import QuickSelect, QuickTextInput
from . import services
from .kinds import CATEGORY, Category, Kind, MoneyUnit

ROWS = 3
FIELDS = ("kind", "count", "amount", "money_unit", "title", "doc_number")


def kind_choices():
    groups = [(cat.label, [(k.value, k.label) for k in Kind if CATEGORY[k] == cat]) for cat in Category]
    return [("", _("— no figure —")), *groups]


class OutcomeRowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=kind_choices, widget=QuickSelect)
    count = forms.CharField(label=_("Number"), required=False, max_length=12,
                            widget=QuickTextInput(attrs={"inputmode": "numeric", "size": 5}))
    amount = forms.CharField(label=_("Amount"), required=False, max_length=20,
                             widget=QuickTextInput(attrs={"inputmode": "decimal", "size": 8}))
    money_unit = forms.ChoiceField(label=_("Unit of money"), required=False, choices=MoneyUnit.choices,
                                   initial=MoneyUnit.WAN, widget=QuickSelect)
    title = forms.CharField(label=_("Rule title"), required=False, max_length=300,
                            widget=QuickTextInput(attrs={"placeholder": _("《…办法》")}))
    doc_number = forms.CharField(label=_("Document number"), required=False, max_length=100,
                                 widget=QuickTextInput(attrs={"placeholder": _("e.g. 县委办发〔2026〕3号")}))

    def clean(self):
        data = super().clean()
        self.figure = None
        if not data.get("kind"):
            if any((data.get(f) or "").strip() for f in ("count", "amount", "title", "doc_number")):
                self.add_error("kind", _("Choose the kind of figure."))
            return data
        try:
            self.figure = services.clean_figure(data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


OutcomeFormSet = forms.formset_factory(OutcomeRowForm, extra=ROWS, max_num=services.MAX_FIGURES,
                                       validate_max=True)


def outcome_formset(measure, data=None) -> forms.BaseFormSet:
    """The figure rows of one item's form; a post without them (a client that sends no figures)
    gives an unbound formset, i.e. no figures, rather than an error."""
    prefix = f"m{measure.pk}-out"
    if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
        data = None
    return OutcomeFormSet(data, prefix=prefix)


# The prefix of the blank rows rendered once (Django's own `empty_form` uses the same placeholder).
_BLANK_PREFIX = "__prefix__"


def rendered_rows(formset) -> SafeString:
    """The HTML of an item's figure rows (templates/cases/_outcome_rows.html).

    Blank rows (an unbound formset) differ between items only by their prefix, so they are
    rendered once per language and process with a placeholder prefix and the item's prefix is
    put in: /my/ shows twenty items, and their 440 row fields were most of the page's time. Rows
    as posted (bound, with their values and errors) are rendered as they are.
    """
    if formset.is_bound:
        return render_to_string("cases/_outcome_rows.html", {"formset": formset})
    # With DEBUG (runserver) the template is read afresh, so that an edit shows at once.
    blank = _blank_rows.__wrapped__(None) if settings.DEBUG else _blank_rows(get_language())
    return mark_safe(blank.replace(_BLANK_PREFIX, formset.prefix))


@functools.lru_cache(maxsize=8)
def _blank_rows(language: str | None) -> str:
    return render_to_string("cases/_outcome_rows.html", {"formset": OutcomeFormSet(prefix=_BLANK_PREFIX)})


def is_valid(formset) -> bool:
    return not formset.is_bound or formset.is_valid()


def figures_of(formset) -> list[services.FigureInput]:
    """The figures of a valid formset, empty rows left out (none for an unbound one)."""
    if not formset.is_bound:
        return []
    return [f.figure for f in formset.forms if getattr(f, "figure", None)]


def admin_fields(rows: int = ROWS) -> dict[str, forms.Field]:
    """The same rows as flat fields of the admin's measure form (outcome_1_kind, …)."""
    fields = {}
    for i in range(1, rows + 1):
        for name, field in OutcomeRowForm.base_fields.items():
            copy = field.__class__(**{"required": False, "label": f"{field.label} {i}",
                                      **({"choices": field.choices} if hasattr(field, "choices") else {}),
                                      **({"widget": field.widget} if not hasattr(field, "choices") else {})})
            fields[f"outcome_{i}_{name}"] = copy
    return fields


def admin_figures(form, rows: int = ROWS) -> list[services.FigureInput]:
    """Check the admin's figure rows; errors go beside their fields."""
    figures = []
    for i in range(1, rows + 1):
        row = {name: form.cleaned_data.get(f"outcome_{i}_{name}") for name in FIELDS}
        if not row.get("kind"):
            continue
        try:
            figures.append(services.clean_figure(row))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(f"outcome_{i}_{field}" if field in FIELDS else None, messages)
    return figures


def admin_fieldset(rows: int = ROWS):
    return (_("Outcome figures"), {
        "classes": ["collapse"],
        "fields": [tuple(f"outcome_{i}_{name}" for name in FIELDS) for i in range(1, rows + 1)],
        "description": _("Optional, saved on the same progress entry: people held accountable (number), a rule "
                         "(title and number), money (amount and unit)."),
    })
