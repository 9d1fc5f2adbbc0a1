"""Every import path leaves the request when its file is big: the admin's plan preview and the API's
ledger, notice and plan imports (their dry runs too) run as ImportJobs, answered at once with where to
look; a file past the import limit is refused before anything is stored or queued.

`IMPORT_BACKGROUND_BYTES=0` makes every file "big" so the small fixtures take the background path;
Celery runs eagerly here (the on-commit callbacks are executed), and by a real worker through Redis
in tests/integration/test_celery_redis.py.
"""

from __future__ import annotations

import contextlib
import datetime
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import OrganisationMembership, Unit
from cases.jobs.models import ImportJob
from cases.ledger import HEADERS, write_ledger_xlsx
from cases.models import Case, Measure
from notices.admin_plans import SESSION_KEY
from tests import factories
from tests.notices.test_import_api import _client

pytestmark = pytest.mark.django_db
PLANS = Path(__file__).resolve().parents[1] / "notices" / "plans"
CORPUS = Path(__file__).resolve().parents[1] / "notices" / "corpus"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
BIG = override_settings(IMPORT_BACKGROUND_BYTES=0)


@pytest.fixture
def county(supervisor):
    organisation = factories.OrganisationFactory(name="青石县")
    OrganisationMembership.objects.create(user=supervisor, organisation=organisation,
                                          role=OrganisationMembership.OrgRole.SUPERVISOR)
    for name in ("县发展改革局", "县财政局", "县审计局", "县纪委监委", "县委组织部", "县委巡察办"):
        factories.UnitFactory(name=name, organisation=organisation)
    return organisation


def _ledger(measure, deadline="2027-03-31") -> bytes:
    stream = io.BytesIO()
    write_ledger_xlsx(Measure.objects.filter(pk=measure.pk), stream)
    wb = load_workbook(io.BytesIO(stream.getvalue()))
    wb["整改台账"].cell(row=3, column=HEADERS.index("完成时限") + 1, value=deadline)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _poll(client, answer) -> dict:
    assert answer.status_code == 202, answer.content
    body = answer.json()
    status = urlsplit(body["status"]).path
    assert status.rstrip("/") == f"/api/v1/import-jobs/{body['job']}"
    return client.get(status).json()


# --- the API's ledger import -------------------------------------------------------------------------

@BIG
def test_a_big_ledger_dry_run_is_a_job_whose_result_is_the_report(supervisor, measure,
                                                                   django_capture_on_commit_callbacks):
    client = _client(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/cases/{measure.case_id}/ledger/", {
            "file": SimpleUploadedFile("台账.xlsx", _ledger(measure)), "dry_run": "true"}, format="multipart")
    job = _poll(client, answer)
    assert answer.json()["dry_run"] is True and job["dry_run"] is True
    assert job["state"] == "done", job
    assert job["result"]["dry_run"] is True and job["result"]["summary"]["deadlines_changed"] == 1
    assert Measure.objects.get(pk=measure.pk).deadline != datetime.date(2027, 3, 31)  # a check writes nothing


@BIG
def test_a_big_ledger_import_is_a_job_and_writes(supervisor, measure, django_capture_on_commit_callbacks):
    client = _client(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/cases/{measure.case_id}/ledger/", {
            "file": SimpleUploadedFile("台账.xlsx", _ledger(measure))}, format="multipart")
    job = _poll(client, answer)
    assert job["state"] == "done" and job["dry_run"] is False and job["case"] == measure.case_id
    assert Measure.objects.get(pk=measure.pk).deadline == datetime.date(2027, 3, 31)


@override_settings(IMPORT_BACKGROUND_ROWS=0)
def test_a_ledger_of_many_rows_is_checked_here_then_imported_by_a_job(supervisor, measure,
                                                                       django_capture_on_commit_callbacks):
    client = _client(supervisor)
    refused = client.post(f"/api/v1/cases/{measure.case_id}/ledger/", {
        "file": SimpleUploadedFile("台账.xlsx", _ledger(measure, "2026年13月"))}, format="multipart")
    assert refused.status_code == 400 and refused.json()["errors"][0]["row"] == 3  # refused at once, no job
    assert not ImportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/cases/{measure.case_id}/ledger/", {
            "file": SimpleUploadedFile("台账.xlsx", _ledger(measure))}, format="multipart")
    assert _poll(client, answer)["state"] == "done"
    assert Measure.objects.get(pk=measure.pk).deadline == datetime.date(2027, 3, 31)


