"""Evidence files are served only to those who may see their measure, never as public media."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from .models import Evidence, Measure


@login_required
def evidence_download(request, pk: int):
    visible = Measure.objects.restrict(request.user)
    try:
        evidence = Evidence.objects.get(pk=pk, progress__measure__in=visible)
    except Evidence.DoesNotExist:
        raise Http404 from None
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)
