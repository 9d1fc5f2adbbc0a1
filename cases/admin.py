"""The Django admin where staff log progress and supervisors keep the ledger.

Every queryset here goes through `restrict(user)`, and every write through
`cases.services`; the admin only arranges forms and buttons.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_history import ReadableHistoryAdmin
from accounts.admin_scoping import RestrictedAdminMixin, ScopedChoicesMixin
from accounts.models import Unit

from . import formats, services
from .admin_paging import EstimatedCountPaginator
from .filters import search_measures
from .forms import MultipleFileField, add_service_error
from .models import Case, DeadlineChange, Evidence, Issue, Measure, ProgressUpdate, Reminder, SignOff
from .outcomes import forms as outcome_forms
from .outcomes import services as outcome_services
from .outcomes.admin import OutcomeInline
from .states import PAPER_SIGNOFF_PERM, Action, State
from .templatetags.rectify import state_badge

admin.site.site_header = _("Rectify · rectification ledger")
admin.site.site_title = _("Rectify")
admin.site.index_title = _("Rectification ledger")
# The app list of the index is the navigation; a second copy at the side of every page leaves a
# laptop's 1366 px too little room for the lists of long Chinese text.
admin.site.enable_nav_sidebar = False

# --- Shared pieces -------------------------------------------------------------------



class ReadOnlyAdminMixin:
    """Records written only by services: listed and read here, never edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline status")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("week", _("Due within 7 days")),
            ("ongoing", _("Ongoing")),
            ("completed", _("Completed")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "overdue":
                return queryset.overdue(on=today)
            case "week":
                return queryset.due_within(7, on=today)
            case "ongoing":
                return queryset.ongoing()
            case "completed":
                return queryset.completed()
        return queryset


class UnitFilter(admin.SimpleListFilter):
    """Lead or supporting unit, sub-units included; offers only units the user can see work for."""

    title = _("responsible unit")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        units = Unit.objects.restrict(request.user).filter(is_active=True)
        if not request.user.is_supervisor:
            units = units.filter(pk__in=sorted(request.user.unit_ids))
        # A semi-join on the lead-unit index, not a DISTINCT over every measure.
        units = units.filter(Exists(Measure.objects.filter(lead_unit=OuterRef("pk")))).order_by("name")[:300]
        return [(u.pk, u.name) for u in units]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            unit = Unit.objects.restrict(request.user).get(pk=int(self.value()))
        except (ValueError, Unit.DoesNotExist):
            return queryset.none()
        ids = Unit.objects.descendants_of([unit]).values_list("pk", flat=True)
        return queryset.for_units(ids)


class VisibleCaseFilter(admin.RelatedFieldListFilter):
    """The cases the user may see (not a DISTINCT over every measure, as "related only" runs)."""

    def field_choices(self, field, request, model_admin):
        return list(Case.objects.restrict(request.user).order_by("-feedback_on", "-pk").values_list("pk", "title"))


# --- Cases and issues -----------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(RestrictedAdminMixin, ReadableHistoryAdmin):
    list_display = ["title", "inspected_body", "inspection_team", "feedback_on", "rectification_deadline",
                    "problems", "rate"]
    list_filter = ["kind", "feedback_on"]
    search_fields = ["title", "inspected_body", "inspection_team"]
    date_hierarchy = "feedback_on"
    readonly_fields = ["issue_tree", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "kind", "inspected_body", "inspection_team", "description"]}),
        (_("Dates"), {"fields": [("inspection_start", "inspection_end"), "feedback_on", "rectification_deadline"]}),
        (_("Sign-off"), {"fields": ["signoff_chain"]}),
        (_("Issue tree"), {"fields": ["issue_tree"]}),
        (_("Record"), {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]
    # Pages other apps mount on a case (each `provider(admin_view) -> [path…]`): the notice draft is
    # notices' (notices/admin.py registers it), since cases imports nothing of notices.
    extra_urls: list = []

    def get_queryset(self, request):
        # Counts of what this person may see only: staff never see other units' items counted.
        return super().get_queryset(request).with_progress(measures=Measure.objects.restrict(request.user))

    def get_urls(self):
        # Export, import (and, from notices, notice-draft) pages behind the buttons of change_form.html.
        from .jobs.views import job_urls
        from .ledger_admin import ledger_urls

        admin_view = self.admin_site.admin_view
        extra = [url for provider in self.extra_urls for url in provider(admin_view)]
        return ledger_urls(admin_view) + job_urls(admin_view) + extra + super().get_urls()

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user  # the issue tree counts what this person may see
        return obj

    @admin.display(description=_("problems"))
    def problems(self, obj):
        return f"{obj.problem_completed or 0}/{obj.problem_total or 0}"

    @admin.display(description=_("completion"))
    def rate(self, obj):
        return formats.percent(obj.completion_rate)

    @admin.display(description=_("issue tree"))
    def issue_tree(self, obj):
        if not obj.pk:
            return "—"
        from django.template.loader import render_to_string

        issues = list(obj.issues.annotate(
            n_measures=_visible_measure_count(obj._viewer)).order_by("position", "pk"))
        return render_to_string("admin/cases/issue_tree.html", {"nodes": _tree(issues), "case": obj})


def _visible_measure_count(user):
    """An issue's measure count over what `user` may see: counts never leak."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    counted = (Measure.objects.restrict(user).filter(issue=OuterRef("pk")).order_by().values("issue")
               .annotate(n=Count("pk")).values("n")[:1])
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _tree(issues: list[Issue]) -> list[dict]:
    """Nest a case's issues (already in tree order) into dicts for the template: one query."""
    nodes = {i.pk: {"issue": i, "children": []} for i in issues}
    roots = []
    for issue in issues:
        parent = nodes.get(issue.parent_id)
        (parent["children"] if parent else roots).append(nodes[issue.pk])
    return roots


class MeasureInline(ScopedChoicesMixin, admin.TabularInline):
    model = Measure
    fields = ["label", "short_text", "lead_unit", "deadline", "state_display"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user).select_related("lead_unit")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("measure"))
    def short_text(self, obj):
        return str(obj)

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return state_badge(obj.state)


