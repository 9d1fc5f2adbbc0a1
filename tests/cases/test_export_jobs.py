"""Large exports leave the request: a background job, its progress page, then the file (cases/jobs/exports.py)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.jobs.models import ExportJob
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_thresholds(settings):
    settings.EXPORT_BACKGROUND_ROWS = 2
    settings.EXPORT_CSV_BACKGROUND_ROWS = 2


def _case_with(unit, n):
    case = factories.CaseFactory(organisation=unit.organisation)
    return case, [factories.MeasureFactory(issue__case=case, lead_unit=unit, text=f"大批措施{i}") for i in range(n)]


def test_a_large_case_ledger_is_written_by_a_job_and_downloaded_from_its_page(
    client, supervisor, unit, small_thresholds, django_capture_on_commit_callbacks,
):
    case, measures = _case_with(unit, 3)
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("admin:cases_case_ledger_export", args=[case.pk]))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:cases_export_job", args=[job.pk])
    assert (job.state, job.rows, job.progress) == ("done", 3, 100)

    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    download = reverse("admin:cases_export_download", args=[job.pk])
    assert f'href="{download}"' in page and "导出已完成" in page
    sheet = load_workbook(io.BytesIO(b"".join(client.get(download).streaming_content)))["整改台账"]
    assert sorted(r[0] for r in sheet.iter_rows(min_row=3, values_only=True)) == sorted(m.pk for m in measures)
    status = client.get(response["Location"], {"format": "json"}).json()
    assert status["state"] == "done" and status["download"].endswith(download)


def test_a_small_export_stays_in_the_request(client, supervisor, unit, settings):
    settings.EXPORT_BACKGROUND_ROWS = 5
    case, _ = _case_with(unit, 3)
    client.force_login(supervisor)
    response = client.get(reverse("admin:cases_case_ledger_export", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    assert not ExportJob.objects.exists()


def test_a_large_selection_goes_to_a_job_of_the_selected_items_only(
    client, supervisor, unit, small_thresholds, django_capture_on_commit_callbacks,
):
    _case, measures = _case_with(unit, 4)
    chosen = measures[:3]
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:cases_measure_changelist"),
                               {"action": "action_export_ledger", "_selected_action": [m.pk for m in chosen]})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.state == "done"
    sheet = load_workbook(io.BytesIO(b"".join(
        client.get(reverse("admin:cases_export_download", args=[job.pk])).streaming_content)))["整改台账"]
    assert sorted(r[0] for r in sheet.iter_rows(min_row=3, values_only=True)) == sorted(m.pk for m in chosen)


def test_only_the_starter_sees_the_job_and_its_file(
    client, supervisor, supervisor2, unit, small_thresholds, django_capture_on_commit_callbacks,
):
    case, _ = _case_with(unit, 3)
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("admin:cases_case_ledger_export", args=[case.pk]))
    job = ExportJob.objects.get()
    client.force_login(supervisor2)
    assert client.get(reverse("admin:cases_export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("admin:cases_export_download", args=[job.pk])).status_code == 404


def test_a_job_delivered_twice_writes_once(supervisor, unit, small_thresholds):
    from cases.jobs import exports

    _case_with(unit, 3)
    job = exports.start_export(user=supervisor, fmt="csv", rows=3, file_name="x.csv")
    assert exports.run_export(job.pk) == "done"
    stored = ExportJob.objects.get(pk=job.pk).stored_as
    assert exports.run_export(job.pk) == "skipped"
    assert ExportJob.objects.get(pk=job.pk).stored_as == stored
