"""The admin's plan-table import forms: the upload, then the check (mapping, names, defaults).

Every choice is scoped to what the user may change: organisations they supervise, their cases
and units. The service (`notices.plans.importer`) checks the organisation again.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, Unit
from cases import limits
from cases.models import Case

from .columns import KEYS, LABELS

EXTENSIONS = (".docx", ".xlsx", ".csv")


def column_choices() -> list[tuple[str, str]]:
    """What a header may be mapped to: every column the reader knows, or "do not import"."""
    names = {
        "number": _("Number (序号)"), "category": _("Category (方面)"), "problem": _("Problem (反馈问题)"),
        "measure": _("Measure (整改措施)"), "leader": _("Responsible leader (责任领导)"),
        "lead_unit": _("Lead unit (牵头单位)"), "units": _("Responsible units (责任单位)"),
        "supporting": _("Supporting units (配合单位)"), "person": _("Responsible person (责任人)"),
        "deadline": _("Deadline (完成时限)"), "kind": _("Kind (整改类型)"),
        "problem_ref": _("Number of the problem, in a task list (问题序号)"),
        "measure_ref": _("Number of the task, in a responsibility list (任务序号)"),
    }
    return [("", _("— not placed —"))] + [(key, names.get(key, LABELS[key])) for key in KEYS] + [
        ("ignore", _("Do not import this column"))]


class _Scoped(forms.Form):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit for rows naming none"), queryset=Unit.objects.none(), required=False,
        help_text=gettext_lazy("Measures whose row names no responsible unit are assigned to this unit."),
    )
    default_deadline = forms.DateField(
        label=gettext_lazy("Default deadline"), required=False, widget=AdminDateWidget,
        help_text=gettext_lazy("For measures whose row states no deadline (long-term ones need none)."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None:
            self.fields["unit"].queryset = Unit.objects.restrict(user).filter(is_active=True).select_related(
                "organisation").order_by("organisation__path", "path")


class PlanUploadForm(_Scoped):
    file = forms.FileField(
        label=gettext_lazy("Plan file"),
        help_text=gettext_lazy("A Word table (.docx), an Excel workbook (.xlsx) or a CSV file; every table and "
                               "visible sheet is read."),
    )
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"), queryset=Organisation.objects.none(),
                                          help_text=gettext_lazy("The organisation that rectifies."))
    case = forms.ModelChoiceField(
        label=gettext_lazy("Add to this case"), queryset=Case.objects.none(), required=False,
        help_text=gettext_lazy("Leave empty to create a new case. Into an existing case, problems of the same "
                               "title are matched and measures it already has are not added again."),
    )
    title = forms.CharField(label=gettext_lazy("Title of a new case"), required=False, max_length=300,
                            help_text=gettext_lazy("Default: the file name."))
    field_order = ["file", "organisation", "case", "title", "unit", "default_deadline"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if user is not None:
            supervised = Organisation.objects.supervised_by(user).filter(is_active=True)
            self.fields["organisation"].queryset = supervised.order_by("path")
            self.fields["case"].queryset = Case.objects.restrict(user, "change").filter(
                organisation__in=supervised).select_related("organisation").order_by("-pk")
            if not self.is_bound:
                self.fields["organisation"].initial = Organisation.objects.default_for(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith(EXTENSIONS):
            raise ValidationError(_("Only .docx, .xlsx and .csv files can be imported as plans."), code="suffix")
        refusal = limits.file_too_large(upload.size)
        if refusal:
            raise ValidationError(refusal, code="too_large")
        return upload

    def clean(self):
        data = super().clean()
        organisation, case, unit = data.get("organisation"), data.get("case"), data.get("unit")
        if organisation and case and case.organisation_id != organisation.pk:
            self.add_error("case", _("This case belongs to %(organisation)s, not to the organisation chosen.")
                           % {"organisation": case.organisation.name})
        if organisation and unit and unit.organisation_id != organisation.pk:
            self.add_error("unit", _("This unit belongs to %(organisation)s, not to the organisation chosen.")
                           % {"organisation": unit.organisation.name})
        return data


class PlanCheckForm(_Scoped):
    """The preview's own form: the defaults may still change, and the names be created."""

    token = forms.CharField(widget=forms.HiddenInput)
    create_missing = forms.BooleanField(
        label=gettext_lazy("Create the units and leaders not found"), required=False,
        help_text=gettext_lazy("New units are added to the organisation; new leaders are people who cannot sign "
                               "in until given a password."),
    )

    accept_overdue = forms.BooleanField(
        label=gettext_lazy("Import them anyway"), required=False,
        help_text=gettext_lazy("Or choose a later default deadline, or correct the deadlines in the file."),
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation is not None:
            self.fields["unit"].queryset = self.fields["unit"].queryset.filter(organisation=organisation)

    @staticmethod
    def mapping_from(post) -> tuple[dict[str, str], list[str]]:
        """The column chosen per header (`header`/`column` pairs), and the headers mapped twice."""
        allowed = {key for key, _label in column_choices() if key}
        mapping: dict[str, str] = {}
        for header, column in zip(post.getlist("header"), post.getlist("column"), strict=False):
            if header and column in allowed:
                mapping[header[:200]] = column
        taken: dict[str, str] = {}
        twice = []
        for header, column in mapping.items():
            if column == "ignore":
                continue
            if column in taken:
                twice.append(column)
            taken[column] = header
        return mapping, twice