@admin.register(Issue)
class IssueAdmin(RestrictedAdminMixin, ReadableHistoryAdmin):
    list_display = ["__str__", "case", "kind", "state_display", "measure_count"]
    list_filter = ["kind", "state", ("case", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "text", "label"]
    autocomplete_fields = ["case", "parent"]
    readonly_fields = ["state_display"]
    fields = ["case", "parent", "kind", "label", "title", "text", "position", "state_display"]
    inlines = [MeasureInline]
    list_select_related = ["case"]
    ordering = ["case", "position", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_measures=_visible_measure_count(request.user))

    @admin.display(description=_("measures"), ordering="n_measures")
    def measure_count(self, obj):
        return obj.n_measures

    @admin.display(description=_("state"), ordering="state")
    def state_display(self, obj):
        return state_badge(obj.state) if obj.pk else "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.case_changed(obj.case_id)


# --- Measures ------------------------------------------------------------------------


class ProgressInline(ScopedChoicesMixin, admin.TabularInline):
    """The progress log of a measure, newest first, with its evidence files."""

    model = ProgressUpdate
    fields = ["created_at", "author", "action", "change", "entry", "files"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("progress log")

    @admin.display(description=_("note"))
    def entry(self, obj):
        """The note, then what the system added, in the reader's language (cases.lognotes)."""
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in obj.text.splitlines())) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "source_notice").prefetch_related("evidence")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("state"))
    def change(self, obj):
        if not obj.changed_state:
            return state_badge(obj.to_state)
        return format_html("{} → {}", state_badge(obj.from_state), state_badge(obj.to_state))

    @admin.display(description=_("evidence"))
    def files(self, obj):
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">{}</a>',
            ((reverse("evidence-download", args=[e.pk]), e.original_name) for e in obj.evidence.all()),
        ) or "—"


