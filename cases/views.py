"""Pages: the supervisors' dashboard, the staff's "my items", the item page and the sign-off queue.

Views stay thin: reads come from `cases.selectors` over `Measure.objects.restrict(user)`
narrowed by the one `MeasureFilterSet`; writes go through `cases.services`. Every figure
links to `items`, the list page driven by the same FilterSet, so the count at the end of a
link is the figure that led there.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import ChoiceField, ModelChoiceField, NullBooleanField
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Unit

from . import charts, selectors, services
from .filters import MeasureFilterSet
from .forms import ProgressForm, SignOffForm, add_service_error
from .links import path_of
from .models import Case, Letter, Measure, SignOff
from .outcomes import forms as outcome_forms
from .outcomes import selectors as outcome_selectors
from .outcomes import services as outcome_services
from .paging import DeferredJoinPaginator
from .signoff import eligibility
from .states import Action, State

# Filters the dashboard offers; any other MeasureFilterSet parameter in the URL still applies.
DASHBOARD_FILTERS = ("organisation", "case", "unit", "kind")
# Parameters that are about the page, not about which items are counted.
PAGE_PARAMS = {"sort", "page", "ordering", "units"}


def _filter_params(request) -> list[tuple[str, str]]:
    """The item filters of the current URL, to carry into every link built from it."""
    known = set(MeasureFilterSet.base_filters)
    return [(k, v) for k, values in request.GET.lists() if k in known and k not in PAGE_PARAMS for v in values if v]


def _url(name: str, params, **extra) -> str:
    query = [(k, v) for k, v in params if k not in extra]
    for key, value in extra.items():
        if isinstance(value, list | tuple):
            query.extend((key, str(v)) for v in value)
        elif value is not None and value != "":
            query.append((key, str(value)))
    return path_of(name) + ("?" + urlencode(query) if query else "")


def _filter_data(request):
    """The query string without empty values: a filter form submits every field, and "all
    cases" (an empty value) means no filter, not an invalid one."""
    data = request.GET.copy()
    for key in list(data):
        values = [v for v in data.getlist(key) if v.strip()]
        if values:
            data.setlist(key, values)
        else:
            del data[key]
    return data or None


