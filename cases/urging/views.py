"""Letter pages: supervisors see letters by state; the unit acknowledges (签收) and answers (反馈)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import letters as service
from .models import Letter, LetterEvidence

STATES = ("issued", "acknowledged", "answered", "overdue", "escalated")


def _filtered(queryset, state: str, today):
    if state == "overdue":
        return queryset.overdue(today)
    if state in Letter.State.values:
        return queryset.filter(state=state)
    return queryset


@login_required
def letter_list(request):
    today = timezone.localdate()
    letters = Letter.objects.restrict(request.user).select_related("unit", "level", "organisation")
    counts = {state: _filtered(letters, state, today).count() for state in STATES}
    state = request.GET.get("state", "")
    shown = _filtered(letters, state, today).order_by("-issued_on", "-pk")[:200]
    return render(request, "cases/letters.html", {
        "letters": shown, "counts": counts, "state": state, "today": today,
        "can_issue": request.user.has_perm("cases.issue_letter"),
        "labels": {"issued": _("Issued"), "acknowledged": _("Acknowledged"), "answered": _("Answered"),
                   "overdue": _("Overdue"), "escalated": _("Escalated")},
    })


@login_required
@require_http_methods(["GET", "POST"])
def letter_new(request):
    """A supervisor issues a letter by hand: a unit, then the items of it to urge (scoped)."""
    from accounts.models import Unit

    from ..models import Measure
    from .models import LETTER_DOCUMENTS

    if not request.user.has_perm("cases.issue_letter"):
        raise PermissionDenied
    units = Unit.objects.restrict(request.user).filter(is_active=True).select_related("organisation") \
        .order_by("organisation__path", "path")
    unit = units.filter(pk=request.GET.get("unit") or request.POST.get("unit") or 0).first() \
        if (request.GET.get("unit") or request.POST.get("unit") or "").isdigit() else None
    items = []
    if unit is not None:
        items = (Measure.objects.restrict(request.user).ongoing().for_units([unit.pk])
                 .select_related("case", "lead_unit", "urging_level").order_by("deadline", "pk")[:300])
    errors, chosen = {}, set()
    document = request.POST.get("document", "supervision")
    reply_days = request.POST.get("reply_days", "5")
    if request.method == "POST" and unit is not None:
        chosen = {int(pk) for pk in request.POST.getlist("measures") if pk.isdigit()}
        if document not in LETTER_DOCUMENTS:
            errors["document"] = _("Choose a warning letter or a supervision letter.")
        if not reply_days.isdigit() or not 1 <= int(reply_days) <= 60:
            errors["reply_days"] = _("Give the reply time as a number of working days from 1 to 60.")
        if not errors:
            try:
                letter = service.issue_by_hand(unit=unit, measure_ids=chosen, document=document,
                                               reply_days=int(reply_days), by=request.user)
            except ValidationError as exc:
                errors.update({k: " ".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict")
                              else {"all": " ".join(exc.messages)})
            else:
                messages.success(request, _("Letter %(number)s issued to %(unit)s.") % {
                    "number": letter.number, "unit": unit.name})
                return redirect(letter.get_absolute_url())
    return render(request, "cases/letter_new.html", {
        "units": units, "unit": unit, "items": items, "chosen": chosen, "errors": errors,
        "documents": [(d.value, d.label) for d in LETTER_DOCUMENTS], "document": document, "reply_days": reply_days,
    }, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def letter_detail(request, pk: int):
    letter = get_object_or_404(Letter.objects.restrict(request.user).select_related(
        "unit", "level", "organisation", "escalated_to"), pk=pk)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "acknowledge":
                service.acknowledge(letter=letter, by=request.user)
                messages.success(request, _("Letter %(number)s acknowledged.") % {"number": letter.number})
            else:
                service.answer(letter=letter, by=request.user, reply=request.POST.get("reply", ""),
                               files=request.FILES.getlist("files"))
                messages.success(request, _("Reply to %(number)s sent.") % {"number": letter.number})
            return redirect(letter.get_absolute_url())
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return render(request, "cases/letter_detail.html", {
        "letter": letter, "items": letter.measures.with_related().order_by("deadline", "pk"),
        "evidence": letter.evidence.all(), "error": error, "reply": request.POST.get("reply", ""),
        "can_answer": letter.unit_id in request.user.unit_ids and letter.state in (
            Letter.State.ISSUED, Letter.State.ACKNOWLEDGED),
        "overdue": Letter.objects.overdue(timezone.localdate()).filter(pk=letter.pk).exists(),
    }, status=400 if error else 200)


@login_required
def letter_docx(request, pk: int):
    letter = get_object_or_404(Letter.objects.restrict(request.user).select_related("unit", "organisation"), pk=pk)
    response = HttpResponse(service.letter_docx(letter), content_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(service.letter_filename(letter))}"
    return response


@login_required
def letter_evidence(request, pk: int):
    """A reply's evidence file, to those who may see its letter (files are never public media)."""
    evidence = get_object_or_404(LetterEvidence.objects.restrict(request.user).select_related("letter"), pk=pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)


@require_http_methods(["GET", "POST"])
def letter_ack_link(request, token: str):
    """The signed link in the mail: GET shows the letter's number and a button (mail scanners
    that follow links must not acknowledge anything); POST acknowledges."""
    try:
        letter, _email = service.letter_from_token(token)
    except (ValidationError, Letter.DoesNotExist):
        return render(request, "cases/letter_ack.html", {"invalid": True}, status=404)
    error = None
    if request.method == "POST":
        try:
            letter = service.acknowledge_by_link(token=token)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(request, "cases/letter_ack.html", {"letter": letter, "token": token, "error": error},
                  status=400 if error else 200)