class DeadlineChangeInline(ScopedChoicesMixin, admin.TabularInline):
    model = DeadlineChange
    fields = ["created_at", "by", "old_deadline", "new_deadline", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SignOffInline(DeadlineChangeInline):
    model = SignOff
    fields = ["created_at", "by", "decision", "round", "step", "step_name", "comment", "files"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by", "progress").prefetch_related("progress__evidence")

    @admin.display(description=_("step title"))
    def step_name(self, obj):
        return obj.step_label or "—"

    @admin.display(description=_("evidence"))
    def files(self, obj):
        """The files stored with the decision (a paper sign-off's scan, a signature's evidence)."""
        evidence = obj.progress.evidence.all() if obj.progress else []
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">{}</a>',
            ((reverse("evidence-download", args=[e.pk]), e.original_name) for e in evidence),
        ) or "—"


LEDGER_FIELDS = ["issue", "label", "text", "kind", "lead_leader", "responsible_person", "lead_unit",
                 "supporting_units"]


class MeasureForm(forms.ModelForm):
    """The measure with a "log progress" section, so staff do their update in one step."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    progress_note = forms.CharField(label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    progress_state = forms.ChoiceField(label=_("New state"), required=False)
    progress_files = MultipleFileField(label=_("Evidence files"), required=False)
    deadline_reason = forms.CharField(
        label=_("Reason for the new deadline"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the deadline changes; the original deadline is kept."),
    )

    class Meta:
        model = Measure
        fields = [*LEDGER_FIELDS, "deadline"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        measure = self.instance
        if measure.pk:
            self.fields["seen_version"].initial = measure.version
            rules = services.available_actions(request.user, measure)
            self.fields["progress_state"].choices = [("", _("— no change (note only) —"))] + [
                (r.target, f"{Action(r.action).label} → {State(r.target).label}") for r in rules
            ]
        else:
            for name in ("progress_note", "progress_state", "progress_files", "deadline_reason", "seen_version",
                         *outcome_forms.admin_fields()):
                self.fields.pop(name)

    def clean(self):
        data = super().clean()
        measure = self.instance
        if not measure.pk:
            return data
        user = self.request.user
        if data.get("seen_version") not in (None, measure.version):
            raise ValidationError(services.StaleMeasure(measure, data["seen_version"]).args[0])
        if "deadline" in self.changed_data and not (data.get("deadline_reason") or "").strip():
            self.add_error("deadline_reason", _("Give the reason for moving the deadline."))
        to_state = data.get("progress_state") or None
        note = data.get("progress_note", "")
        self.figures = outcome_forms.admin_figures(self)
        refused = getattr(self.request, "_rectify_refused", None)
        if refused is not None:
            # The services refused this very submission (e.g. its evidence files): nothing was
            # written; show why beside the fields, keeping what was typed.
            add_service_error(self, refused, {"files": "progress_files"})
        try:
            if to_state:
                services.check_transition(measure=measure, to_state=to_state, by=user, note=note,
                                          files=data.get("progress_files") or [])
        except ValidationError as exc:
            self.add_error("progress_state", exc)
        except PermissionDenied as exc:
            self.add_error("progress_state", str(exc))
        return data


# The outcome figure rows (cases.outcomes) of the "log progress" section.
MeasureForm.declared_fields.update(outcome_forms.admin_fields())
MeasureForm.base_fields.update(MeasureForm.declared_fields)


@admin.register(Measure)
class MeasureAdmin(RestrictedAdminMixin, ReadableHistoryAdmin):
    form = MeasureForm
    list_display = ["measure_text", "issue_link", "lead_unit", "deadline", "state_display", "overdue_days",
                    "last_progress_at"]
    list_display_links = ["measure_text"]
    list_filter = ["state", OverdueFilter, UnitFilter, ("case", VisibleCaseFilter),
                   ("deadline", admin.DateFieldListFilter), "kind"]
    search_fields = ["text", "issue__title", "issue__label", "lead_unit__name", "lead_leader__name",
                     "responsible_person", "label"]
    autocomplete_fields = ["issue", "lead_leader", "lead_unit", "supporting_units"]
    list_select_related = ["issue", "lead_unit", "case"]
    list_per_page = 50
    # A province holds 400,000 measures: no second unfiltered count, an estimated count above
    # 20,000 rows (cases.admin_paging), and an order an index serves (case id, then position).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ["case_id", "position", "pk"]
    # No date hierarchy: it runs a DISTINCT over every measure's deadline on each view; the
    # deadline filter offers the same periods.
    inlines = [ProgressInline, OutcomeInline, SignOffInline, DeadlineChangeInline]
    actions = ["action_start", "action_phase", "action_submit", "action_approve", "action_send_back", "action_reopen",
               "action_paper_signoff", "action_export_ledger"]
    history_list_display = ["state", "deadline", "lead_unit"]
    readonly_always = ["state_display", "original_deadline", "last_progress_at", "completed_at"]

    change_form_template = "admin/cases/measure/change_form.html"

    def get_urls(self):
        from django.urls import path

        view = self.admin_site.admin_view(self.paper_signoff_view)
        return [path("<int:object_id>/paper-signoff/", view, name="cases_measure_paper_signoff"),
                *super().get_urls()]

    def paper_signoff_view(self, request, object_id: int):
        """An administrator records a paper sign-off sheet (纸质销号单) with its scan, through
        `services.record_paper_signoff` (which checks the permission, the scan and the note)."""
        from .signoff.forms import PaperSignoffForm

        measure = self.get_object(request, str(object_id))
        if measure is None:
            raise Http404
        if not request.user.has_perm(PAPER_SIGNOFF_PERM):
            raise PermissionDenied
        form = PaperSignoffForm(request.POST or None, request.FILES or None, prefix="paper",
                                initial={"version": measure.version})
        if request.method == "POST" and form.is_valid():
            scans = form.cleaned_data["scan"]
            try:
                if len(scans) != 1:
                    raise ValidationError({"scan": _("Attach exactly one scan: the signed sheet.")})
                services.record_paper_signoff(measure=measure, by=request.user, scan=scans[0],
                                              note=form.cleaned_data["note"],
                                              expected_version=form.cleaned_data["version"])
            except services.StaleMeasure as exc:
                form.add_error(None, str(exc))
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                add_service_error(form, exc, {"files": "scan"})
            else:
                self.message_user(request, _("Paper sign-off recorded: the item is completed."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:cases_measure_change", args=[measure.pk]))
        return TemplateResponse(request, "admin/cases/measure/paper_signoff.html", {
            **self.admin_site.each_context(request),
            "title": _("Record a paper sign-off sheet (纸质销号单)"),
            "measure": measure, "form": form, "opts": self.model._meta,
        }, status=400 if request.method == "POST" else 200)

    def view_on_site(self, obj):
        """The item's own page (/items/<id>/), where staff log progress."""
        return reverse("cases:measure-detail", args=[obj.pk])

    def get_search_results(self, request, queryset, search_term):
        # The one search of the API and pages: each column through its own (trigram) index.
        return search_measures(queryset, search_term), False

    def get_ordering(self, request):
        # Overdue items, unless the user picked a column: the longest overdue first.
        if request.GET.get(OverdueFilter.parameter_name) == "overdue" and "o" not in request.GET:
            return ["deadline", "pk"]
        return super().get_ordering(request)

    def get_fieldsets(self, request, obj=None):
        ledger = (_("Ledger"), {"fields": [*LEDGER_FIELDS, "deadline", "original_deadline"]})
        status = (_("Status"), {"fields": ["state_display", "last_progress_at", "completed_at"]})
        if obj is None:
            return [(None, {"fields": [*LEDGER_FIELDS, "deadline"]})]
        fieldsets = [status, ledger]
        if self.has_change_permission(request, obj):
            progress = (_("Log progress"), {
                "fields": ["progress_note", "progress_state", "progress_files", "seen_version"],
                "description": _("Add a note, evidence files and, if it has moved, the new state. "
                                 "Saved as one entry of the progress log."),
            })
            fieldsets.insert(0, progress)
            fieldsets.insert(1, outcome_forms.admin_fieldset())
            if request.user.has_perm("cases.add_deadlinechange"):
                ledger[1]["fields"].append("deadline_reason")
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = list(self.readonly_always)
        if not request.user.has_perm("cases.add_measure"):
            # Staff log progress; the ledger columns belong to the supervisors.
            fields += [*LEDGER_FIELDS, "deadline"]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form_class):
            def __new__(cls, *args, **kw):
                kw["request"] = request
                return form_class(*args, **kw)

        return RequestForm

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("issue", "lead_unit", "case")

    def has_add_permission(self, request):
        return request.user.has_perm("cases.add_measure")

    # --- columns ---

    @admin.display(description=_("measure"), ordering="position")
    def measure_text(self, obj):
        return format_html('<span class="measure-text" title="{}{}">{}</span>', obj.label, obj.text, str(obj))

    @admin.display(description=_("issue"), ordering="issue__position")
    def issue_link(self, obj):
        return format_html('<span title="{}">{}</span>', obj.issue.title, str(obj.issue)[:30])

    @admin.display(description=_("state"), ordering="state")
    def state_display(self, obj):
        return state_badge(obj.state)

    # Ascending days overdue is descending deadline: the header's arrow then means what it says.
    @admin.display(description=_("days overdue"), ordering="-deadline")
    def overdue_days(self, obj):
        days = obj.days_overdue()
        return format_html('<strong style="color:#b42318">{}</strong>', days) if days else "—"

    # --- saving through the services ---

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            new = services.create_measure(
                issue=data["issue"], text=data["text"], lead_unit=data.get("lead_unit"), deadline=data.get("deadline"),
                kind=data["kind"], lead_leader=data.get("lead_leader"),
                responsible_person=data.get("responsible_person", ""),
                supporting_units=data.get("supporting_units") or (), label=data.get("label", ""), by=request.user,
            )
            obj.pk = new.pk
            obj.__dict__.update(new.__dict__)
            return
        measure = Measure.objects.get(pk=obj.pk)
        version = data.get("seen_version") or measure.version
        ledger_changes = {f: data[f] for f in form.changed_data if f in LEDGER_FIELDS and f != "supporting_units"}
        if ledger_changes or "supporting_units" in form.changed_data:
            services.update_measure(
                measure=measure, by=request.user, expected_version=version,
                supporting_units=data["supporting_units"] if "supporting_units" in form.changed_data else None,
                **ledger_changes,
            )
            version = measure.version
        if "deadline" in form.changed_data:
            services.change_deadline(
                measure=measure, new_deadline=data["deadline"], reason=data.get("deadline_reason", ""),
                by=request.user, expected_version=version,
            )
            version = measure.version
        note, to_state, files = data.get("progress_note", ""), data.get("progress_state") or None, \
            data.get("progress_files") or []
        figures = getattr(form, "figures", [])
        if note.strip() or to_state or files or figures:
            outcome_services.log_progress_with_figures(measure=measure, by=request.user, note=note,
                                                       to_state=to_state, files=files, figures=figures,
                                                       expected_version=version)

    def save_related(self, request, form, formsets, change):
        # The services have saved the measure and its units (so form.save_m2m is not called);
        # the inlines are read-only, saving them only records that nothing changed.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleMeasure as exc:
            # Someone else saved between this form's check and its save; nothing was written.
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        except ValidationError as exc:
            if request.method != "POST" or hasattr(request, "_rectify_refused"):
                raise
            # A service refused the save (the admin's transaction rolled it all back): show the
            # form again with the service's messages, as for any invalid form.
            request._rectify_refused = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    # --- state actions ---

    def _run_action(self, request, queryset, action: str):
        # A sign-off request needs its note as send-back and reopen need their reason.
        rule_needs_reason = action in (Action.SUBMIT, Action.SEND_BACK, Action.REOPEN)
        if rule_needs_reason and "apply" not in request.POST:
            return TemplateResponse(request, "admin/cases/measure/action_reason.html", {
                **self.admin_site.each_context(request),
                "title": Action(action).label,
                "measures": queryset,
                "action": f"action_{action}",
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            })
        reason = request.POST.get("reason", "")
        if rule_needs_reason and not reason.strip():
            self.message_user(request, _("A reason is required; nothing was changed."), messages.ERROR)
            return None
        done, failed = 0, []
        for measure in queryset:
            try:
                services.apply_action(measure=measure, action=action, by=request.user, note=reason)
                done += 1
            except (ValidationError, PermissionDenied, services.StaleMeasure) as exc:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                failed.append(f"{measure}: {message}")
        if done:
            self.message_user(request, ngettext("%(n)d item updated.", "%(n)d items updated.", done) % {"n": done},
                              messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.ERROR)
        return None

    @admin.action(description=_("Start rectification"))
    def action_start(self, request, queryset):
        return self._run_action(request, queryset, Action.START)

    @admin.action(description=_("Report phased results"))
    def action_phase(self, request, queryset):
        return self._run_action(request, queryset, Action.PHASE)

    @admin.action(description=_("Request sign-off"))
    def action_submit(self, request, queryset):
        return self._run_action(request, queryset, Action.SUBMIT)

    @admin.action(description=_("Sign off (销号)"), permissions=["sign_off"])
    def action_approve(self, request, queryset):
        return self._run_action(request, queryset, Action.APPROVE)

    @admin.action(description=_("Send back"), permissions=["sign_off"])
    def action_send_back(self, request, queryset):
        return self._run_action(request, queryset, Action.SEND_BACK)

    @admin.action(description=_("Reopen as relapsed (反弹回潮)"), permissions=["reopen"])
    def action_reopen(self, request, queryset):
        return self._run_action(request, queryset, Action.REOPEN)

    @admin.action(description=_("Record a paper sign-off sheet (纸质销号单)…"), permissions=["paper_signoff"])
    def action_paper_signoff(self, request, queryset):
        """One sheet, one scan, one item: the action opens the item's paper sign-off form."""
        selected = list(queryset.values_list("pk", flat=True)[:2])
        if len(selected) != 1:
            self.message_user(request, _("Choose exactly one item: a paper sign-off sheet records one item with "
                                         "its scan."), messages.ERROR)
            return None
        return HttpResponseRedirect(reverse("admin:cases_measure_paper_signoff", args=[selected[0]]))

    @admin.action(description=_("Export selected measures as xlsx"))
    def action_export_ledger(self, request, queryset):
        from .ledger_admin import export_measures

        return export_measures(request, queryset)

    def has_sign_off_permission(self, request):
        return request.user.has_perm("cases.sign_off_measure")

    def has_reopen_permission(self, request):
        return request.user.has_perm("cases.reopen_measure")

    def has_paper_signoff_permission(self, request):
        return request.user.has_perm(PAPER_SIGNOFF_PERM)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(RestrictedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "measure", "author", "action", "from_state", "to_state", "short_note"]
    list_filter = ["action", "to_state", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["note", "measure__text"]
    list_select_related = ["measure", "author"]
    date_hierarchy = "created_at"

    @admin.display(description=_("note"))
    def short_note(self, obj):
        return obj.text[:60]


@admin.register(Reminder)
class ReminderAdmin(RestrictedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["period", "kind", "level", "recipient_email", "unit", "item_count", "status", "sent_at",
                    "attempts"]
    list_filter = ["status", "kind", "level", "period"]
    search_fields = ["recipient_email", "unit__name", "error"]
    list_select_related = ["unit"]
    date_hierarchy = "period"
    exclude = ["counts"]
    readonly_fields = ["level_counts"]

    @admin.display(description=_("items at each level"))
    def level_counts(self, obj):
        """The plan's counts in words ("已逾期 12 · 进展滞后 3"), not the JSON they are stored as."""
        shown = [f"{label} {obj.counts[level]}" for level, label in Reminder.Level.choices if obj.counts.get(level)]
        return " · ".join(shown) or "—"


@admin.register(Evidence)
class EvidenceAdmin(RestrictedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "progress", "size", "uploaded_at"]
    search_fields = ["original_name"]
    list_select_related = ["progress"]

    def has_module_permission(self, request):
        return False

# The working-day calendar registers its own admin.
from .calendar import admin as _calendar_admin  # noqa: E402, F401
from .lookback import admin as _lookback_admin  # noqa: E402, F401
from .reports import admin as _report_admin  # noqa: E402, F401
from .signoff import admin as _signoff_admin  # noqa: E402, F401

# The urging ladder, channels and letters register their own admin.
from .urging import admin as _urging_admin  # noqa: E402, F401