def _filterset(request, queryset):
    filterset = MeasureFilterSet(_filter_data(request), queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        # Invalid filters are dropped by the FilterSet; say so rather than show silently wider figures.
        for field, errors in filterset.errors.items():
            label = filterset.form.fields[field].label if field in filterset.form.fields else field
            messages.warning(request, _("Filter “%(field)s” ignored: %(error)s") % {
                "field": label, "error": " ".join(errors)})
    return filterset


def _chip_value(filterset, key: str, value: str) -> str:
    """What a filter value means, in words: "已逾期: 是", a case's title, a state's label."""
    field = filterset.form.fields.get(key)
    if isinstance(field, NullBooleanField):
        return _("yes") if value.lower() in ("true", "1", "yes", "on") else _("no")
    if isinstance(field, ModelChoiceField):  # also ModelMultipleChoiceField
        # Through the filter's own scoped queryset, so a chip names nothing the user may not see.
        try:
            obj = field.queryset.filter(pk=value).first()
        except (ValueError, TypeError, ValidationError):
            obj = None
        return str(obj) if obj is not None else value
    if isinstance(field, ChoiceField):
        return str(dict(field.choices).get(value, value))
    return value


def _chips(request, filterset, params) -> list[dict]:
    """One chip per filter in force, each with a link that removes just that filter."""
    errors = filterset.errors if filterset.is_bound else {}
    chips = []
    for i, (key, value) in enumerate(params):
        if key in errors or key not in filterset.form.fields:
            continue
        rest = [p for j, p in enumerate(params) if j != i]
        chips.append({
            "key": key,
            "label": filterset.form.fields[key].label,
            "value": _chip_value(filterset, key, value),
            "remove": request.path + ("?" + urlencode(rest) if rest else ""),
        })
    return chips


@login_required
def home(request):
    """Everyone lands on the page of their work: supervisors on the dashboard; leaders, who
    follow an organisation without the dashboard's permission, on the items waiting for their
    signature; staff on their own items."""
    if request.user.has_perm("cases.view_all_measures"):
        return redirect("cases:dashboard")
    if request.user.is_supervisor:
        return redirect("cases:signoff-queue")
    return redirect("cases:my-items")


# --- Dashboard ---------------------------------------------------------------------------


@login_required
@permission_required("cases.view_all_measures", raise_exception=True)
def dashboard(request):
    today = selectors.today()
    filterset = _filterset(request, Measure.objects.restrict(request.user))
    measures = filterset.qs.order_by()
    params = _filter_params(request)
    cleaned = filterset.form.cleaned_data if filterset.is_bound else {}
    selected_cases = list(cleaned.get("case") or [])
    narrowed = any(k not in ("case",) for k, _v in params)
    organisation = cleaned.get("organisation")
    figures = selectors.figures_ready(request.user, params, cases=selected_cases, organisation=organisation, on=today)
    if figures is not None:
        head = selectors.headline_from(figures)
    else:
        problems = selectors.problems_of(measures, cases=selected_cases or None, narrowed=narrowed)
        head = selectors.headline(measures, problems, on=today)
    def items(**extra) -> str:
        return _url("cases:items", params, **extra)

    selected_values = {k: [v for p, v in params if p == k] for k in DASHBOARD_FILTERS}
    org_choices = selectors.organisation_choices(request.user)

    case_rows, case_total = (selectors.by_case_from(figures) if figures is not None
                             else selectors.by_case(measures, on=today))
    single_case = selected_cases[0] if len(selected_cases) == 1 else (
        case_rows[0].extra["case"] if case_total == 1 else None)
    category_rows = selectors.by_category(measures, single_case, on=today) if single_case else []
    sort = request.GET.get("sort", "light")
    unit_rows = (selectors.by_unit_from(figures, on=today, sort=sort) if figures is not None
                 else selectors.by_unit(measures, on=today, sort=sort))
    show_all_units = request.GET.get("units") == "all"
    if figures is not None:
        weeks = selectors.weekly_trend_from(figures, on=today, completed_now=head.completed, ongoing_now=head.ongoing)
    else:
        weeks = selectors.weekly_trend(measures, on=today, completed_now=head.completed, ongoing_now=head.ongoing)
    ranked_parent = selectors.organisation_of_view(request.user, organisation, org_choices)
    org_rows = selectors.organisation_ranking(figures, measures, ranked_parent, on=today)
    org_params = [p for p in params if p[0] not in ("organisation", "case")]
    for row in org_rows:
        target = ranked_parent.pk if row.extra["own"] else row.key
        row.extra["links"] = {
            "open": _url("cases:dashboard", org_params, organisation=target),
            "all": _url("cases:items", org_params, organisation=target),
            "completed": _url("cases:items", org_params, organisation=target, ongoing="false"),
            "overdue": _url("cases:items", org_params, organisation=target, overdue="true"),
        }
    deadline = single_case.rectification_deadline if single_case else None

    part_filter = {"all": {}, "completed": {"ongoing": "false"}, "ongoing": {"ongoing": "true", "overdue": "false"},
                   "overdue": {"overdue": "true"}}

    def case_link(row, part):
        return _url("cases:items", [p for p in params if p[0] != "case"], case=row.key, **part_filter[part])

    def category_link(row, part):
        return _url("cases:items", [p for p in params if p[0] not in ("case", "issue")], case=single_case.pk,
                    issue=row.key, **part_filter[part])

    def unit_link(row, part):
        return _url("cases:items", params, lead_unit=row.key, **part_filter[part])

    shown_units = unit_rows if show_all_units else unit_rows[:50]
    # The chart answers "who lags": the units with the most overdue items, worst first.
    laggards = [r for r in selectors.sort_units(unit_rows, "overdue") if r.overdue][: selectors.TOP_UNITS]
    # Links only for the rows drawn (a province has 2,000 units; 50 are shown).
    for row in {id(r): r for r in [*shown_units, *laggards]}.values():
        row.extra["links"] = {
            "ongoing": _url("cases:items", params, lead_unit=row.key, ongoing="true"),
            "overdue": _url("cases:items", params, lead_unit=row.key, overdue="true"),
            "due_soon": _url("cases:items", params, lead_unit=row.key, due_within=selectors.due_soon_days()),
            "all": _url("cases:items", params, lead_unit=row.key),
        }
    level_rows = (selectors.by_urging_level_from(figures) if figures is not None
                  else selectors.by_urging_level(measures))
    for row in level_rows:
        row.link = _url("cases:items", params, urging_level=row.level_ids)
    context = {
        "level_rows": level_rows,
        "figures": figures,
        "org_rows": org_rows,
        "ranked_parent": ranked_parent,
        "organisation": organisation,
        "filterset": filterset,
        "params": params,
        "today": today,
        "head": head,
        "links": {
            "measures": items(),
            "completed": items(ongoing="false"),
            "ongoing": items(ongoing="true"),
            "overdue": items(overdue="true"),
            "due_soon": items(due_within=selectors.due_soon_days()),
            "submitted": items(state=State.SUBMITTED),
            "problems": _problems_url(selected_cases, narrowed, items()),
            "problems_completed": _problems_url(selected_cases, narrowed, items(ongoing="false"), completed=True),
            "all_cases": reverse("admin:cases_case_changelist"),
        },
        "overall_chart": charts.stacked_bars(
            [selectors.Row(key=None, label=_("All selected items"), total=head.measures, completed=head.completed,
                           ongoing=head.ongoing, overdue=head.overdue)],
            title=_("Completion of all selected items"),
            link=lambda row, part: items(**part_filter[part]),
        ),
        "legend": charts.legend(),
        "case_chart": charts.stacked_bars(
            case_rows, title=_("Completion by case"), link=case_link,
            desc=_("Cases with the most overdue items first."),
        ),
        "case_rows": case_rows,
        "case_total": case_total,
        "single_case": single_case,
        "category_chart": charts.stacked_bars(category_rows, title=_("Completion by category"), link=category_link),
        "laggard_chart": charts.stacked_bars(
            laggards, title=_("Units with overdue items"), link=unit_link, show_rate=True,
            desc=_("Lead units with overdue items, the most overdue first."),
        ),
        "unit_rows": shown_units,
        "unit_total": len(unit_rows),
        "show_all_units": show_all_units,
        "sort": sort,
        "sort_links": {key: _url("cases:dashboard", params, sort=("-" + key if sort == key else key),
                                 units="all" if show_all_units else None)
                       for key in selectors.UNIT_SORTS},
        "sort_options": [
            {"label": label, "url": _url("cases:dashboard", params, sort=("-" + key if sort == key else key),
                                         units="all" if show_all_units else None),
             "active": sort.lstrip("-") == key}
            for key, label in _unit_sort_labels()
        ],
        "all_units_link": _url("cases:dashboard", params, sort=sort, units="all"),
        "trend_chart": charts.weekly_chart(
            weeks, today=today, deadline=deadline, title=_("Completed and remaining, week by week"),
            completed_href=items(ongoing="false"), remaining_href=items(ongoing="true"),
        ),
        "deadline": deadline,
        "deadline_drawn": charts.deadline_on_chart(weeks, deadline),
        "overdue_items": selectors.overdue_items(measures, on=today),
        # A province has thousands of cases and units: options are built in one pass, not by
        # the template engine (which spent seconds on 4,000 <option>s).
        "case_options": _options(Case.objects.restrict(request.user).values_list("pk", "title"),
                                 selected_values.get("case", []), width=40),
        # Only the units this user may see: another organisation's units are not even named.
        "unit_options": _options(
            sorted(selectors.unit_labels(Unit.objects.restrict(request.user).filter(is_active=True)).items(),
                   key=lambda pair: pair[1]),
            selected_values.get("unit", []),
        ),
        "organisation_options": _options(_indented(org_choices), selected_values.get("organisation", []))
        if len(org_choices) > 1 else "",
        "kind_choices": Measure.Kind.choices,
        "due_days": selectors.due_soon_days(),
        "selected": selected_values,
    }
    context.update(outcome_context(measures))
    return render(request, "cases/dashboard.html", context)


def outcome_context(measures) -> dict:
    """The outcome figures (cases.outcomes) of the dashboard's measures: totals, and per case,
    organisation and lead unit (the ten largest of each), in one query."""
    total, groups = outcome_selectors.breakdown(measures)
    return {
        "outcomes": total,
        "outcomes_by": [(title, groups[by]) for by, title in (
            ("case", _("By case")), ("organisation", _("By organisation")), ("unit", _("By lead unit")))],
    }


def _unit_sort_labels() -> list[tuple[str, str]]:
    """The unit table's columns by their sort keys (selectors.UNIT_SORTS), as its heads read."""
    labels = {"light": _("Status"), "name": _("Lead unit"), "ongoing": _("Ongoing"), "overdue": _("Overdue"),
              "longest": _("Longest overdue"), "rate": _("Completed")}
    return [(key, labels[key]) for key in selectors.UNIT_SORTS]


def _indented(organisations):
    """(pk, name) of organisations in tree order, each name indented by its depth."""
    top = min((path.count("/") for _pk, _name, path in organisations), default=0)
    return [(pk, "\u3000" * (path.count("/") - top) + name) for pk, name, path in organisations]


def _options(pairs, selected, *, width: int | None = None):
    """<option> elements for (value, label) pairs, escaped, the selected ones marked (one join:
    format_html per option cost half a second for a province's 4,000 options; the standard
    library's `html.escape`, which Django's `escape` wraps, skips its lazy-string checks)."""
    chosen = set(selected)
    parts = []
    for pk, text in pairs:
        if width is not None and len(text) > width:
            text = text[: width - 1] + "…"
        mark = " selected" if str(pk) in chosen else ""
        parts.append(f'<option value="{html.escape(str(pk))}"{mark}>{html.escape(str(text))}</option>')
    return mark_safe("".join(parts))


def _problems_url(cases, narrowed: bool, fallback: str, *, completed: bool = False) -> str:
    """Problems are issues: the admin's issue list shows them, unless the figure is narrowed to a
    unit or kind, which that list cannot express; then the link lists the measures behind it."""
    if narrowed:
        return fallback
    query = [("kind__exact", "problem")]
    if cases:
        query.append(("case__id__in", ",".join(str(c.pk) for c in cases)))
    if completed:
        query.append(("state__exact", State.COMPLETED))
    return reverse("admin:cases_issue_changelist") + "?" + urlencode(query)


# --- Lists -------------------------------------------------------------------------------


@login_required
def items(request):
    """Any set of visible items, chosen by MeasureFilterSet: where every figure's link lands."""
    filterset = _filterset(request, Measure.objects.restrict(request.user))
    queryset = filterset.qs
    if "ordering" not in request.GET:
        queryset = selectors.overdue_first(queryset, on=selectors.today())
    page = DeferredJoinPaginator(queryset.with_related(), 50).get_page(request.GET.get("page"))
    return render(request, "cases/items.html", {
        "filterset": filterset,
        "page": page,
        "today": selectors.today(),
        "params": _filter_params(request),
        "chips": _chips(request, filterset, _filter_params(request)),
        "page_query": urlencode([(k, v) for k, vs in request.GET.lists() if k != "page" for v in vs]),
        "admin_link": reverse("admin:cases_measure_changelist"),
    })


def _my_items_context(request, bound: dict | None = None) -> dict:
    """/my/ with, for a refused update, that card's form as submitted (`bound`: pk → form)."""
    user = request.user
    today = selectors.today()
    days = selectors.due_soon_days()
    mine = Measure.objects.through_units(user)
    filterset = _filterset(request, mine)
    # The four figures and the number of items in one aggregate; the list's own count only
    # when a filter narrows it.
    counts = selectors.unit_summary(mine, on=today, due_soon_days=days)
    narrowed = filterset.is_bound and any(k != "page" for k in filterset.data)
    queryset = selectors.with_last_state_change(selectors.overdue_first(filterset.qs, on=today))
    page = DeferredJoinPaginator(selectors.with_recent_progress(queryset), 20,
                                 count=None if narrowed else counts["total"]).get_page(request.GET.get("page"))
    rules = services.available_actions_for(user, page.object_list)
    cards = []
    for m in page.object_list:
        form = (bound or {}).get(m.pk) or ProgressForm(measure=m, user=user, rules=rules[m.pk])
        if not hasattr(form, "outcomes"):
            form.outcomes = outcome_forms.outcome_formset(m)
        # A supervisor sent it back and it has not been submitted again: say so, with the reason.
        sent_back = m.last_change_action == Action.SEND_BACK and m.state != State.SUBMITTED
        cards.append({"measure": m, "form": form, "sent_back": sent_back, "refused": m.pk in (bound or {})})
    summary = {
        "overdue": (counts["overdue"], "?overdue=true"),
        "due_soon": (counts["due_soon"], f"?due_within={days}"),
        "ongoing": (counts["ongoing"], "?ongoing=true"),
        "submitted": (counts["submitted"], f"?state={State.SUBMITTED}"),
    }
    context = {
        "filterset": filterset,
        "page": page,
        "cards": cards,
        "summary": summary,
        "today": today,
        "has_units": bool(user.unit_ids),
        "page_query": urlencode([(k, v) for k, vs in request.GET.lists() if k != "page" for v in vs]),
    }
    if not user.unit_ids and user.is_supervisor:
        # A supervisor follows the organisation rather than a unit: show where their work is.
        context["supervising"] = {
            "waiting": Measure.objects.restrict(user).filter(state=State.SUBMITTED).count(),
            "overdue": Measure.objects.restrict(user).overdue(on=today).count(),
            "can_sign_off": user.has_perm("cases.sign_off_measure"),
        }
    return context


@login_required
@require_http_methods(["GET", "POST"])
def my_items(request):
    """A staff member's own units' items, overdue first, each with its update form.

    The forms post back here, so a refused update comes back on this page, at its card, with
    the note as typed and the reason beside the field, and a saved one returns to the same list.
    """
    if request.method == "POST":
        try:
            pk = int(request.POST.get("measure", ""))
            measure = selectors.with_recent_progress(Measure.objects.restrict(request.user)).get(pk=pk)
        except (ValueError, Measure.DoesNotExist):
            raise Http404 from None
        form = ProgressForm(request.POST, request.FILES, measure=measure, user=request.user)
        saved, status = _save_progress(request, measure, form)
        if saved:
            return HttpResponseRedirect(request.get_full_path() + f"#m{measure.pk}")
        # The browser lands at the top of the page it posted from: focus brings the refused card into view.
        form.fields["note"].widget.attrs["autofocus"] = True
        context = _my_items_context(request, bound={measure.pk: form})
        if not any(card["refused"] for card in context["cards"]):
            # The item is no longer in this list (e.g. someone else completed it): say why at the top.
            messages.error(request, f"{measure}: " + " ".join(e for errs in form.errors.values() for e in errs))
        return render(request, "cases/my_items.html", context, status=status)
    return render(request, "cases/my_items.html", _my_items_context(request))


def _save_progress(request, measure: Measure, form: ProgressForm) -> tuple[bool, int]:
    """Log what the form holds through the services. On success a message says what happened
    (including that sign-off was requested); otherwise the reason is on the form, which keeps
    the note, and its state choices are those valid for the item as it is now."""
    # The outcome figure rows (cases.outcomes) are saved on the same entry.
    form.outcomes = outcome_forms.outcome_formset(measure, request.POST)
    figures_ok = outcome_forms.is_valid(form.outcomes)
    if not form.is_valid() or not figures_ok:
        return False, 400
    data = form.cleaned_data
    try:
        outcome_services.log_progress_with_figures(
            measure=measure, by=request.user, note=data["note"], to_state=data["to_state"] or None,
            files=data["files"], figures=outcome_forms.figures_of(form.outcomes), expected_version=data["version"],
        )
    except services.StaleMeasure:
        # Nothing was written; the form keeps the note so the user need not retype it.
        form.add_error(None, _(
            "Someone else changed this item while you were writing. Nothing was saved: check its "
            "new state below, then send your note again (attach the files again too)."))
        measure.refresh_from_db()
        form.measure = measure
        fresh = ProgressForm(measure=measure, user=request.user)
        form.fields["to_state"].choices = fresh.fields["to_state"].choices
        form.can_submit = fresh.can_submit
        form.data = form.data.copy()
        form.data[form.add_prefix("version")] = measure.version
        return False, 409
    except ValidationError as exc:
        add_service_error(form, exc)
        return False, 400
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return False, 400
    files = len(data["files"])
    if data["to_state"] == State.SUBMITTED:
        text = _("Progress saved and sign-off requested: %(item)s. It now waits in the supervisors' "
                 "sign-off queue.")
    elif data["to_state"]:
        text = _("Progress saved: %(item)s is now “%(state)s”.")
    else:
        text = _("Progress saved: %(item)s")
    text = text % {"item": measure, "state": State(data["to_state"]).label if data["to_state"] else ""}
    if files:
        text += " " + ngettext("%(n)s file attached.", "%(n)s files attached.", files) % {"n": files}
    messages.success(request, text)
    return True, 200


# --- One item ------------------------------------------------------------------------------


def _visible_measure(request, pk: int) -> Measure:
    try:
        return selectors.with_recent_progress(Measure.objects.restrict(request.user), limit=200).get(pk=pk)
    except Measure.DoesNotExist:
        raise Http404 from None


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def measure_detail(request, pk: int):
    """The item with its whole log; POST logs progress and returns to `next` (default: the item)."""
    measure = _visible_measure(request, pk)
    status = 200
    if request.method == "POST":
        form = ProgressForm(request.POST, request.FILES, measure=measure, user=request.user)
        saved, status = _save_progress(request, measure, form)
        if saved:
            return HttpResponseRedirect(_safe_next(request, reverse("cases:measure-detail", args=[measure.pk]))
                                        + f"#m{measure.pk}")
        if status == 409:
            measure = _visible_measure(request, pk)
            form.measure = measure
    else:
        form = ProgressForm(measure=measure, user=request.user)
        form.outcomes = outcome_forms.outcome_formset(measure)
    return render_detail(request, measure, form=form, status=status)


def render_detail(request, measure: Measure, *, form=None, status: int = 200, **forms):
    """The item page; `forms` are bound forms of the sign-off section to show again with their errors."""
    from .signoff import selectors as signoff_selectors
    from .signoff.forms import ExtensionDecisionForm, ExtensionForm, PaperSignoffForm
    from .signoff.models import ExtensionRequest

    if form is None:
        form = ProgressForm(measure=measure, user=request.user)
        form.outcomes = outcome_forms.outcome_formset(measure)
    user = request.user
    # The live round's signatures are on the chain; its other decisions (a paper sign-off) listed
    # under it; rounds that ended (sent back, reopened as relapsed) apart, as history.
    signoffs = [s for s in signoff_selectors.round_signoffs(measure) if s.decision != SignOff.Decision.APPROVE]
    pending = ExtensionRequest.objects.pending().filter(measure=measure).select_related("requested_by").first()
    may_sign = measure.state == State.SUBMITTED and eligibility.may_sign(user, measure)
    return render(request, "cases/measure_detail.html", {
        "measure": measure,
        "form": form,
        "today": selectors.today(),
        "signoffs": signoffs,
        "past_rounds": signoff_selectors.past_rounds(measure),
        "deadline_changes": measure.deadline_changes.select_related("by"),
        "extensions": measure.extension_requests.select_related("requested_by", "decided_by"),
        # The urging letters about the item that this user may read (a supporting unit's liaison
        # does not read the lead unit's letters).
        "letters": Letter.objects.restrict(user).filter(measures=measure).order_by("-issued_on", "-pk"),
        "chain": eligibility.chain_of(measure.case),
        "chain_steps": signoff_selectors.chain_status(measure),
        "evidence_required": eligibility.evidence_required(measure.case),
        "pending_extension": pending,
        "signoff_form": forms.get("signoff_form") or (SignOffForm(measure=measure) if may_sign else None),
        "extension_form": forms.get("extension_form") or (
            ExtensionForm(prefix="ext", initial={"version": measure.version})
            if pending is None and measure.is_ongoing and services.can_edit(user, measure) else None),
        "decision_form": forms.get("decision_form") or (
            ExtensionDecisionForm(prefix="extd")
            if pending and user.has_perm("cases.add_deadlinechange") and pending.requested_by_id != user.pk
            else None),
        "paper_form": forms.get("paper_form") or (
            PaperSignoffForm(prefix="paper", initial={"version": measure.version})
            if measure.is_ongoing and user.has_perm("cases.record_paper_signoff") else None),
        "next": _safe_next(request, ""),
    }, status=status)


# --- Sign-off queue ----------------------------------------------------------------------


def _queue_context(request, bound: dict | None = None) -> dict:
    filterset = _filterset(request, Measure.objects.restrict(request.user))
    queue = selectors.signoff_queue(filterset.qs.filter(eligibility.awaiting_signature_of(request.user)))
    page = Paginator(queue, 20).get_page(request.GET.get("page"))
    rows = []
    eligibility.attach_chains(page.object_list)
    for measure in page.object_list:
        approvals = sorted((s for s in measure.approvals if s.round == measure.signoff_round),
                           key=lambda s: (s.step or 0, s.created_at))
        steps = eligibility.steps_of(measure.case)
        current = next((s for s in steps if s.position == measure.signoff_step), steps[0])
        # The round's entries: everything since the submission that opened it.
        entries = []
        for update in measure.recent_updates:
            entries.append(update)
            if update.action == Action.SUBMIT:
                break
        form = (bound or {}).get(measure.pk) or SignOffForm(measure=measure)
        rows.append({
            "measure": measure,
            "approvals": approvals,
            "steps": steps,
            "step": current,
            "step_number": steps.index(current) + 1,
            "step_title": eligibility.step_title(current),
            "entries": entries,
            "form": form,
        })
    return {"filterset": filterset, "page": page, "rows": rows, "today": selectors.today(),
            "case_choices": Case.objects.restrict(request.user).only("pk", "title"),
            "params": _filter_params(request)}


@login_required
def signoff_queue(request):
    """The items waiting at a step this person signs; a supervisor-less staff member who signs
    nowhere sees an empty queue, not someone else's."""
    return render(request, "cases/signoff_queue.html", _queue_context(request))


@login_required
@require_POST
def signoff_decide(request, pk: int):
    """Approve or send back one submitted item; on any problem the queue comes back with the
    comment as typed and the reason beside it."""
    try:
        measure = Measure.objects.restrict(request.user).select_related("case").get(pk=pk)
    except Measure.DoesNotExist:
        raise Http404 from None
    form = SignOffForm(request.POST, request.FILES, measure=measure)
    back = _safe_next(request, reverse("cases:signoff-queue"))
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule = services.RULES_BY_ACTION[data["decision"]]
            services.transition_measure(measure=measure, to_state=rule.target, by=request.user,
                                        note=data["comment"], files=data["files"],
                                        expected_version=data["version"])
        except services.StaleMeasure:
            status = 409
            form.add_error(None, _("Someone else acted on this item in the meantime; nothing was saved. "
                                   "Its current state is shown below."))
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            done = _("Signed off") if data["decision"] == Action.APPROVE else _("Sent back")
            if data["decision"] == Action.APPROVE and measure.state != State.COMPLETED:
                done = _("Signature recorded (more signatures needed)")
            messages.success(request, f"{done}: {measure}")
            return HttpResponseRedirect(back)
    context = _queue_context(request, bound={measure.pk: form})
    if not any(row["measure"].pk == measure.pk for row in context["rows"]):
        # The item has left the queue (someone else decided it): say so at the top.
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return render(request, "cases/signoff_queue.html", context, status=status)
