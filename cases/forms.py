"""Form pieces shared by the admin and the pages."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .states import Action, State
from .widgets import QuickHiddenInput, QuickSelect


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def add_service_error(form: forms.Form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a services ValidationError on a form: a field's errors beside that field (the
    service's name mapped through `fields`, e.g. {"files": "progress_files"}), the rest on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = (fields or {}).get(name, name)
        form.add_error(target if target in form.fields else None, errors)


# --- Pages: progress on /my/ and the sign-off queue ----------------------------------------


class ProgressForm(forms.Form):
    """A staff member's weekly update of one item: a note, evidence files, maybe a new state.

    The state choices are exactly the transitions the services would allow this user now;
    `clean` asks the services to check the chosen one, so the error shows beside the field
    and the note the user typed is kept for the next attempt.
    """

    note = forms.CharField(
        label=_("Progress note"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What was done this week, with figures")}),
    )
    files = MultipleFileField(label=_("Evidence files"), required=False)
    to_state = forms.ChoiceField(label=_("New state"), required=False, widget=QuickSelect)
    version = forms.IntegerField(widget=QuickHiddenInput)

    def __init__(self, *args, measure, user, rules=None, **kwargs):
        kwargs.setdefault("prefix", f"m{measure.pk}")
        super().__init__(*args, **kwargs)
        self.measure, self.user = measure, user
        rules = services.available_actions(user, measure) if rules is None else rules
        self.fields["to_state"].choices = [("", _("— keep “%(state)s” —") % {"state": State(measure.state).label})] + [
            (r.target, f"{Action(r.action).label} → {State(r.target).label}") for r in rules
        ]
        self.fields["version"].initial = measure.version
        self.can_submit = any(r.action == Action.SUBMIT for r in rules)

    def clean(self):
        data = super().clean()
        note = (data.get("note") or "").strip()
        to_state = data.get("to_state") or None
        files = data.get("files") or []
        if not note and not files and not to_state and not self._has_figures():
            raise ValidationError(_("Write a progress note, attach a file or choose a new state."))
        # The files themselves are checked once, by the service, when the update is saved.
        if to_state:
            try:
                services.check_transition(measure=self.measure, to_state=to_state, by=self.user, note=note,
                                          files=files)
            except ValidationError as exc:
                self.add_error("to_state", exc)
            except PermissionDenied as exc:
                self.add_error("to_state", str(exc))
        return data


    def _has_figures(self) -> bool:
        """Outcome figures (cases.outcomes) attached by the view count as something to save."""
        outcomes = getattr(self, "outcomes", None)
        return bool(outcomes is not None and outcomes.is_valid()
                    and any(getattr(f, "figure", None) for f in outcomes.forms))


class SignOffForm(forms.Form):
    """One click on the sign-off queue: approve, or send back with a comment."""

    DECISIONS = [(Action.APPROVE, _("Sign off")), (Action.SEND_BACK, _("Send back"))]

    decision = forms.ChoiceField(choices=DECISIONS)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Reason for sending back (required to send back)")}),
    )
    files = MultipleFileField(label=_("Evidence files"), required=False,
                              help_text=_("Stored with your signature, e.g. a verification record."))
    version = forms.IntegerField(widget=QuickHiddenInput)

    def __init__(self, *args, measure, **kwargs):
        kwargs.setdefault("prefix", f"s{measure.pk}")
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.fields["version"].initial = measure.version

    def clean(self):
        data = super().clean()
        if data.get("decision") == Action.SEND_BACK and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what is missing: sending back needs a comment."))
        return data