@override_settings(IMPORT_MAX_BYTES=1000)
@pytest.mark.parametrize(("lang", "words"), [(ZH, "超过"), (EN, "over the limit")])
def test_a_ledger_past_the_limit_is_refused_in_the_interface_language(supervisor, measure, lang, words):
    client = _client(supervisor)
    answer = client.post(f"/api/v1/cases/{measure.case_id}/ledger/", {
        "file": SimpleUploadedFile("台账.xlsx", _ledger(measure))}, format="multipart", **lang)
    assert answer.status_code == 400
    assert words in answer.json()["error"]["fields"]["file"][0]
    assert not ImportJob.objects.exists()


# --- the API's notice import --------------------------------------------------------------------------

def _notice() -> bytes:
    return (CORPUS / "02-department-problem-n-flat.txt").read_bytes()


@BIG
def test_a_big_notice_dry_run_is_a_job_with_the_preview(rectify_admin, django_capture_on_commit_callbacks):
    client = _client(rectify_admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/api/v1/notices/import/", {
            "file": SimpleUploadedFile("notice.txt", _notice()), "dry_run": "true"}, format="multipart")
    job = _poll(client, answer)
    assert job["state"] == "done", job
    assert job["result"]["dry_run"] is True and job["result"]["preview"]["counts"]["measures_created"] > 0
    assert job["result"]["parsed"]["issues"]
    assert not Case.objects.exists()


@BIG
def test_a_big_notice_import_is_a_job_that_creates_the_case(rectify_admin, django_capture_on_commit_callbacks):
    client = _client(rectify_admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/api/v1/notices/import/", {"text": _notice().decode("utf-8")}, format="json")
    job = _poll(client, answer)
    assert job["state"] == "done", job
    case = Case.objects.get()
    assert job["case"] == case.pk and Measure.objects.filter(case=case).exists()


# --- the plan import, API and admin ---------------------------------------------------------------------

@BIG
def test_a_big_plan_dry_run_is_a_job_and_the_import_too(supervisor, county, django_capture_on_commit_callbacks):
    client = _client(supervisor)
    data = (PLANS / "csv_gbk.csv").read_bytes()

    def post(**extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/notices/plans/", {"file": SimpleUploadedFile("plan.csv", data),
                                                          "organisation": county.pk, **extra}, format="multipart")

    job = _poll(client, post(dry_run="true"))
    assert job["state"] == "done" and job["result"]["preview"]["counts"]["measures"] == 2
    assert job["result"]["preview"]["missing_leaders"] == ["李明"]
    refused = _poll(client, post())
    assert refused["state"] == "failed" and refused["errors"][0]["code"] == "unknown_leader"
    assert not Measure.objects.exists()
    done = _poll(client, post(create_missing="true"))
    assert done["state"] == "done" and Measure.objects.filter(case_id=done["case"]).count() == 2


@BIG
@pytest.mark.parametrize("lang", [ZH, EN])
def test_the_admin_previews_a_big_plan_through_a_job_then_imports_it(client, supervisor, county, lang,
                                                                      django_capture_on_commit_callbacks):
    client.force_login(supervisor)
    url = reverse("admin:notices_notice_import_plan")
    unit = Unit.objects.get(name="县委巡察办")
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(url, {"file": SimpleUploadedFile("word_merged.docx",
                                                                (PLANS / "word_merged.docx").read_bytes()),
                                     "organisation": county.pk, "unit": unit.pk,
                                     "default_deadline": "2026-03-31"}, **lang)
    job = ImportJob.objects.get()
    assert uploaded.status_code == 302 and uploaded.url == reverse("admin:cases_import_job", args=[job.pk])
    assert job.options["preview"] and job.state == ImportJob.State.DONE, job.message
    back = client.get(uploaded.url, **lang)  # a finished check leads to its preview
    assert back.status_code == 302 and back.url.startswith(url + "?token=")
    preview = client.get(back.url, **lang)
    html = preview.content.decode()
    assert preview.status_code == 200 and "制定高质量发展实施方案" in html
    assert ("2 个类别、3 个问题、5 项措施" if lang is ZH else "2 categories, 3 problems, 5 measures") in html
    assert preview.context["check"]["unit"].value() == unit.pk  # the choices made at upload are kept
    assert not Case.objects.exists()

    token = preview.context["check"]["token"].value()
    headers = [h["text"] for h in preview.context["headers"]]
    columns = [h["chosen"] for h in preview.context["headers"]]
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {"token": token, "header": headers, "column": columns, "unit": unit.pk,
                                      "default_deadline": "2026-03-31", "create_missing": "on",
                                      "accept_overdue": "on", "_confirm": "1"}, **lang)
    imported = ImportJob.objects.exclude(pk=job.pk).get()
    assert confirmed.status_code == 302 and confirmed.url == reverse("admin:cases_import_job", args=[imported.pk])
    assert imported.state == ImportJob.State.DONE and not imported.options["preview"]
    assert Measure.objects.filter(case=imported.case).count() == 5
    assert not client.session.get(SESSION_KEY)


