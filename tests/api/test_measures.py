"""The measures endpoints: lists and filters, detail, state changes, progress with files, deadlines, edits."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Unit
from cases import services
from cases.models import Evidence, Measure, ProgressUpdate
from tests import factories
from tests.api.conftest import error_of

TODAY = datetime.date(2026, 3, 2)
PDF = b"%PDF-1.4\n% evidence\n"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


# --- Lists and filters ---------------------------------------------------------------


def test_list_is_paginated_with_units_issue_and_case(staff_api, measure):
    body = staff_api.get("/api/v1/measures/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["lead_unit"] == {"id": measure.lead_unit_id, "name": measure.lead_unit.name}
    assert row["issue"]["id"] == measure.issue_id
    assert row["case"]["id"] == measure.case_id
    assert row["version"] == 1


def test_page_size_is_chosen_by_the_client_and_capped(supervisor_api, case):
    factories.MeasureFactory.create_batch(3, issue__case=case)
    body = supervisor_api.get("/api/v1/measures/?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert supervisor_api.get("/api/v1/measures/?page=99").status_code == 404


def test_filter_by_state(supervisor_api, measure, other_measure, staff):
    services.transition_measure(measure=measure, to_state="in_progress", by=staff)
    assert ids(supervisor_api.get("/api/v1/measures/?state=in_progress")) == {measure.pk}
    assert ids(supervisor_api.get("/api/v1/measures/?state=in_progress&state=planned")) == {measure.pk,
                                                                                            other_measure.pk}


def test_filter_overdue_as_of_a_date(supervisor_api, unit):
    early = factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 2, 1))
    late = factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 5, 1))
    assert ids(supervisor_api.get("/api/v1/measures/?overdue_on=2026-03-01")) == {early.pk}
    assert ids(supervisor_api.get("/api/v1/measures/?overdue_on=2026-06-01")) == {early.pk, late.pk}


def test_filter_overdue_today_and_ongoing(supervisor_api, unit, frozen):
    overdue = factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 3, 1))
    factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 3, 3))
    assert ids(supervisor_api.get("/api/v1/measures/?overdue=true")) == {overdue.pk}
    row = supervisor_api.get(f"/api/v1/measures/{overdue.pk}/").json()
    assert row["is_overdue"] is True and row["days_overdue"] == 1
    assert len(ids(supervisor_api.get("/api/v1/measures/?ongoing=true"))) == 2


def test_filter_due_before_and_after(supervisor_api, unit):
    a = factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 4, 1))
    b = factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 6, 1))
    assert ids(supervisor_api.get("/api/v1/measures/?due_before=2026-05-01")) == {a.pk}
    assert ids(supervisor_api.get("/api/v1/measures/?due_after=2026-05-01")) == {b.pk}


def test_filter_by_unit_includes_sub_units(supervisor_api, unit):
    sub = Unit.objects.create(name="下属单位", parent=unit)
    mine = factories.MeasureFactory(lead_unit=sub)
    factories.MeasureFactory()
    assert ids(supervisor_api.get(f"/api/v1/measures/?unit={unit.pk}")) == {mine.pk}


def test_filter_by_case_issue_kind_and_leader(supervisor_api, measure, other_measure, supervisor):
    Measure.objects.filter(pk=measure.pk).update(kind=Measure.Kind.IMMEDIATE, lead_leader=supervisor)
    elsewhere = factories.MeasureFactory()
    assert ids(supervisor_api.get(f"/api/v1/measures/?case={elsewhere.case_id}")) == {elsewhere.pk}
    assert ids(supervisor_api.get(f"/api/v1/measures/?issue={measure.issue_id}")) == {measure.pk}
    assert ids(supervisor_api.get("/api/v1/measures/?kind=immediate")) == {measure.pk}
    assert ids(supervisor_api.get(f"/api/v1/measures/?lead_leader={supervisor.pk}")) == {measure.pk}


def test_search_finds_chinese_words_inside_text(supervisor_api, unit):
    hit = factories.MeasureFactory(lead_unit=unit, text="建立整改台账制度,每周调度")
    factories.MeasureFactory(lead_unit=unit, text="开展专项检查")
    assert ids(supervisor_api.get("/api/v1/measures/", {"q": "整改台账"})) == {hit.pk}
    assert ids(supervisor_api.get("/api/v1/measures/", {"q": "台账 调度"})) == {hit.pk}


def test_ordering_by_deadline_both_ways(supervisor_api, unit):
    a = factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 4, 1))
    b = factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 6, 1))
    rows = supervisor_api.get("/api/v1/measures/?ordering=-deadline").json()["results"]
    assert [r["id"] for r in rows] == [b.pk, a.pk]
    rows = supervisor_api.get("/api/v1/measures/?ordering=deadline").json()["results"]
    assert [r["id"] for r in rows] == [a.pk, b.pk]


def test_bad_filter_value_is_a_400_naming_the_field(supervisor_api):
    error = error_of(supervisor_api.get("/api/v1/measures/?due_before=not-a-date"))
    assert error["code"] == "invalid" and "due_before" in error["fields"]


# --- Detail and state changes -----------------------------------------------------------


def test_detail_has_an_etag_and_the_actions_available(staff_api, measure):
    response = staff_api.get(f"/api/v1/measures/{measure.pk}/")
    assert response.headers["ETag"] == '"1"'
    actions = {a["action"] for a in response.json()["available_actions"]}
    assert actions == {"start", "phase", "submit"}  # no sign-off for staff


def test_staff_starts_their_measure(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/transition/",
                              {"to_state": "in_progress", "note": "已部署"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "in_progress"
    assert response.headers["ETag"] == '"2"'
    entry = ProgressUpdate.objects.get(measure=measure)
    assert (entry.action, entry.note) == ("start", "已部署")


def test_illegal_transition_is_a_400_and_changes_nothing(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "completed"},
                              format="json")
    error = error_of(response)
    assert response.status_code == 400
    assert error["code"] == "illegal_transition"
    assert "未启动" in error["message"]
    measure.refresh_from_db()
    assert (measure.state, measure.version) == ("planned", 1)
    assert not ProgressUpdate.objects.exists()


def test_staff_cannot_sign_off(staff_api, measure, staff):
    services.transition_measure(measure=measure, to_state="submitted", by=staff, note="申请销号")
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "completed"},
                              format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    measure.refresh_from_db()
    assert measure.state == "submitted"


def test_supervisor_signs_off(supervisor_api, measure, staff):
    services.transition_measure(measure=measure, to_state="submitted", by=staff, note="申请销号")
    response = supervisor_api.post(f"/api/v1/measures/{measure.pk}/transition/",
                                   {"to_state": "completed", "note": "核查属实"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "completed"
    assert response.json()["completed_at"]


def test_send_back_without_a_reason_is_refused(supervisor_api, measure, staff):
    services.transition_measure(measure=measure, to_state="submitted", by=staff, note="申请销号")
    response = supervisor_api.post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "in_progress"},
                                   format="json")
    assert error_of(response)["code"] == "reason_required"


def test_unknown_target_state_is_a_field_error(staff_api, measure):
    error = error_of(staff_api.post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "done"},
                                    format="json"))
    assert "to_state" in error["fields"]


# --- Progress with evidence -------------------------------------------------------------


def test_progress_with_files_multipart(staff_api, measure):
    files = [SimpleUploadedFile("会议纪要.pdf", PDF, "application/pdf"),
             SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n0000", "image/png")]
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/progress/",
                              {"note": "召开专题会议", "to_state": "in_progress", "files": files}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["action"] == "start" and body["measure_state"] == "in_progress" and body["measure_version"] == 2
    assert sorted(e["name"] for e in body["evidence"]) == ["会议纪要.pdf", "照片.png"]
    assert body["evidence"][0]["url"].startswith("http://testserver/evidence/")
    assert response.headers["ETag"] == '"2"'


def test_progress_note_alone_keeps_the_state(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "本周推进顺利", "to_state": ""},
                              format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["action"] == "note"
    measure.refresh_from_db()
    assert measure.state == "planned" and measure.last_progress_at


def test_a_disguised_program_is_refused_and_nothing_is_saved(staff_api, measure):
    bad = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 program", "application/pdf")
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "附件", "files": [bad]},
                              format="multipart")
    error = error_of(response)
    assert response.status_code == 400 and "files" in error["fields"]
    assert "报告.pdf" in error["fields"]["files"][0]
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()


def test_empty_progress_is_refused(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "  "}, format="json")
    assert response.status_code == 400
    error_of(response)


# --- Deadlines and ledger edits ----------------------------------------------------------


def test_supervisor_moves_a_deadline_with_a_reason(supervisor_api, measure):
    old = measure.deadline
    response = supervisor_api.post(f"/api/v1/measures/{measure.pk}/deadline/",
                                   {"deadline": "2026-12-31", "reason": "项目审批延后"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["deadline"] == "2026-12-31"
    assert response.json()["original_deadline"] == old.isoformat()


def test_staff_cannot_move_a_deadline(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/deadline/",
                              {"deadline": "2026-12-31", "reason": "想延期"}, format="json")
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.deadline != datetime.date(2026, 12, 31)


def test_supervisor_edits_ledger_columns(supervisor_api, measure, other_unit):
    response = supervisor_api.patch(f"/api/v1/measures/{measure.pk}/",
                                    {"text": "修订后的措施", "supporting_units": [other_unit.pk], "version": 1},
                                    format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["text"] == "修订后的措施" and body["version"] == 2
    assert body["supporting_units"] == [{"id": other_unit.pk, "name": other_unit.name}]


def test_patch_refuses_state_and_deadline_and_says_where_they_change(supervisor_api, measure):
    error = error_of(supervisor_api.patch(f"/api/v1/measures/{measure.pk}/",
                                          {"state": "completed", "deadline": "2027-01-01"}, format="json"))
    assert set(error["fields"]) == {"state", "deadline"}
    measure.refresh_from_db()
    assert measure.state == "planned" and measure.version == 1


def test_staff_cannot_edit_ledger_columns(staff_api, measure):
    assert staff_api.patch(f"/api/v1/measures/{measure.pk}/", {"text": "x"}, format="json").status_code == 403


def test_supervisor_adds_a_measure(supervisor_api, measure, unit):
    response = supervisor_api.post("/api/v1/measures/", {
        "issue": measure.issue_id, "text": "新增措施", "lead_unit": unit.pk, "deadline": "2026-09-30",
        "kind": "by_deadline",
    }, format="json")
    assert response.status_code == 201, response.content
    assert Measure.objects.get(pk=response.json()["id"]).text == "新增措施"


def test_put_and_delete_are_not_allowed(supervisor_api, measure):
    assert supervisor_api.put(f"/api/v1/measures/{measure.pk}/", {}, format="json").status_code == 405
    assert supervisor_api.delete(f"/api/v1/measures/{measure.pk}/").status_code == 405
    assert Measure.objects.filter(pk=measure.pk).exists()


# --- Cases, issues, tree, progress, me -------------------------------------------------------


def test_case_tree_nests_issues_and_counts_measures(supervisor_api, case, unit):
    group = factories.IssueFactory(case=case, kind="group", title="方面一")
    problem = factories.IssueFactory(case=case, parent=group, title="问题甲")
    factories.MeasureFactory(issue=problem, lead_unit=unit)
    body = supervisor_api.get(f"/api/v1/cases/{case.pk}/tree/?include=measures").json()
    node = next(n for n in body["issues"] if n["id"] == group.pk)
    assert node["measure_count"] == 1
    assert node["children"][0]["id"] == problem.pk
    assert len(node["children"][0]["measures"]) == 1


def test_issues_flat_filtered_by_case(supervisor_api, measure):
    factories.IssueFactory()
    rows = supervisor_api.get(f"/api/v1/issues/?case={measure.case_id}").json()["results"]
    assert {r["case"] for r in rows} == {measure.case_id}


def test_case_reports_completion(supervisor_api, measure):
    row = supervisor_api.get(f"/api/v1/cases/{measure.case_id}/").json()
    assert row["problem_total"] == 1 and row["problem_completed"] == 0 and row["completion_rate"] == 0.0


def test_progress_list_of_a_measure(staff_api, measure, staff):
    services.log_progress(measure=measure, by=staff, note="第一周")
    rows = staff_api.get(f"/api/v1/progress/?measure={measure.pk}").json()["results"]
    assert [r["note"] for r in rows] == ["第一周"]


def test_me_summarises_user_roles_units_and_items(staff_api, staff, unit, measure):
    body = staff_api.get("/api/v1/me/").json()
    assert body["username"] == staff.username and body["roles"] == ["staff"]
    assert body["memberships"][0]["unit"]["id"] == unit.pk
    assert body["permissions"]["sign_off"] is False and body["permissions"]["log_progress"] is True
    assert body["items"]["total"] == 1


def test_token_is_issued_and_revoked(client_for, staff):
    anonymous = client_for()
    response = anonymous.post("/api/v1/auth/token/", {"username": staff.username, "password": "pw-test-123"},
                              format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/v1/me/").status_code == 200
    assert anonymous.delete("/api/v1/auth/token/").status_code == 204
    assert anonymous.get("/api/v1/me/").status_code == 401


def test_session_authentication_works(client, staff, measure):
    client.force_login(staff)
    assert client.get("/api/v1/measures/").json()["count"] == 1
