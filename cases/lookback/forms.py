"""The look-back form of the queue: outcome, finding, evidence."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.forms import MultipleFileField
from cases.states import State

from .models import Lookback


class LookbackForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), widget=forms.RadioSelect,
        choices=[(Lookback.Outcome.HELD, _("Held (巩固)")), (Lookback.Outcome.RELAPSED, _("Relapsed (反弹回潮)"))],
    )
    note = forms.CharField(
        label=_("Finding"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2,
                                     "placeholder": _("What the look-back found; for a relapse, the reason")}),
        error_messages={"required": _("Write what the look-back found.")},
    )
    files = MultipleFileField(label=_("Evidence files"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, measure, **kwargs):
        kwargs.setdefault("prefix", f"lb{measure.pk}")
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.fields["version"].initial = measure.version
        if measure.state != State.COMPLETED:
            # An ongoing 长期坚持 item reports; only a completed one can relapse.
            self.fields["outcome"].choices = self.fields["outcome"].choices[:1]
            self.fields["outcome"].initial = Lookback.Outcome.HELD

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        try:
            services.validate_evidence_files(files)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return files
