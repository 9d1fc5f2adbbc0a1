"""A notice of many measures confirmed in the admin is imported by a background job."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from cases.jobs.models import ImportJob
from cases.models import Case, Measure
from notices.models import Notice
from tests.notices.import_helpers import notice_path

pytestmark = pytest.mark.django_db
IMPORT_URL = reverse("admin:notices_notice_import")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@override_settings(IMPORT_BACKGROUND_ROWS=10)
def test_a_large_notice_is_imported_by_a_job(client, rectify_admin, django_capture_on_commit_callbacks):
    client.force_login(rectify_admin)
    upload = SimpleUploadedFile("leizhou-2021.txt", notice_path("leizhou-2021.txt").read_bytes())
    preview = client.post(IMPORT_URL, {"file": upload, "_preview": "1"}, **ZH)
    content_hash = preview.context["plan"].content_hash
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(IMPORT_URL, {"_confirm": "1", "content_hash": content_hash, "accept_overdue": "on"},
                             **ZH)
    job = ImportJob.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("admin:cases_import_job", args=[job.pk])
    assert job.state == ImportJob.State.DONE, job.message
    case = Case.objects.get()
    assert job.case == case and Notice.objects.get().case == case
    assert Measure.objects.filter(case=case).count() == job.size > 10
    page = client.get(answer.url, **ZH).content.decode()
    assert job.message in page and "打开案件" in page
