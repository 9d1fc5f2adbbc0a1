"""Heavy imports as background jobs: queued on commit, claimed once, progress and outcome recorded."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from cases.jobs import services
from cases.jobs.models import ImportJob
from cases.ledger import write_ledger_xlsx
from cases.models import DeadlineChange, Measure
from tests import factories

pytestmark = pytest.mark.django_db


def _ledger(measure, deadline="2027-03-31") -> bytes:
    stream = io.BytesIO()
    write_ledger_xlsx(Measure.objects.filter(pk=measure.pk), stream)
    wb = load_workbook(io.BytesIO(stream.getvalue()))
    wb["整改台账"]["G3"] = deadline
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_stays_synchronous_below_the_threshold():
    assert not services.should_queue(rows=10, size=50_000)
    assert services.should_queue(rows=301, size=50_000)
    assert services.should_queue(rows=1, size=3 * 1024 * 1024)


@override_settings(IMPORT_BACKGROUND_ROWS=0)
def test_a_large_ledger_confirmed_in_the_admin_runs_as_a_job(client, supervisor, measure,
                                                              django_capture_on_commit_callbacks):
    client.force_login(supervisor)
    url = reverse("admin:cases_case_ledger_import", args=[measure.case_id])
    data = io.BytesIO(_ledger(measure))
    data.name = "台账.xlsx"
    preview = client.post(url, {"file": data}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'id="ledger-background"' in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"token": preview.context["token"], "file_name": "台账.xlsx",
                                   "rows": preview.context["rows"]})
    job = ImportJob.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("admin:cases_import_job", args=[job.pk])
    assert job.state == ImportJob.State.DONE and job.case == measure.case and job.stored_as == ""
    assert DeadlineChange.objects.get(measure=measure).reason == "台账导入:台账.xlsx"
    page = client.get(answer.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "台账已导入" in page


def test_a_refused_ledger_job_keeps_the_row_by_row_report(supervisor, measure, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_job(kind="ledger", user=supervisor, data=_ledger(measure, "2026年13月"),
                                 file_name="台账.xlsx", organisation=measure.case.organisation, case=measure.case,
                                 size=1)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and job.progress == 100
    assert job.errors and job.errors[0]["row"] == 3 and "完成时限" in job.errors[0]["column"]
    assert not DeadlineChange.objects.exists()


def test_a_job_delivered_twice_runs_once(supervisor, measure):
    job = services.start_job(kind="ledger", user=supervisor, data=_ledger(measure), file_name="台账.xlsx",
                             organisation=measure.case.organisation, case=measure.case)
    assert services.run_job(job.pk) == "done"
    assert services.run_job(job.pk) == "skipped"
    assert DeadlineChange.objects.filter(measure=measure).count() == 1


def test_a_broken_file_ends_the_job_with_a_message(supervisor, measure):
    job = services.start_job(kind="ledger", user=supervisor, data=b"not a workbook", file_name="x.xlsx",
                             organisation=measure.case.organisation, case=measure.case)
    assert services.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.message and job.finished_at is not None


def test_the_message_is_in_the_language_of_who_started_it(supervisor, measure):
    from django.utils import translation

    with translation.override("en"):
        job = services.start_job(kind="ledger", user=supervisor, data=_ledger(measure), file_name="l.xlsx",
                                 organisation=measure.case.organisation, case=measure.case)
    services.run_job(job.pk)
    job.refresh_from_db()
    assert job.message.startswith("Ledger imported")


def test_a_queued_job_page_refreshes_itself_and_others_cannot_see_it(client, supervisor, measure):
    job = services.start_job(kind="ledger", user=supervisor, data=_ledger(measure), file_name="l.xlsx",
                             organisation=measure.case.organisation, case=measure.case)
    client.force_login(supervisor)
    page = client.get(reverse("admin:cases_import_job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'http-equiv="refresh"' in page.content.decode() and "等待后台处理" in page.content.decode()
    stranger = factories.UserFactory(role="supervisor", organisations=[factories.OrganisationFactory()])
    client.force_login(stranger)
    assert client.get(reverse("admin:cases_import_job", args=[job.pk])).status_code == 404


def test_a_large_notice_runs_as_a_job(rectify_admin, django_capture_on_commit_callbacks):
    from tests.notices.import_helpers import notice_path

    data = notice_path("laishan-2020.txt").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_job(kind="notice", user=rectify_admin, data=data, file_name="laishan-2020.txt",
                                 options={"is_text": False})
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.message
    assert job.case is not None and Measure.objects.filter(case=job.case).exists()
