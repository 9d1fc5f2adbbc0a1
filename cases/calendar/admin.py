"""The working-day calendar in the admin: its days and years, and the notice import.

Import: paste the State Council's notice → a preview of every day and what changes →
confirm. The confirm form carries the previewed text back and parses it again, so what is
written is exactly what was shown; a text that cannot be read writes nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import importer
from .models import CalendarDay, CalendarYear, Source
from .parser import NoticeParseError, parse_complete_notice


class NoticeTextForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text of the holiday notice"),
        widget=forms.Textarea(attrs={"rows": 18, "cols": 100, "style": "width:100%;font-family:inherit"}),
        help_text=gettext_lazy("The whole notice 国务院办公厅关于YYYY年部分节假日安排的通知, title included, "
                               "as copied from www.gov.cn."),
        error_messages={"required": gettext_lazy("Paste the text of the notice.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("text"):
            try:
                data["arrangement"] = parse_complete_notice(data["text"])
            except NoticeParseError as exc:
                raise forms.ValidationError(
                    _("This notice cannot be imported: %(error)s") % {"error": exc.message}, code=exc.code,
                ) from exc
        return data


class ConfirmForm(NoticeTextForm):
    text = forms.CharField(widget=forms.HiddenInput)


class _EnteredByMixin:
    readonly_fields = ("source", "notice_title", "entered_by", "entered_at")

    def save_model(self, request, obj, form, change):
        # A row changed by hand is the office's word now, whatever imported it.
        obj.entered_by = request.user
        obj.source = Source.MANUAL
        obj.notice_title = ""
        super().save_model(request, obj, form, change)


@admin.register(CalendarDay)
class CalendarDayAdmin(_EnteredByMixin, admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "source", "entered_by", "entered_at")
    list_filter = ("kind", "source", ("date", admin.DateFieldListFilter))
    date_hierarchy = "date"
    search_fields = ("name", "notice_title")
    fields = ("date", "kind", "name", "source", "notice_title", "entered_by", "entered_at")
    change_list_template = "admin/cases/calendarday/change_list.html"

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, obj):
        return WEEKDAYS_ABBR[obj.date.weekday()] if obj.date else ""

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="cases_calendarday_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (request.user.has_perm("cases.add_calendarday") and request.user.has_perm("cases.change_calendarday")):
            raise PermissionDenied
        if request.method == "POST" and "_confirm" in request.POST:
            confirm = ConfirmForm(request.POST)
            if confirm.is_valid():
                result = importer.apply(confirm.cleaned_data["arrangement"], user=request.user)
                self.message_user(request, _import_message(result),
                                  messages.SUCCESS if result.changes else messages.INFO)
                return HttpResponseRedirect(
                    reverse("admin:cases_calendarday_changelist") + f"?date__year={result.arrangement.year}")
            form = NoticeTextForm(request.POST)
            form.is_valid()
            return self._form(request, form)
        if request.method == "POST":
            form = NoticeTextForm(request.POST)
            if form.is_valid():
                plan = importer.plan(form.cleaned_data["arrangement"])
                return self._render(request, "admin/cases/calendarday/import_preview.html", {
                    "title": _("Preview: working days of %(year)d") % {"year": plan.arrangement.year},
                    "plan": plan, "confirm": ConfirmForm(initial={"text": form.cleaned_data["text"]}),
                    "counts": {a: plan.count(a) for a in ("new", "changed", "same", "removed")},
                })
            return self._form(request, form)
        return self._form(request, NoticeTextForm())

    def _form(self, request, form):
        return self._render(request, "admin/cases/calendarday/import_form.html", {
            "title": _("Import the yearly holiday notice"), "form": form,
            "adminform": admin.helpers.AdminForm(form, [(None, {"fields": ["text"]})], {}),
        })

    def _render(self, request, template, context):
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.model._meta, **context,
        })


@admin.register(CalendarYear)
class CalendarYearAdmin(_EnteredByMixin, admin.ModelAdmin):
    list_display = ("year", "complete", "source", "notice_title", "entered_by", "entered_at")
    list_filter = ("complete", "source")
    fields = ("year", "complete", "source", "notice_title", "entered_by", "entered_at")


def _import_message(result: importer.Plan) -> str:
    year = result.arrangement.year
    if not result.changes:
        return _("The arrangement of %(year)d was already in the calendar: nothing changed.") % {"year": year}
    return _("Working days of %(year)d imported: %(new)d days added, %(changed)d changed, %(removed)d removed.") % {
        "year": year, "new": result.count("new"), "changed": result.count("changed"),
        "removed": result.count("removed"),
    }
