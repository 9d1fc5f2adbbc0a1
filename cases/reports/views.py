"""The periodic report as a printable page and as a .docx download (supervisors)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.models import Organisation
from cases import charts
from cases import selectors as case_selectors
from cases.models import Case

from . import document, periods, selectors


def _scope(request):
    """(organisation, case) the report is for: the one asked for if visible, else the first
    organisation the user supervises. Unknown ids are reported, not silently widened."""
    cases = Case.objects.restrict(request.user)
    organisations = Organisation.objects.supervised_by(request.user).order_by("path")
    case = organisation = None
    if request.GET.get("case"):
        value = request.GET["case"]
        case = cases.filter(pk=value).first() if value.isdigit() else None
        if case is None:
            messages.warning(request, _("That case is not one you can see; showing your organisation instead."))
    elif request.GET.get("organisation"):
        value = request.GET["organisation"]
        organisation = organisations.filter(pk=value).first() if value.isdigit() else None
        if organisation is None:
            messages.warning(request, _("That organisation is not one you supervise; showing your own instead."))
    if case is None and organisation is None:
        organisation = organisations.first()
    return organisation, case, organisations, cases


def build_report(user, *, organisation=None, case=None, period, on):
    measures = selectors.measures_for(user, organisation=organisation, case=case).order_by()
    if case is not None:
        scope_cases = [case]
    else:
        cases = Case.objects.restrict(user) if user is not None else Case.objects.all()
        scope_cases = list(cases.filter(organisation__path__startswith=organisation.path)) \
            if organisation is not None else None
    problems = case_selectors.problems_of(measures, cases=scope_cases, narrowed=False)
    scope = case.title if case else organisation.name if organisation else _("All organisations")
    kind_word = "周汇总" if period.kind == periods.WEEK else "月调度"
    return selectors.build(measures, problems, period=period, on=on, scope=scope,
                           title=f"{scope}整改工作{kind_word}",
                           deadline=case.rectification_deadline if case else None)


@login_required
@permission_required("cases.view_all_measures", raise_exception=True)
def report(request):
    today = case_selectors.today()
    organisation, case, organisations, cases = _scope(request)
    try:
        period = periods.parse(request.GET.get("kind"), request.GET.get("start"), today)
    except ValueError as exc:
        messages.warning(request, str(exc))
        period = periods.last_complete(periods.WEEK, today)
    data = build_report(request.user, organisation=organisation, case=case, period=period, on=today)
    if request.GET.get("format") == "docx":
        response = HttpResponse(
            document.report_docx(data),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        response["Content-Disposition"] = content_disposition_header(True, document.filename(data))
        return response
    laggards = [r for r in sorted(data.units, key=lambda r: -r.overdue) if r.overdue][:15]
    query = [(k, v) for k, v in request.GET.items() if k != "format"]
    return render(request, "cases/report.html", {
        "report": data, "organisation": organisation, "case": case, "organisations": organisations,
        "case_choices": cases.only("pk", "title"), "kinds": periods.KINDS.items(),
        "docx_query": urlencode([*query, ("format", "docx")]),
        "previous_start": data.period.previous().start.isoformat(),
        "next_start": periods.period_of(period.kind, period.end + datetime.timedelta(days=1)).start.isoformat()
        if period.end < today else None,
        "trend_chart": charts.weekly_chart(data.weeks, today=today, deadline=data.deadline,
                                           title=_("Completed and remaining, week by week")) if data.weeks else "",
        "unit_chart": charts.stacked_bars(laggards, title=_("Units with overdue items")),
        "legend": charts.legend(),
        "selected_kind": period.kind,
    })