@BIG
def test_another_mapping_of_a_big_plan_reads_it_again_in_the_background(client, supervisor, county,
                                                                       django_capture_on_commit_callbacks):
    client.force_login(supervisor)
    url = reverse("admin:notices_notice_import_plan")
    data = "序号,需要整改的事项,整改措施,责任单位,完成时限\n1,台账不全,补齐台账,县财政局,2026-06-30\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(url, {"file": SimpleUploadedFile("p.csv", data), "organisation": county.pk}, **ZH)
    preview = client.get(client.get(uploaded.url).url, **ZH)
    assert [h["text"] for h in preview.context["headers"] if not h["chosen"]] == ["需要整改的事项"]
    token = preview.context["check"]["token"].value()
    headers = [h["text"] for h in preview.context["headers"]]
    columns = [h["chosen"] or "problem" for h in preview.context["headers"]]
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"token": token, "header": headers, "column": columns}, **ZH)
    assert again.status_code == 302 and ImportJob.objects.count() == 2
    mapped = client.get(client.get(again.url).url, **ZH)
    assert mapped.context["preview"].plan.problems[0].title == "台账不全"


@BIG
@override_settings(IMPORT_MAX_BYTES=100)
def test_a_plan_past_the_limit_is_refused_in_the_admin_with_its_message(client, supervisor, county):
    client.force_login(supervisor)
    url = reverse("admin:notices_notice_import_plan")
    answer = client.post(url, {"file": SimpleUploadedFile("word_merged.docx",
                                                          (PLANS / "word_merged.docx").read_bytes()),
                               "organisation": county.pk}, follow=True, **EN)
    assert "over the limit" in answer.content.decode() and not ImportJob.objects.exists()


# --- the admin's notice import ------------------------------------------------------------------------

def _no_parsing_here(monkeypatch):
    """The admin's pages must not parse a big notice: only the job (notices.jobs) may."""
    def refuse(*args, **kwargs):
        raise AssertionError("a big notice was parsed in the request")
    monkeypatch.setattr("notices.admin_import.parse_text", refuse)
    monkeypatch.setattr("notices.admin_import.parse_file", refuse)


@BIG
@pytest.mark.parametrize(("lang", "words"), [(ZH, "新增：问题 {p} 个"),
                                             (EN, "New: {p} problems as the notice counts them")])
@pytest.mark.parametrize("how", ["file", "text"])
def test_the_admin_previews_a_big_notice_through_a_job_then_imports_it(client, rectify_admin, lang, words, how,
                                                                        monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    from notices.admin_import import SESSION_KEY as NOTICE_KEY

    _no_parsing_here(monkeypatch)
    client.force_login(rectify_admin)
    url = reverse("admin:notices_notice_import")
    given = {"file": SimpleUploadedFile("通报.txt", _notice())} if how == "file" else {"text": _notice().decode()}
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(url, {**given, "default_deadline": "2027-06-30"}, **lang)
    job = ImportJob.objects.get()
    assert uploaded.status_code == 302 and uploaded.url == reverse("admin:cases_import_job", args=[job.pk])
    assert job.options["preview"] and job.state == ImportJob.State.DONE, job.message
    stored = client.session[NOTICE_KEY]["stored"]
    back = client.get(uploaded.url, **lang)  # a finished check leads to its preview
    assert back.status_code == 302 and back.url.startswith(url + "?token=")
    preview = client.get(back.url, **lang)
    html = preview.content.decode()
    plan = preview.context["plan"]
    counts = job.result["preview"]["counts"]
    assert plan.counts()["measures_created"] == counts["measures_created"] > 0  # what the job's check found
    assert preview.status_code == 200 and words.format(p=counts["problems_created"]) in html
    assert not Case.objects.exists()
    assert preview.context["confirm"]["default_deadline"].value() == "2027-06-30"  # the upload's choice is kept

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {"_confirm": "1", "content_hash": plan.content_hash,
                                      "default_deadline": "2027-06-30", "accept_overdue": "on",
                                      "create_missing": "on"}, **lang)
    imported = ImportJob.objects.exclude(pk=job.pk).get()
    assert confirmed.status_code == 302 and confirmed.url == reverse("admin:cases_import_job", args=[imported.pk])
    assert imported.state == ImportJob.State.DONE and not imported.options["preview"], imported.message
    case = Case.objects.get()
    assert imported.case == case
    assert Measure.objects.filter(case=case).count() == job.result["preview"]["counts"]["measures_created"]
    assert not client.session.get(NOTICE_KEY) and not default_storage.exists(stored)


