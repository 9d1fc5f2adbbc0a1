"""The look-back queue (回头看) and one item's look-back page. Reads from `selectors`, writes
through `services`.

The queue is a paged list, filtered by `LookbackFilterSet` (case, unit, kind, due state): one
row per look-back due, one per 长期坚持 item still without its entry this period, each opening
that item's own page with the form. A province has thousands of either; no page holds more than
`QUEUE_PAGE` rows of each list, and its queries do not grow with them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.models import Unit
from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Case, Measure
from cases.states import State
from cases.views import _filter_data, _options

from . import filters, selectors, services
from .forms import LookbackForm
from .models import Lookback

# Rows of a summary table shown on the queue (the most relapsed, overdue and lagging first);
# the totals count every row.
SUMMARY_ROWS = 15
PAGE_PARAMS = ("page", "lpage")


def _supervisor(request) -> None:
    if not request.user.is_supervisor:
        raise PermissionDenied


def _filterset(request, queryset, *, ignore=()):
    data = _filter_data(request)
    if data is not None:
        for key in (*PAGE_PARAMS, *ignore):
            data.pop(key, None)
    filterset = filters.LookbackFilterSet(data or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid() and not ignore:
        # Invalid filters are dropped by the FilterSet; say so rather than show a silently wider list.
        for field, errors in filterset.errors.items():
            label = filterset.form.fields[field].label if field in filterset.form.fields else field
            messages.warning(request, _("Filter “%(field)s” ignored: %(error)s") % {
                "field": label, "error": " ".join(errors)})
    return filterset


def _query(request, *, without: str = "") -> str:
    """The current query string for a link, without one parameter (the page being turned)."""
    return urlencode([(k, v) for k, values in request.GET.lists() if k != without for v in values if v])


@login_required
@permission_required("cases.view_lookback", raise_exception=True)
def queue(request):
    _supervisor(request)
    today = case_selectors.today()
    horizon = selectors.reminder_horizon(today)
    lookbacks = Lookback.objects.restrict(request.user)
    measures = Measure.objects.restrict(request.user)
    filterset = _filterset(request, lookbacks.current())
    due_state = filterset.form.cleaned_data.get("due") if filterset.is_bound else None
    narrowed = filterset.narrow_measures(measures)

    due = filterset.qs if due_state else filterset.qs.filter(due_on__lte=horizon)
    due = due.select_related("measure__case", "measure__issue", "measure__lead_unit").order_by("due_on", "pk")
    page = Paginator(due, selectors.QUEUE_PAGE).get_page(request.GET.get("page"))

    if due_state == filters.DUE_OVERDUE:
        long_term = selectors.long_term_lagging(narrowed, on=today)
    elif due_state in (filters.DUE_LATER, filters.DUE_RECORDED):
        long_term = narrowed.none()
    else:
        long_term = selectors.long_term_without_entry(narrowed, on=today)
    long_page = Paginator(long_term.select_related("case", "lead_unit").order_by("last_progress_at", "pk"),
                          selectors.QUEUE_PAGE).get_page(request.GET.get("lpage"))
    on_page = [m.pk for m in long_page.object_list]
    lagging_here = set(selectors.long_term_lagging(narrowed.filter(pk__in=on_page), on=today)
                       .values_list("pk", flat=True)) if on_page else set()

    # The summaries count the filtered cases, units and kinds, whatever the due state asked.
    summary_lookbacks = _filterset(request, lookbacks, ignore=("due", "outcome")).qs
    by_case = selectors.summary(summary_lookbacks, narrowed, on=today, by="case")
    by_unit = selectors.summary(summary_lookbacks, narrowed, on=today, by="unit")
    total = selectors.totals(by_case)
    selected = {key: [str(v) for v in request.GET.getlist(key) if v] for key in filterset.base_filters}
    return render(request, "cases/lookback_queue.html", {
        "today": today, "horizon": horizon, "page": page, "long_page": long_page,
        "due_rows": [{"lookback": lb, "measure": lb.measure, "overdue": lb.due_on < today}
                     for lb in page.object_list],
        "long_rows": [{"measure": m, "lagging": m.pk in lagging_here} for m in long_page.object_list],
        "total": total, "lagging_total": total.lagging,
        "by_case": by_case[:SUMMARY_ROWS], "by_case_more": max(len(by_case) - SUMMARY_ROWS, 0),
        "by_unit": by_unit[:SUMMARY_ROWS], "by_unit_more": max(len(by_unit) - SUMMARY_ROWS, 0),
        "recent": summary_lookbacks.checked().select_related("measure", "by").order_by("-checked_at")[:20],
        "can_record": request.user.has_perm("cases.add_lookback"),
        "case_options": _options(Case.objects.restrict(request.user).values_list("pk", "title"),
                                 selected.get("case", []), width=40),
        "unit_options": _options(
            sorted(case_selectors.unit_labels(Unit.objects.restrict(request.user).filter(is_active=True)).items(),
                   key=lambda pair: pair[1]), selected.get("unit", [])),
        "kind_choices": Measure.Kind.choices, "due_choices": filters.DUE_CHOICES, "selected": selected,
        "filtered": any(selected.values()),
        "page_query": _query(request, without="page"), "long_page_query": _query(request, without="lpage"),
    })


def _next_url(request) -> str:
    """Where to go after recording: the queue page (with its filters) the item was opened from."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt.startswith("/") and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return reverse("cases:lookback-queue")


def _item_context(request, measure: Measure, form: LookbackForm) -> dict:
    long_term = measure.kind == Measure.Kind.LONG_TERM
    pending = None if long_term else Lookback.objects.current().filter(measure=measure).first()
    return {
        "m": measure, "form": form, "next_url": _next_url(request), "today": case_selectors.today(), "pending": pending,
        "can_record": request.user.has_perm("cases.add_lookback")
        and (long_term or measure.state == State.COMPLETED),
        "history": measure.lookbacks.checked().select_related("by").order_by("-checked_at")[:10],
        "entries": measure.progress_updates.select_related("author").order_by("-created_at", "-pk")[:5],
    }


@login_required
@permission_required("cases.view_lookback", raise_exception=True)
def record(request, pk: int):
    """One item's look-back: GET shows the item and the form; POST records the outcome."""
    _supervisor(request)
    try:
        measure = (Measure.objects.restrict(request.user)
                   .select_related("case", "issue", "lead_unit", "lead_leader").get(pk=pk))
    except Measure.DoesNotExist:
        raise Http404 from None
    if request.method != "POST":
        form = LookbackForm(measure=measure)
        return render(request, "cases/lookback_item.html", _item_context(request, measure, form))
    if not request.user.has_perm("cases.add_lookback"):
        raise PermissionDenied
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
            return HttpResponseRedirect(_next_url(request))
    return render(request, "cases/lookback_item.html", _item_context(request, measure, form), status=status)
