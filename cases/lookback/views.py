"""The look-back queue (回头看): what is due, 长期坚持 items without their entry, summaries, and the
form that records an outcome. Reads from `selectors`, writes through `services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Case, Measure

from . import selectors, services
from .forms import LookbackForm
from .models import Lookback


def _cases(request):
    cases = Case.objects.restrict(request.user)
    chosen = request.GET.get("case") or ""
    selected = cases.filter(pk=chosen).first() if chosen.isdigit() else None
    if chosen and selected is None:
        messages.warning(request, _("Filter “%(field)s” ignored: %(error)s") % {
            "field": _("Case"), "error": _("Select a valid choice.")})
    return cases, selected


def _context(request, bound: dict | None = None) -> dict:
    today = case_selectors.today()
    cases, selected = _cases(request)
    lookbacks = Lookback.objects.restrict(request.user)
    measures = Measure.objects.restrict(request.user)
    if selected:
        lookbacks = lookbacks.filter(measure__case=selected)
        measures = measures.filter(case=selected)
    due = Paginator(selectors.due_checks(lookbacks, on=today), selectors.QUEUE_PAGE).get_page(request.GET.get("page"))
    open_long_term = list(selectors.long_term_without_entry(measures, on=today)
                          .select_related("case", "issue", "lead_unit").order_by("last_progress_at", "pk")[:50])
    lagging_ids = set(selectors.long_term_lagging(measures, on=today).values_list("pk", flat=True))
    bound = bound or {}
    due_rows = [{"lookback": lb, "measure": lb.measure, "overdue": lb.due_on < today,
                 "form": bound.get(lb.measure_id) or LookbackForm(measure=lb.measure)} for lb in due.object_list]
    long_rows = [{"measure": m, "lagging": m.pk in lagging_ids,
                  "form": bound.get(m.pk) or LookbackForm(measure=m)} for m in open_long_term]
    by_case = selectors.summary(lookbacks, measures, on=today, by="case")
    by_unit = selectors.summary(lookbacks, measures, on=today, by="unit")
    return {
        "today": today, "horizon": selectors.reminder_horizon(today), "page": due, "due_rows": due_rows,
        "long_rows": long_rows, "lagging_total": len(lagging_ids), "by_case": by_case, "by_unit": by_unit,
        "total": selectors.totals(by_case), "case_choices": cases.only("pk", "title"), "selected": selected,
        "recent": lookbacks.checked().select_related("measure__case", "by").order_by("-checked_at")[:20],
        "can_record": request.user.has_perm("cases.add_lookback"),
        "page_query": f"case={selected.pk}" if selected else "",
    }


@login_required
@permission_required("cases.view_lookback", raise_exception=True)
def queue(request):
    if not request.user.is_supervisor:
        raise PermissionDenied
    return render(request, "cases/lookback_queue.html", _context(request))


@login_required
@permission_required("cases.add_lookback", raise_exception=True)
@require_POST
def record(request, pk: int):
    try:
        measure = Measure.objects.restrict(request.user).select_related("case").get(pk=pk)
    except Measure.DoesNotExist:
        raise Http404 from None
    form = LookbackForm(request.POST, request.FILES, measure=measure)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = services.record_lookback(measure=measure, by=request.user, outcome=data["outcome"],
                                           note=data["note"], files=data["files"], expected_version=data["version"])
        except case_services.StaleMeasure:
            status = 409
            form.add_error(None, _("Someone else changed this item in the meantime; nothing was saved. "
                                   "Check it and record the look-back again."))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if row.outcome == Lookback.Outcome.HELD:
                messages.success(request, _("Look-back recorded as held: %(item)s") % {"item": measure})
            else:
                messages.warning(request, _("Look-back found a relapse; the item is reopened: %(item)s")
                                 % {"item": measure})
            back = reverse("cases:lookback-queue")
            nxt = request.POST.get("next", "")
            return HttpResponseRedirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else back)
    context = _context(request, bound={measure.pk: form})
    if not any(r["measure"].pk == measure.pk for r in context["due_rows"] + context["long_rows"]):
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return render(request, "cases/lookback_queue.html", context, status=status)