@BIG
def test_a_big_notice_that_cannot_be_read_stops_at_its_job_with_the_reason(client, rectify_admin,
                                                                           django_capture_on_commit_callbacks):
    client.force_login(rectify_admin)
    url = reverse("admin:notices_notice_import")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"file": SimpleUploadedFile("坏.docx", b"not a zip at all")}, **ZH)
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED and job.message.startswith("未导入任何内容"), job.message
    from notices.admin_import import SESSION_KEY as NOTICE_KEY

    token = client.session[NOTICE_KEY]["token"]
    again = client.get(url, {"token": token}, **ZH)  # the preview of a refused check is its job's page
    assert again.status_code == 302 and again.url == reverse("admin:cases_import_job", args=[job.pk])
    assert job.message in client.get(again.url, **ZH).content.decode()
    assert not Case.objects.exists()


def test_a_token_the_session_does_not_hold_is_an_expired_preview(client, rectify_admin):
    client.force_login(rectify_admin)
    url = reverse("admin:notices_notice_import")
    answer = client.get(url, {"token": "0" * 32}, follow=True, **ZH)
    assert answer.redirect_chain[-1][0] == url and "预览已失效" in answer.content.decode()


# --- the admin's ledger import --------------------------------------------------------------------------

@contextlib.contextmanager
def _refuse_reading(monkeypatch):
    """Inside the request only (the job runs when the callbacks run, after it): no ledger is read."""
    def refuse(*args, **kwargs):
        raise AssertionError("a big ledger was read in the request")
    with monkeypatch.context() as patch:
        patch.setattr("cases.ledger.read_ledger", refuse)
        patch.setattr("cases.ledger.import_ledger", refuse)
        yield


@BIG
@pytest.mark.parametrize(("lang", "words"), [(ZH, "较大的台账"), (EN, "large ledger")])
def test_the_admin_checks_a_big_ledger_through_a_job_then_imports_it(client, supervisor, measure, lang, words,
                                                                      monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    client.force_login(supervisor)
    url = reverse("admin:cases_case_ledger_import", args=[measure.case_id])
    with django_capture_on_commit_callbacks(execute=True), _refuse_reading(monkeypatch):
        uploaded = client.post(url, {"file": SimpleUploadedFile("台账.xlsx", _ledger(measure))}, **lang)
    job = ImportJob.objects.get()
    assert uploaded.status_code == 302 and uploaded.url == reverse("admin:cases_import_job", args=[job.pk])
    assert job.options["preview"] and job.state == ImportJob.State.DONE, job.message
    back = client.get(uploaded.url, **lang)
    assert back.status_code == 302 and back.url.startswith(url + "?checked=")
    with _refuse_reading(monkeypatch):
        preview = client.get(back.url, **lang)
    html = preview.content.decode()
    assert preview.status_code == 200 and words in html and 'name="token"' in html
    assert [row["row"] for row in preview.context["result"].changed_rows] == [3]
    assert Measure.objects.get(pk=measure.pk).deadline != datetime.date(2027, 3, 31)  # the check wrote nothing

    with django_capture_on_commit_callbacks(execute=True), _refuse_reading(monkeypatch):
        confirmed = client.post(url, {"token": preview.context["token"], "file_name": "台账.xlsx",
                                      "rows": preview.context["rows"]}, **lang)
    imported = ImportJob.objects.exclude(pk=job.pk).get()
    assert confirmed.status_code == 302 and confirmed.url == reverse("admin:cases_import_job", args=[imported.pk])
    assert imported.state == ImportJob.State.DONE and not imported.options["preview"], imported.message
    assert Measure.objects.get(pk=measure.pk).deadline == datetime.date(2027, 3, 31)


@BIG
def test_a_big_ledger_the_check_refuses_stops_at_its_job_with_the_rows(client, supervisor, measure,
                                                                       django_capture_on_commit_callbacks):
    client.force_login(supervisor)
    url = reverse("admin:cases_case_ledger_import", args=[measure.case_id])
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(url, {"file": SimpleUploadedFile("台账.xlsx", _ledger(measure, "2026年13月"))}, **ZH)
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED and job.errors[0]["row"] == 3
    page = client.get(uploaded.url, **ZH)
    assert page.status_code == 200 and "完成时限" in page.content.decode()  # the row report, not a preview
    again = client.get(url, {"checked": job.options["pending"]}, **ZH)
    assert again.status_code == 302 and again.url == reverse("admin:cases_import_job", args=[job.pk])
    expired = client.get(url, {"checked": "not-a-token"}, follow=True, **ZH)
    assert "已校验的文件已失效" in expired.content.decode()
