"""No write path completes an item of a chained case around its chain: admin, API, pages, ledger
import, notice import, commands and tasks are each tried as the people who would try them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from cases import lognotes, services, tasks
from cases.ledger import HEADERS, import_ledger, write_ledger_xlsx
from cases.models import Measure, ProgressUpdate
from cases.states import Action, State
from tests import factories
from tests.cases.test_admin import change_url, form_data
from tests.cases.test_signoff_chain import KINDS, People, pdf, request_signoff, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(unit):
    return People(unit)


@pytest.fixture
def item(people, unit, case):
    """A submitted item of a four-step case, waiting at step 1 (the unit head)."""
    factories.signoff_chain(*KINDS, case=case)
    measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader)
    request_signoff(measure, people.staff)
    measure.refresh_from_db()
    return measure


def assert_not_completed(measure, step=1):
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED and measure.signoff_step == step
    assert not measure.signoffs.filter(decision="approve", step__gte=step).exists()


def login(client, user):
    client.force_login(user)
    return client


class TestAdmin:
    def test_the_sign_off_action_is_refused_out_of_turn(self, client, people, item):
        response = login(client, people.office).post(reverse("admin:cases_measure_changelist"),
                                                     {"action": "action_approve", "_selected_action": [item.pk]},
                                                     follow=True)
        assert response.status_code == 200
        assert_not_completed(item)

    def test_the_change_form_cannot_choose_completed(self, client, people, item):
        login(client, people.office)
        data = form_data(client, item, progress_state=State.COMPLETED, progress_note="直接销号")
        response = client.post(change_url(item), data)
        assert response.status_code == 200  # the form comes back with the error
        assert_not_completed(item)

    def test_the_administrator_cannot_either_except_by_paper(self, client, people, item, rectify_admin):
        response = login(client, rectify_admin).post(reverse("admin:cases_measure_changelist"),
                                                     {"action": "action_approve", "_selected_action": [item.pk]},
                                                     follow=True)
        assert response.status_code == 200
        assert_not_completed(item)


    @pytest.mark.parametrize("action", ["action_start", "action_phase", "action_submit", "action_approve",
                                        "action_reopen"])
    def test_no_state_action_completes_it(self, client, people, item, rectify_admin, action):
        for user in (people.office, rectify_admin, people.staff):
            login(client, user).post(reverse("admin:cases_measure_changelist"), {
                "action": action, "_selected_action": [item.pk], "apply": "1", "reason": "直接销号"}, follow=True)
            assert_not_completed(item)

    def test_the_administrators_change_form_cannot_choose_completed_either(self, client, item, rectify_admin):
        login(client, rectify_admin)
        data = form_data(client, item, progress_state=State.COMPLETED, progress_note="直接销号")
        assert client.post(change_url(item), data).status_code == 200
        assert_not_completed(item)

    def test_the_paper_form_is_refused_without_the_permission_or_the_scan(self, client, people, item, rectify_admin):
        url = reverse("admin:cases_measure_paper_signoff", args=[item.pk])
        login(client, people.office)
        assert client.post(url, {"paper-note": "青整销〔2026〕3号", "paper-scan": pdf("销号单.pdf"),
                                 "paper-version": item.version}).status_code == 403
        login(client, rectify_admin)
        response = client.post(url, {"paper-note": "青整销〔2026〕3号", "paper-version": item.version},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400 and "扫描件" in response.content.decode()
        response = client.post(url, {"paper-note": "", "paper-scan": pdf("销号单.pdf"),
                                     "paper-version": item.version})
        assert response.status_code == 400
        assert_not_completed(item)

    def test_the_paper_action_and_form_complete_it_with_the_scan_logged(self, client, item, rectify_admin):
        login(client, rectify_admin)
        answer = client.post(reverse("admin:cases_measure_changelist"),
                             {"action": "action_paper_signoff", "_selected_action": [item.pk]})
        url = reverse("admin:cases_measure_paper_signoff", args=[item.pk])
        assert answer.status_code == 302 and answer.url == url
        assert "纸质销号单" in client.get(change_url(item), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        response = client.post(url, {"paper-note": "青整销〔2026〕3号", "paper-scan": pdf("销号单.pdf"),
                                     "paper-version": item.version})
        assert response.status_code == 302, response.content.decode()[:2000]
        item.refresh_from_db()
        assert item.state == State.COMPLETED
        entry = item.progress_updates.get(action=Action.PAPER_SIGNOFF)
        assert [e.original_name for e in entry.evidence.all()] == ["销号单.pdf"]
        assert item.signoffs.get(decision="paper").progress == entry


class TestApi:
    @pytest.fixture
    def api(self, db):
        from rest_framework.authtoken.models import Token
        from rest_framework.test import APIClient

        def make(user):
            client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
            return client

        return make

    def test_transition_and_progress_are_refused_out_of_turn(self, api, people, item, rectify_admin):
        for user in (people.office, people.principal, people.staff, rectify_admin):
            client = api(user)
            response = client.post(f"/api/v1/measures/{item.pk}/transition/",
                                   {"to_state": State.COMPLETED, "note": "同意"}, format="json")
            assert response.status_code in (403, 404), (user, response.content)
            response = client.post(f"/api/v1/measures/{item.pk}/progress/",
                                   {"to_state": State.COMPLETED, "note": "同意"}, format="json")
            assert response.status_code in (400, 403, 404), (user, response.content)
        assert_not_completed(item)

    def test_an_update_cannot_set_the_state(self, api, item, supervisor):
        response = api(supervisor).patch(f"/api/v1/measures/{item.pk}/", {"state": State.COMPLETED}, format="json")
        assert response.status_code in (200, 400), response.content
        assert_not_completed(item)

    def test_the_ledger_import_and_its_dry_run_record_at_most_submitted(self, api, supervisor, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        url = f"/api/v1/cases/{case.pk}/ledger/"
        data = TestLedger().ledger(planned)
        dry = api(supervisor).post(url, {"file": io.BytesIO(data), "dry_run": True}, format="multipart")
        assert dry.status_code == 200, dry.content
        body = dry.json()
        changes = " ".join(c for row in body["changes"] for c in row["changes"])
        assert "申请销号" in changes and "已销号" not in changes and body["warnings"]
        done = api(supervisor).post(url, {"file": io.BytesIO(data)}, format="multipart")
        assert done.status_code == 200, done.content
        planned.refresh_from_db()
        assert planned.state == State.SUBMITTED

    def test_the_notice_import_and_its_preview_show_the_capped_state(self, api, rectify_admin):
        from tests.notices.import_helpers import notice_text

        factories.signoff_chain("org_supervisors", "org_supervisors", default=True)
        text = notice_text("zhengxiang-2024.txt")
        preview = api(rectify_admin).post("/api/v1/notices/import/", {"text": text, "dry_run": True}, format="json")
        assert preview.status_code == 200, preview.content
        measures = [m for n in preview.json()["preview"]["nodes"] for m in n["measures"]]
        assert State.COMPLETED not in {m["state"] for m in measures}
        capped = [m for m in measures if m["capped"]]
        assert capped and all(m["state"] == State.SUBMITTED for m in capped)
        assert any("申请销号" in n for n in preview.json()["preview"]["notes"])
        done = api(rectify_admin).post("/api/v1/notices/import/", {"text": text}, format="json")
        assert done.status_code == 201, done.content
        assert Measure.objects.filter(state=State.SUBMITTED).count() == len(capped)
        assert not Measure.objects.filter(state=State.COMPLETED).exists()

    def test_the_plan_import_adds_planned_items_only(self, api, people, item, rectify_admin):
        from pathlib import Path

        plans = Path(__file__).resolve().parents[1] / "notices" / "plans"
        upload = SimpleUploadedFile("word_merged.docx", (plans / "word_merged.docx").read_bytes())
        response = api(rectify_admin).post("/api/v1/notices/plans/", {
            "file": upload, "organisation": item.case.organisation_id, "case": item.case_id,
            "create_missing": "true", "unit": item.lead_unit_id, "default_deadline": "2026-12-31"},
            format="multipart")
        assert response.status_code == 201, response.content
        added = Measure.objects.filter(case=item.case).exclude(pk=item.pk)
        assert added.exists() and set(added.values_list("state", flat=True)) == {State.PLANNED}
        assert_not_completed(item)

    @override_settings(IMPORT_BACKGROUND_BYTES=0)
    def test_import_jobs_record_at_most_submitted(self, api, supervisor, rectify_admin, unit, case,
                                                  django_capture_on_commit_callbacks):
        from cases.jobs.models import ImportJob
        from tests.notices.import_helpers import notice_text

        factories.signoff_chain(*KINDS, case=case)
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        with django_capture_on_commit_callbacks(execute=True):
            answer = api(supervisor).post(f"/api/v1/cases/{case.pk}/ledger/",
                                          {"file": io.BytesIO(TestLedger().ledger(planned))}, format="multipart")
        assert answer.status_code == 202, answer.content
        planned.refresh_from_db()
        assert planned.state == State.SUBMITTED
        factories.signoff_chain("org_supervisors", default=True)
        with django_capture_on_commit_callbacks(execute=True):
            answer = api(rectify_admin).post("/api/v1/notices/import/",
                                             {"text": notice_text("zhengxiang-2024.txt")}, format="json")
        assert answer.status_code == 202, answer.content
        assert set(ImportJob.objects.values_list("state", flat=True)) == {ImportJob.State.DONE}
        assert not Measure.objects.filter(state=State.COMPLETED).exists()

    def test_the_paper_sign_off_endpoint(self, api, people, item, rectify_admin):
        url = f"/api/v1/measures/{item.pk}/paper-signoff/"
        for user in (people.office, people.staff, people.head):
            response = api(user).post(url, {"note": "青整销〔2026〕3号", "scan": pdf("销号单.pdf")}, format="multipart")
            assert response.status_code in (403, 404), (user, response.content)
        response = api(rectify_admin).post(url, {"note": "青整销〔2026〕3号"}, format="multipart")
        assert response.status_code == 400 and "scan" in response.json()["error"]["fields"], response.content
        assert_not_completed(item)
        response = api(rectify_admin).post(url, {"note": "青整销〔2026〕3号", "scan": pdf("销号单.pdf")},
                                           format="multipart")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["state"] == State.COMPLETED
        assert [(d["decision"], d["evidence"]) for d in body["signoff"]["decisions"]] == [("paper", ["销号单.pdf"])]
        schema = api(rectify_admin).get("/api/schema/?format=json")
        assert "/api/v1/measures/{id}/paper-signoff/" in schema.json()["paths"]

    def test_the_step_signer_signs_through_the_api(self, api, people, item):
        response = api(people.head).post(f"/api/v1/measures/{item.pk}/transition/",
                                         {"to_state": State.COMPLETED, "note": "属实"}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["signoff"]["current_step"] == 2
        assert [s["status"] for s in body["signoff"]["steps"]] == ["signed", "waiting", "pending", "pending"]


class TestPages:
    def test_the_item_page_and_the_queue_refuse_out_of_turn(self, client, people, item):
        login(client, people.office)
        response = client.post(reverse("cases:measure-detail", args=[item.pk]), {
            f"m{item.pk}-note": "销号", f"m{item.pk}-to_state": State.COMPLETED, f"m{item.pk}-version": item.version})
        assert response.status_code == 400
        response = client.post(reverse("cases:signoff-decide", args=[item.pk]), {
            f"s{item.pk}-decision": "approve", f"s{item.pk}-comment": "", f"s{item.pk}-version": item.version})
        assert response.status_code == 400
        assert_not_completed(item)

    def test_the_my_items_form_cannot_complete_it(self, client, people, item, rectify_admin):
        for user in (people.staff, people.office, rectify_admin):
            login(client, user).post(reverse("cases:my-items"), {
                "measure": item.pk, f"m{item.pk}-version": item.version, f"m{item.pk}-note": "已完成",
                f"m{item.pk}-to_state": State.COMPLETED})
            assert_not_completed(item)

    def test_the_queue_lists_the_item_only_for_its_step(self, client, people, item):
        for user, shown in ((people.head, True), (people.leader, False), (people.office, False),
                            (people.staff, False)):
            client.force_login(user)
            response = client.get(reverse("cases:signoff-queue"))
            assert response.status_code == 200
            assert (f'id="s{item.pk}"' in response.content.decode()) is shown, user


class TestLedger:
    def ledger(self, item, state_word="已完成"):
        stream = io.BytesIO()
        write_ledger_xlsx(Measure.objects.filter(pk=item.pk), stream)
        wb = load_workbook(io.BytesIO(stream.getvalue()))
        ws = wb["整改台账"]
        ws.cell(row=3, column=HEADERS.index("整改状态") + 1, value=state_word)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def test_an_import_saying_completed_leaves_a_waiting_item_waiting(self, item, supervisor):
        result = import_ledger(self.ledger(item), file_name="台账.xlsx", user=supervisor)
        assert_not_completed(item)
        assert result.summary["states_changed"] == 0
        assert any("申请销号" in w for w in result.warnings), result.warnings

    def test_even_from_planned_it_records_sign_off_requested_and_says_why(self, supervisor, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        preview = import_ledger(self.ledger(planned), file_name="台账.xlsx", user=supervisor, dry_run=True)
        # The preview announces what the import writes: 申请销号, never 已销号, and why.
        changes = " ".join(c for row in preview.changed_rows for c in row.changes)
        assert "申请销号" in changes and "已销号" not in changes, changes
        assert any("销号流程" in w or "申请销号" in w for w in preview.warnings), preview.warnings
        import_ledger(self.ledger(planned), file_name="台账.xlsx", user=supervisor)
        planned.refresh_from_db()
        assert (planned.state, planned.signoff_step) == (State.SUBMITTED, 1)
        entry = planned.progress_updates.get(action=Action.IMPORT)
        assert [n["msg"] for n in entry.notes] == [lognotes.LEDGER_IMPORT, lognotes.CHAIN_CAPPED]

    def test_a_new_row_saying_completed_is_created_waiting_at_step_1(self, supervisor, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        template = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        data = self.ledger(template)
        wb = load_workbook(io.BytesIO(data))
        wb["整改台账"].cell(row=3, column=HEADERS.index("ID") + 1).value = None
        wb["整改台账"].cell(row=3, column=HEADERS.index("整改措施") + 1, value="新增措施：建立长效机制")
        out = io.BytesIO()
        wb.save(out)
        import_ledger(out.getvalue(), file_name="台账.xlsx", user=supervisor)
        created = Measure.objects.exclude(pk=template.pk).get(case=case)
        assert (created.state, created.signoff_step) == (State.SUBMITTED, 1)

    def test_the_command_records_sign_off_requested_too(self, rectify_admin, unit, case, tmp_path):
        factories.signoff_chain(*KINDS, case=case)
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        path = tmp_path / "台账.xlsx"
        path.write_bytes(self.ledger(planned))
        call_command("import_ledger", str(path), "--case", str(case.pk), "--user", rectify_admin.username,
                     stdout=io.StringIO())
        planned.refresh_from_db()
        assert planned.state == State.SUBMITTED

    def test_up_to_submitted_is_recorded(self, supervisor, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        import_ledger(self.ledger(planned, "申请销号"), file_name="台账.xlsx", user=supervisor)
        planned.refresh_from_db()
        assert (planned.state, planned.signoff_step, planned.signoff_requested_by) == (State.SUBMITTED, 1, supervisor)

    def test_its_log_entries_read_in_the_readers_language(self, supervisor, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        wb = load_workbook(io.BytesIO(self.ledger(planned)))
        wb["整改台账"].cell(row=3, column=HEADERS.index("完成时限") + 1, value="2027-03-31")
        out = io.BytesIO()
        wb.save(out)
        with translation.override("zh-hans"):
            import_ledger(out.getvalue(), file_name="台账.xlsx", user=supervisor)
        moved = planned.progress_updates.get(action=Action.DEADLINE)
        imported = planned.progress_updates.get(action=Action.IMPORT)
        assert moved.note == "" and imported.note == ""
        with translation.override("en"):
            assert moved.text.startswith("Deadline moved from ") and "Ledger import: 台账.xlsx" in moved.text
            assert "Ledger import: 台账.xlsx" in imported.text and "sign-off chain" in imported.text
        with translation.override("zh-hans"):
            assert "台账导入" in imported.text and "销号流程" in imported.text

    def test_without_a_chain_the_ledger_still_completes(self, supervisor, unit, case):
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        result = import_ledger(self.ledger(planned), file_name="台账.xlsx", user=supervisor)
        planned.refresh_from_db()
        assert planned.state == State.COMPLETED and not result.warnings


class TestServices:
    def test_a_document_cannot_complete_a_chained_item(self, item):
        with pytest.raises(services.TransitionNotAllowed) as exc:
            services.record_state_from_source(measure=item, to_state=State.COMPLETED, note="通报称已完成")
        assert exc.value.code == "chain_required"
        assert_not_completed(item)

    def test_the_rules_for_people_cannot_either(self, item, people):
        with pytest.raises(Exception):  # noqa: B017 - PermissionDenied or ValidationError, both refuse
            services.apply_action(measure=item, action=Action.APPROVE, by=people.office, note="同意")
        assert_not_completed(item)

    def test_the_ledger_columns_service_cannot_set_a_state(self, item, supervisor):
        with pytest.raises(ValueError):
            services.update_measure(measure=item, by=supervisor, state=State.COMPLETED)

    def test_tasks_change_no_state(self, item, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.run_weekly_reminders(deferred_from="test")
            tasks.send_stranded_reminders()
        assert_not_completed(item)

    def test_the_import_job_task_records_at_most_submitted(self, item, supervisor):
        from cases.jobs import tasks as job_tasks
        from cases.jobs.models import ImportJob
        from cases.jobs.services import start_job

        job = start_job(kind=ImportJob.Kind.LEDGER, user=supervisor, data=TestLedger().ledger(item),
                        file_name="台账.xlsx", case=item.case)
        job_tasks.run_import_job(job.pk)  # as the worker runs it
        job.refresh_from_db()
        assert job.state == ImportJob.State.DONE, job.message
        assert_not_completed(item)

    def test_document_state_is_the_one_cap(self, item, case):
        capped = services.document_state(case=case, current=State.IN_PROGRESS, reported=State.COMPLETED)
        assert (capped.state, capped.capped) == (State.SUBMITTED, True)
        assert services.document_state(case=case, current=State.COMPLETED, reported=State.COMPLETED).state \
            == State.COMPLETED
        assert services.document_state(case=case, current=None, reported=State.PHASED).state == State.PHASED
        plain = factories.CaseFactory()
        assert services.document_state(case=plain, current=None, reported=State.COMPLETED).state == State.COMPLETED
        assert services.document_state(case=None, current=None, reported=State.COMPLETED).state == State.COMPLETED
        factories.signoff_chain("org_supervisors", default=True)
        assert services.document_state(case=None, current=None, reported=State.COMPLETED).state == State.SUBMITTED

    def test_the_whole_chain_and_a_paper_sheet_do_complete_it(self, item, people, rectify_admin, unit, case):
        for kind in KINDS:
            sign(item, people.of(kind))
        item.refresh_from_db()
        assert item.state == State.COMPLETED
        other = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        services.record_paper_signoff(measure=other, by=rectify_admin, scan=pdf("销号单.pdf"), note="青整销〔2026〕3号")
        other.refresh_from_db()
        assert other.state == State.COMPLETED


class TestNoticeImport:
    def test_a_notice_saying_completed_records_sign_off_requested(self, db):
        from notices.importer import import_notice
        from notices.parser import parse_file
        from tests.notices.import_helpers import notice_path

        factories.signoff_chain("org_supervisors", "org_supervisors", default=True)
        result = import_notice(parse_file(notice_path("zhengxiang-2024.txt")))
        measures = Measure.objects.filter(case=result.case)
        assert not measures.filter(state=State.COMPLETED).exists()
        waiting = measures.filter(state=State.SUBMITTED)
        assert waiting.exists()
        assert all(m.signoff_step == 1 for m in waiting)
        entries = ProgressUpdate.objects.filter(measure__in=waiting, action=Action.IMPORT)
        assert all({"msg": lognotes.CHAIN_CAPPED, "params": {}} in e.notes for e in entries)
        with translation.override("en"):
            assert "sign-off chain" in entries[0].text
        with translation.override("zh-hans"):
            assert "销号流程" in entries[0].text

    def test_the_import_notice_command_too(self, tmp_path):
        from tests.notices.import_helpers import notice_path

        factories.signoff_chain("org_supervisors", default=True)
        call_command("import_notice", str(notice_path("zhengxiang-2024.txt")))
        assert Measure.objects.exists()
        assert not Measure.objects.filter(state=State.COMPLETED).exists()

    def test_the_admin_preview_shows_the_capped_state_and_why(self, client, rectify_admin):
        from tests.notices.import_helpers import notice_path

        factories.signoff_chain("org_supervisors", default=True)
        client.force_login(rectify_admin)
        upload = SimpleUploadedFile("zhengxiang-2024.txt", notice_path("zhengxiang-2024.txt").read_bytes())
        response = client.post(reverse("admin:notices_notice_import"), {"file": upload, "_preview": "1"},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200
        states = [m["plan"].state for node in response.context["nodes"] for m in node["measures"]]
        assert State.SUBMITTED in states and State.COMPLETED not in states
        assert State.COMPLETED not in {node["state"] for node in response.context["nodes"]}
        page = response.content.decode()
        assert "np-capped" in page and "由销号流程决定" in page
        assert any("将记为" in n for n in response.context["plan"].notes)


class TestPaperSheet:
    def test_the_sheet_lists_the_paper_sign_off_and_its_scan(self, item, rectify_admin):
        from cases.signoff import sheet

        services.record_paper_signoff(measure=item, by=rectify_admin, scan=pdf("销号单扫描.pdf"),
                                      note="青整销〔2026〕3号")
        with translation.override("en"):
            rows = sheet.sheet_rows(item)
        assert rows["state"] == "已销号"
        paper = [s for s in rows["signatures"] if s["step"].startswith("纸质销号单")]
        assert paper and paper[0]["comment"] == "青整销〔2026〕3号"
        assert any(e.startswith("销号单扫描.pdf") for e in rows["evidence"])
