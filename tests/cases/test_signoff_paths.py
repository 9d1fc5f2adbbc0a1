"""No write path completes an item of a chained case around its chain: admin, API, pages, ledger
import, notice import, commands and tasks are each tried as the people who would try them."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from cases import services, tasks
from cases.ledger import HEADERS, LedgerRejected, import_ledger, write_ledger_xlsx
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

    def test_an_import_saying_completed_is_refused_and_nothing_written(self, item, supervisor):
        before = ProgressUpdate.objects.count()
        with pytest.raises(LedgerRejected) as exc:
            import_ledger(self.ledger(item), file_name="台账.xlsx", user=supervisor)
        assert "销号" in " ".join(e.message for e in exc.value.result.errors)
        assert_not_completed(item)
        assert ProgressUpdate.objects.count() == before

    def test_even_from_planned(self, supervisor, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        with pytest.raises(LedgerRejected):
            import_ledger(self.ledger(planned), file_name="台账.xlsx", user=supervisor)
        planned.refresh_from_db()
        assert planned.state == State.PLANNED

    def test_the_command_is_refused_too(self, item, rectify_admin, tmp_path):
        path = tmp_path / "台账.xlsx"
        path.write_bytes(self.ledger(item))
        with pytest.raises(CommandError):
            call_command("import_ledger", str(path), "--case", str(item.case_id), "--user", rectify_admin.username)
        assert_not_completed(item)

    def test_up_to_submitted_is_recorded(self, supervisor, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        planned = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        import_ledger(self.ledger(planned, "申请销号"), file_name="台账.xlsx", user=supervisor)
        planned.refresh_from_db()
        assert (planned.state, planned.signoff_step, planned.signoff_requested_by) == (State.SUBMITTED, 1, supervisor)


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
        from notices.importer import CHAIN_NOTE, import_notice
        from notices.parser import parse_file
        from tests.notices.import_helpers import notice_path

        factories.signoff_chain("org_supervisors", "org_supervisors", default=True)
        result = import_notice(parse_file(notice_path("zhengxiang-2024.txt")))
        measures = Measure.objects.filter(case=result.case)
        assert not measures.filter(state=State.COMPLETED).exists()
        waiting = measures.filter(state=State.SUBMITTED)
        assert waiting.exists()
        assert all(m.signoff_step == 1 for m in waiting)
        notes = ProgressUpdate.objects.filter(measure__in=waiting, action=Action.IMPORT).values_list("note", flat=True)
        assert any(CHAIN_NOTE in n for n in notes)

    def test_the_import_notice_command_too(self, tmp_path):
        from tests.notices.import_helpers import notice_path

        factories.signoff_chain("org_supervisors", default=True)
        call_command("import_notice", str(notice_path("zhengxiang-2024.txt")))
        assert Measure.objects.exists()
        assert not Measure.objects.filter(state=State.COMPLETED).exists()
