"""The item page's sign-off pieces: the sheet download, extension requests and decisions, and an
administrator's paper sign-off. Thin: each parses a form, calls a service, and redirects back to
the item with a message, or shows the item page again with the error beside the field."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..models import Measure
from . import services as signoff_services
from . import sheet
from .forms import ExtensionDecisionForm, ExtensionForm, PaperSignoffForm
from .models import ExtensionRequest

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _measure(request, pk: int) -> Measure:
    try:
        return Measure.objects.restrict(request.user).select_related("case", "lead_unit").get(pk=pk)
    except Measure.DoesNotExist:
        raise Http404 from None


def _back(measure: Measure) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:measure-detail", args=[measure.pk]) + "#signoff")


def _errors(form, exc) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc))
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def signoff_sheet(request, pk: int):
    measure = _measure(request, pk)
    return FileResponse(io.BytesIO(sheet.sheet_docx(measure)), as_attachment=True,
                        filename=sheet.sheet_filename(measure), content_type=DOCX)


def _redisplay(request, measure, **forms):
    from .. import selectors as case_selectors
    from ..views import render_detail

    full = case_selectors.with_recent_progress(Measure.objects.filter(pk=measure.pk), limit=200).get()
    return render_detail(request, full, status=400, **forms)


@login_required
@require_POST
def request_extension(request, pk: int):
    measure = _measure(request, pk)
    form = ExtensionForm(request.POST, prefix="ext")
    if form.is_valid():
        data = form.cleaned_data
        try:
            signoff_services.request_extension(measure=measure, by=request.user,
                                               proposed_deadline=data["proposed_deadline"], reason=data["reason"],
                                               expected_version=data["version"])
        except services.StaleMeasure as exc:
            form.add_error(None, str(exc))
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Extension requested: a supervisor will decide."))
            return _back(measure)
    return _redisplay(request, measure, extension_form=form)


@login_required
@require_POST
def decide_extension(request, pk: int):
    try:
        extension = ExtensionRequest.objects.restrict(request.user).select_related("measure").get(pk=pk)
    except ExtensionRequest.DoesNotExist:
        raise Http404 from None
    measure = _measure(request, extension.measure_id)
    form = ExtensionDecisionForm(request.POST, prefix="extd")
    if form.is_valid():
        try:
            decided = signoff_services.decide_extension(request=extension, by=request.user,
                                                        approve=form.cleaned_data["approve"],
                                                        note=form.cleaned_data["note"])
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Extension approved: the deadline is now %(date)s.") % {
                "date": decided.proposed_deadline.isoformat()} if decided.status == ExtensionRequest.Status.APPROVED
                else _("Extension refused."))
            return _back(measure)
    return _redisplay(request, measure, decision_form=form)


@login_required
@require_POST
def paper_signoff(request, pk: int):
    measure = _measure(request, pk)
    form = PaperSignoffForm(request.POST, request.FILES, prefix="paper")
    if form.is_valid():
        scans = form.cleaned_data["scan"]
        try:
            if len(scans) != 1:
                raise ValidationError({"scan": _("Attach exactly one scan: the signed sheet.")})
            services.record_paper_signoff(measure=measure, by=request.user, scan=scans[0],
                                          note=form.cleaned_data["note"], expected_version=form.cleaned_data["version"])
        except services.StaleMeasure as exc:
            form.add_error(None, str(exc))
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Paper sign-off recorded: the item is completed."))
            return _back(measure)
    return _redisplay(request, measure, paper_form=form)
