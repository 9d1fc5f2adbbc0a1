"""The admin's plan-table import: upload → preview (mapping, names, report) → confirm."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accounts.models import OrganisationMembership, Unit, User
from cases.jobs.models import ImportJob
from cases.models import Case, Issue, Measure
from notices.admin_plans import SESSION_KEY
from tests import factories

pytestmark = pytest.mark.django_db
HERE = Path(__file__).resolve().parent / "plans"
URL = reverse("admin:notices_notice_import_plan")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def county(supervisor):
    organisation = factories.OrganisationFactory(name="青石县")
    OrganisationMembership.objects.create(user=supervisor, organisation=organisation,
                                          role=OrganisationMembership.OrgRole.SUPERVISOR)
    for name in ("县发展改革局", "县财政局", "县审计局", "县委办公室", "县委巡察办", "县农业农村局",
                 "县住房和城乡建设局", "县委组织部", "县纪委监委"):
        factories.UnitFactory(name=name, organisation=organisation)
    return organisation


@pytest.fixture
def sup_client(client, supervisor, county):
    client.force_login(supervisor)
    return client


def _file(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else (HERE / name).read_bytes())


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(client, county, name, data=None, lang=ZH, **fields):
    return client.post(URL, {"file": _file(name, data), "organisation": county.pk, "_preview": "1", **fields}, **lang)


def _token(response) -> str:
    return response.context["check"]["token"].value()


def _check(client, response, lang=ZH, **fields):
    headers = [h["text"] for h in response.context["headers"]]
    columns = fields.pop("columns", None) or [h["chosen"] for h in response.context["headers"]]
    fields.setdefault("accept_overdue", "on")  # the fixtures' 2026 deadlines may be past by now
    return client.post(URL, {"token": _token(response), "header": headers, "column": columns, **fields}, **lang)


def test_it_is_reachable_from_the_notice_import_page(client, rectify_admin, sup_client):
    assert URL in sup_client.get(reverse("admin:notices_notice_changelist"), **ZH).content.decode()
    client.force_login(rectify_admin)
    page = client.get(reverse("admin:notices_notice_import"), **ZH).content.decode()
    assert URL in page and "导入整改方案表格" in page


def test_upload_preview_then_confirm_creates_the_case(sup_client, county, supervisor):
    unit = Unit.objects.get(name="县委巡察办")
    preview = _upload(sup_client, county, "word_merged.docx", unit=unit.pk, default_deadline="2026-03-31")
    html = preview.content.decode()
    assert preview.status_code == 200 and not Case.objects.exists()  # the preview writes nothing
    assert "贯彻新发展理念有差距" in html and "制定高质量发展实施方案" in html
    assert "2 个类别、3 个问题、5 项措施" in html
    # 李明, 王芳 and 赵强 are no users yet: listed, with the choice to create them.
    assert 'id="pp-names"' in html and "“李明”" in html and "pp-confirm" in html

    refused = _check(sup_client, preview, _confirm="1", unit=unit.pk, default_deadline="2026-03-31")
    assert refused.status_code == 200 and not Measure.objects.exists()
    assert "未导入任何内容" in refused.content.decode()

    done = _check(sup_client, preview, _confirm="1", unit=unit.pk, default_deadline="2026-03-31",
                  create_missing="on")
    case = Case.objects.get()
    assert done.status_code == 302 and done.url == reverse("admin:cases_case_change", args=[case.pk])
    assert case.organisation == county and Measure.objects.filter(case=case).count() == 5
    assert set(User.objects.filter(name__in=["李明", "王芳", "赵强"]).values_list("name", flat=True)) == {
        "李明", "王芳", "赵强"}
    assert SESSION_KEY not in sup_client.session or not sup_client.session[SESSION_KEY]
    page = sup_client.get(done.url, **ZH).content.decode()
    assert "已导入整改方案" in page


def test_unplaced_headers_get_a_select_and_the_mapping_places_them(sup_client, county):
    data = _csv([
        ("序号", "巡视指出的不足", "落实办法", "牵头单位", "完成时限"),
        ("1", "调查研究不够深入", "建立领导干部调研制度", "县委办公室", "2026年6月30日"),
        ("2", "项目资金拨付滞后", "开展资金拨付专项检查", "县财政局", "2026年9月底前"),
    ])
    preview = _upload(sup_client, county, "plan.csv", data)
    html = preview.content.decode()
    headers = {h["text"]: h for h in preview.context["headers"]}
    assert not headers["巡视指出的不足"]["chosen"] and not headers["落实办法"]["chosen"]
    assert headers["牵头单位"]["chosen"] == "lead_unit" and 'name="column"' in html
    assert 'id="pp-report"' in html and "pp-confirm" not in html  # nothing to import as it is

    columns = [{"巡视指出的不足": "problem", "落实办法": "measure"}.get(h["text"], h["chosen"])
               for h in preview.context["headers"]]
    mapped = _check(sup_client, preview, columns=columns, _check="1")
    assert mapped.status_code == 200 and 'id="pp-report"' not in mapped.content.decode()
    assert mapped.context["counts"]["measures"] == 2
    done = _check(sup_client, mapped, _confirm="1")
    assert done.status_code == 302
    assert list(Issue.objects.filter(kind="problem").values_list("title", flat=True)) == [
        "调查研究不够深入", "项目资金拨付滞后"]


def test_two_columns_mapped_to_one_column_are_refused(sup_client, county):
    preview = _upload(sup_client, county, "csv_gbk.csv")
    columns = ["problem" if h["chosen"] in ("problem", "measure") else h["chosen"]
               for h in preview.context["headers"]]
    again = _check(sup_client, preview, columns=columns, _confirm="1")
    assert 'id="pp-twice"' in again.content.decode() and not Measure.objects.exists()


def test_did_you_mean_is_shown_for_a_unit_of_a_close_name(sup_client, county):
    Unit.objects.filter(name="县农业农村局").update(name="县农业农村局（县乡村振兴局）")
    preview = _upload(sup_client, county, "excel_odd_headers.xlsx")
    html = preview.content.decode()
    assert "“县农业农村局”" in html and "是否指" in html and "县农业农村局（县乡村振兴局）" in html


def test_english_interface_has_english_messages(sup_client, county):
    preview = _upload(sup_client, county, "word_merged.docx", lang=EN)
    html = preview.content.decode()
    assert "What the import will do" in html and "Names not found in the organisation" in html
    assert "No deadline" in html or "did you mean" in html or "Leader" in html
    assert "导入将" not in html and "未找到" not in html


def test_a_bad_file_is_refused_on_the_upload_page(sup_client, county):
    page = _upload(sup_client, county, "plan.txt", b"hello")
    assert page.status_code == 200 and "只能导入 .docx、.xlsx 和 .csv 文件" in page.content.decode()
    damaged = _upload(sup_client, county, "plan.xlsx", b"PK\x03\x04 not really")
    assert "文件已损坏" in damaged.content.decode() and not Case.objects.exists()


def test_an_expired_preview_says_so(sup_client, county):
    answer = sup_client.post(URL, {"token": "0" * 32, "_confirm": "1"}, **ZH, follow=True)
    assert "预览已过期" in answer.content.decode()


def test_only_organisations_the_user_supervises(client, supervisor, county):
    other = factories.OrganisationFactory(name="别的县")
    client.force_login(supervisor)
    page = _upload(client, other, "csv_gbk.csv")
    assert page.status_code == 200 and "organisation" in page.context["form"].errors
    assert not Case.objects.exists()


def test_staff_cannot_open_it(client, staff):
    client.force_login(staff)
    assert client.get(URL).status_code == 403


def test_into_an_existing_case_issues_are_matched_and_nothing_is_added_twice(sup_client, county):
    unit = Unit.objects.get(name="县委巡察办")
    first = _upload(sup_client, county, "word_merged.docx", unit=unit.pk, default_deadline="2026-03-31")
    _check(sup_client, first, _confirm="1", unit=unit.pk, default_deadline="2026-03-31", create_missing="on")
    case = Case.objects.get()
    issues, measures = Issue.objects.count(), Measure.objects.count()

    again = _upload(sup_client, county, "word_merged.docx", case=case.pk, unit=unit.pk, default_deadline="2026-03-31")
    counts = again.context["counts"]
    assert counts["issues_matched"] == 5 and counts["measures_existing"] == 5 and counts["measures_created"] == 0
    assert "已在案件中" in again.content.decode()
    done = _check(sup_client, again, _confirm="1", unit=unit.pk, default_deadline="2026-03-31")
    assert done.status_code == 302
    assert (Issue.objects.count(), Measure.objects.count()) == (issues, measures)


@override_settings(IMPORT_BACKGROUND_ROWS=3)
def test_a_large_plan_runs_as_a_job_with_a_status_page(sup_client, county, django_capture_on_commit_callbacks):
    unit = Unit.objects.get(name="县委巡察办")
    preview = _upload(sup_client, county, "word_merged.docx", unit=unit.pk, default_deadline="2026-03-31")
    assert "将在后台导入" in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = _check(sup_client, preview, _confirm="1", unit=unit.pk, default_deadline="2026-03-31",
                        create_missing="on")
    job = ImportJob.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("admin:cases_import_job", args=[job.pk])
    # Tests run Celery eagerly: the job has run by now.
    assert job.state == "done" and job.progress == 100 and job.case.measures.count() == 5
    page = sup_client.get(answer.url, **ZH).content.decode()
    assert "已导入整改方案" in page and "打开案件" in page and 'http-equiv="refresh"' not in page
    status = sup_client.get(answer.url + "?format=json").json()
    assert status["state"] == "done" and status["case"] == job.case_id


def test_measures_show_the_responsible_person(sup_client, county):
    data = _csv([
        ("序号", "反馈问题", "整改措施", "责任领导", "责任单位", "责任人", "完成时限"),
        ("1", "调查研究不够深入", "建立调研制度", "", "县委办公室", "张伟（综合科科长）", "2026年6月30日"),
    ])
    preview = _upload(sup_client, county, "plan.csv", data)
    assert "张伟（综合科科长）" in preview.content.decode()
    _check(sup_client, preview, _confirm="1")
    measure = Measure.objects.get()
    assert measure.responsible_person == "张伟（综合科科长）" and measure.lead_leader is None
    assert measure.deadline == datetime.date(2026, 6, 30)


def test_measures_that_would_start_overdue_are_counted_and_asked_about(sup_client, county):
    data = _csv([
        ("序号", "反馈问题", "整改措施", "责任单位", "完成时限"),
        ("1", "调查研究不够深入", "建立调研制度", "县委办公室", "2020年6月30日"),
        ("2", "资金拨付滞后", "开展专项检查", "县财政局", "2099年6月30日"),
    ])
    preview = _upload(sup_client, county, "plan.csv", data)
    assert preview.context["counts"]["starting_overdue"] == 1
    assert 'id="pp-overdue"' in preview.content.decode() and "导入后即为逾期" in preview.content.decode()
    refused = _check(sup_client, preview, _confirm="1", accept_overdue="")
    assert refused.status_code == 200 and not Measure.objects.exists()
    done = _check(sup_client, preview, _confirm="1")
    assert done.status_code == 302 and Measure.objects.count() == 2
