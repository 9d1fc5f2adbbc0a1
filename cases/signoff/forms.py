"""Forms of the item page's sign-off section: extension request and decision, paper sign-off.
They only parse input; the services validate and their errors are shown beside the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import MultipleFileField


class ExtensionForm(forms.Form):
    proposed_deadline = forms.DateField(label=_("Proposed deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Refuse"))], coerce=lambda v: v == "1")
    note = forms.CharField(label=_("Comment"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2,
                                                        "placeholder": _("Required to refuse")}))


class PaperSignoffForm(forms.Form):
    note = forms.CharField(label=_("Sheet number and signatories"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    scan = MultipleFileField(label=_("Scan of the signed sheet"))
    version = forms.IntegerField(widget=forms.HiddenInput)
