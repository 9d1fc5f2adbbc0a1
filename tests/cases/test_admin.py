"""The admin as staff and supervisors use it: scoping, progress with files, actions."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Evidence, Measure, ProgressUpdate
from cases.states import State

PDF = b"%PDF-1.4\n%%EOF\n"


def change_url(measure):
    return reverse("admin:cases_measure_change", args=[measure.pk])


def form_data(client, measure, **overrides):
    """What the browser would post back from the change page, plus overrides."""
    response = client.get(change_url(measure))
    assert response.status_code == 200
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
    form = response.context["adminform"].form
    for name in form.fields:
        if name in form.initial and name not in ("progress_files",):
            value = form.initial[name]
            if hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, list):
                value = [getattr(v, "pk", v) for v in value]
            data[name] = "" if value is None else value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def test_admin_is_in_chinese(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "整改" in response.content.decode()


def test_staff_list_shows_only_their_units(staff_client, measure, other_measure):
    response = staff_client.get(reverse("admin:cases_measure_changelist"))
    ids = {m.pk for m in response.context["cl"].result_list}
    assert ids == {measure.pk}
    assert other_measure.text not in response.content.decode()


@pytest.mark.parametrize("view", ["change", "history"])
def test_staff_cannot_open_another_units_measure(staff_client, other_measure, view):
    response = staff_client.get(reverse(f"admin:cases_measure_{view}", args=[other_measure.pk]))
    assert response.status_code in (302, 403, 404)
    assert other_measure.text not in response.content.decode()


def test_staff_search_does_not_leak(staff_client, measure, other_measure):
    response = staff_client.get(reverse("admin:cases_measure_changelist"), {"q": other_measure.text})
    assert list(response.context["cl"].result_list) == []


def test_issue_autocomplete_is_scoped(staff_client, measure, other_measure, case):
    from tests import factories

    hidden_case_measure = factories.MeasureFactory(lead_unit=other_measure.lead_unit)
    url = reverse("admin:autocomplete")
    response = staff_client.get(url, {"app_label": "cases", "model_name": "measure", "field_name": "issue",
                                      "term": ""})
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert hidden_case_measure.issue_id not in ids


def test_staff_logs_progress_with_a_file_in_one_step(staff_client, measure):
    upload = SimpleUploadedFile("会议纪要.pdf", PDF, content_type="application/pdf")
    data = form_data(staff_client, measure, progress_note="已召开专题会议", progress_state=State.IN_PROGRESS,
                     progress_files=upload)
    response = staff_client.post(change_url(measure), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    measure.refresh_from_db()
    assert measure.state == State.IN_PROGRESS
    progress = ProgressUpdate.objects.get(measure=measure)
    assert progress.note == "已召开专题会议"
    assert Evidence.objects.get(progress=progress).original_name == "会议纪要.pdf"


def test_staff_cannot_change_ledger_columns(staff_client, measure):
    data = form_data(staff_client, measure, text="偷偷改写", progress_note="备注")
    staff_client.post(change_url(measure), data)
    measure.refresh_from_db()
    assert measure.text != "偷偷改写"


def test_an_executable_upload_is_refused_and_nothing_is_written(staff_client, measure):
    upload = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00payload", content_type="application/pdf")
    data = form_data(staff_client, measure, progress_note="附件", progress_state=State.IN_PROGRESS,
                     progress_files=upload)
    response = staff_client.post(change_url(measure), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["progress_files"]
    measure.refresh_from_db()
    assert measure.state == State.PLANNED
    assert not ProgressUpdate.objects.exists()


def test_staff_is_not_offered_sign_off(staff_client, measure):
    Measure.objects.filter(pk=measure.pk).update(state=State.SUBMITTED, signoff_step=1)
    response = staff_client.get(reverse("admin:cases_measure_changelist"))
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "action_approve" not in actions
    response = staff_client.post(reverse("admin:cases_measure_changelist"),
                                 {"action": "action_approve", "_selected_action": [measure.pk]})
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED


def test_staff_cannot_choose_a_supervisor_transition_in_the_form(staff_client, measure):
    Measure.objects.filter(pk=measure.pk).update(state=State.SUBMITTED, signoff_step=1)
    data = form_data(staff_client, measure, progress_state=State.COMPLETED, progress_note="自己销号")
    response = staff_client.post(change_url(measure), data)
    assert response.status_code == 200
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED


def test_supervisor_signs_off_with_an_action(supervisor_client, measure):
    Measure.objects.filter(pk=measure.pk).update(state=State.SUBMITTED, signoff_step=1)
    response = supervisor_client.post(reverse("admin:cases_measure_changelist"),
                                      {"action": "action_approve", "_selected_action": [measure.pk]})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.state == State.COMPLETED


def test_send_back_asks_for_a_reason_first(supervisor_client, measure):
    Measure.objects.filter(pk=measure.pk).update(state=State.SUBMITTED, signoff_step=1)
    url = reverse("admin:cases_measure_changelist")
    response = supervisor_client.post(url, {"action": "action_send_back", "_selected_action": [measure.pk]})
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED
    supervisor_client.post(url, {"action": "action_send_back", "_selected_action": [measure.pk], "apply": "1",
                                 "reason": "佐证材料不足"})
    measure.refresh_from_db()
    assert measure.state == State.IN_PROGRESS


def test_supervisor_moves_a_deadline_only_with_a_reason(supervisor_client, measure):
    new = (measure.deadline + datetime.timedelta(days=20)).isoformat()
    data = form_data(supervisor_client, measure, deadline=new, deadline_reason="")
    response = supervisor_client.post(change_url(measure), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["deadline_reason"]
    measure.refresh_from_db()
    assert measure.deadline.isoformat() != new
    data["deadline_reason"] = "涉及资金拨付,申请延期"
    response = supervisor_client.post(change_url(measure), data)
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.deadline.isoformat() == new
    assert measure.original_deadline != measure.deadline


def test_supervisor_adds_a_measure_without_a_unit_gets_an_error(supervisor_client, case):
    from tests import factories

    issue = factories.IssueFactory(case=case)
    response = supervisor_client.post(reverse("admin:cases_measure_add"), {
        "issue": issue.pk, "text": "新措施", "kind": "by_deadline", "deadline": "2026-12-31",
        "progress-TOTAL_FORMS": 0, "progress-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200
    assert "lead_unit" in response.context["adminform"].form.errors
    assert not Measure.objects.exists()


def test_case_page_shows_the_issue_tree(supervisor_client, measure):
    response = supervisor_client.get(reverse("admin:cases_case_change", args=[measure.case_id]))
    assert measure.issue.title in response.content.decode()


def test_history_is_restrict_the_owner(staff_client, measure):
    response = staff_client.get(reverse("admin:cases_measure_history", args=[measure.pk]))
    assert response.status_code == 200


def test_evidence_download_is_scoped(client, staff, other_staff, measure):
    from cases import services

    progress = services.log_progress(measure=measure, by=staff, note="附件",
                                     files=[SimpleUploadedFile("a.pdf", PDF)])
    url = reverse("evidence-download", args=[progress.evidence.get().pk])
    client.force_login(other_staff)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
