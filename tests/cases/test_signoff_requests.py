"""Around the chain: the overdue rule while an item waits, extension requests (申请延期), the
decision mails (a real local SMTP server), and the sign-off sheet (销号审批单)."""

import datetime
import io
import socket

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases import selectors
from cases.models import DeadlineChange, Measure, ProgressUpdate
from cases.reminders import Thresholds, reportable
from cases.signoff import services as signoff_services
from cases.signoff import sheet
from cases.signoff.models import ExtensionRequest
from cases.states import Action
from tests import factories
from tests.cases.test_signoff_chain import KINDS, People, pdf, request_signoff, send_back, sign

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2026, 6, 10)
NOON = datetime.datetime(2026, 6, 10, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture
def people(unit):
    return People(unit)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False):
        yield


def overdue_ids(on=TODAY):
    return set(Measure.objects.overdue(on=on).values_list("pk", flat=True))


class TestOverdueRule:
    def test_an_item_requested_on_time_is_not_overdue_while_it_waits(self, clock, people, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader,
                                           deadline=TODAY + 2 * DAY)
        request_signoff(measure, people.staff)  # two days early
        with time_machine.travel(NOON + 20 * DAY, tick=False):
            on = TODAY + 20 * DAY
            measure.refresh_from_db()
            assert measure.pk not in overdue_ids(on)
            assert measure.days_overdue(on) == 0 and not measure.is_overdue(on)
            assert measure.days_awaiting_signoff(on) == 20
            assert Measure.objects.awaiting_signoff().filter(pk=measure.pk).exists()
            # Not urged either: the wait is the supervisors' lag.
            thresholds = Thresholds(due_soon_days=7, lagging_days=14, escalate_after_days=14)
            assert not reportable(Measure.objects.all(), on=on, thresholds=thresholds).filter(pk=measure.pk).exists()
            figures = selectors.headline(Measure.objects.all(), factories.IssueFactory._meta.model.objects.none(),
                                         on=on)
            assert figures.overdue == 0

    def test_sent_back_it_resumes_its_own_deadline(self, clock, people, unit, case):
        factories.signoff_chain(*KINDS, case=case)
        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader,
                                           deadline=TODAY + 2 * DAY)
        request_signoff(measure, people.staff)
        with time_machine.travel(NOON + 10 * DAY, tick=False):
            send_back(measure, people.head)
            measure.refresh_from_db()
            assert measure.pk in overdue_ids(TODAY + 10 * DAY)
            assert measure.days_overdue(TODAY + 10 * DAY) == 8

    def test_an_item_requested_after_its_deadline_stays_overdue(self, clock, people, unit, case):
        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=TODAY - 3 * DAY)
        request_signoff(measure, people.staff)
        measure.refresh_from_db()
        assert measure.signoff_requested_on == TODAY
        assert measure.pk in overdue_ids()
        assert measure.days_overdue(TODAY) == 3

    def test_the_counts_by_unit_and_the_item_lists_agree(self, clock, people, unit, case):
        early = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=TODAY + DAY)
        late = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=TODAY - DAY)
        request_signoff(early, people.staff)
        with time_machine.travel(NOON + 5 * DAY, tick=False):
            on = TODAY + 5 * DAY
            row = Measure.objects.filter(case=case).counts_by_unit(on).get()
            assert row["overdue"] == 1 == Measure.objects.filter(case=case).overdue(on=on).count()
            assert [m.pk for m in selectors.overdue_items(Measure.objects.filter(case=case), on=on)] == [late.pk]


class TestExtension:
    def ask(self, measure, by, days=30, reason="涉及资金拨付,需延期"):
        return signoff_services.request_extension(measure=measure, by=by, reason=reason,
                                                  proposed_deadline=measure.deadline + days * DAY)

    def test_approved_the_deadline_moves_and_the_baseline_stays(self, staff, supervisor, measure):
        original = measure.deadline
        request = self.ask(measure, staff)
        assert request.status == ExtensionRequest.Status.PENDING
        signoff_services.decide_extension(request=request, by=supervisor, approve=True, note="同意")
        measure.refresh_from_db()
        assert measure.deadline == original + 30 * DAY
        assert measure.original_deadline == original
        change = DeadlineChange.objects.get(measure=measure)
        assert "涉及资金拨付" in change.reason and change.by == supervisor
        actions = list(ProgressUpdate.objects.filter(measure=measure).order_by("created_at", "pk")
                       .values_list("action", flat=True))
        assert actions == [Action.EXTENSION_REQUEST, Action.EXTENSION_APPROVED]
        request.refresh_from_db()
        assert (request.status, request.decided_by) == (ExtensionRequest.Status.APPROVED, supervisor)

    def test_refused_it_needs_a_reason_and_the_deadline_stays(self, staff, supervisor, measure):
        original = measure.deadline
        request = self.ask(measure, staff)
        with pytest.raises(ValidationError):
            signoff_services.decide_extension(request=request, by=supervisor, approve=False, note=" ")
        signoff_services.decide_extension(request=request, by=supervisor, approve=False, note="理由不充分")
        measure.refresh_from_db()
        assert measure.deadline == original
        assert ProgressUpdate.objects.filter(measure=measure, action=Action.EXTENSION_REFUSED,
                                             note__contains="理由不充分").exists()
        with pytest.raises(ValidationError):  # decided once only
            signoff_services.decide_extension(request=request, by=supervisor, approve=True)

    def test_bad_requests_are_refused_with_the_field(self, staff, measure, other_staff):
        with pytest.raises(ValidationError) as exc:
            signoff_services.request_extension(measure=measure, by=staff, reason="",
                                               proposed_deadline=measure.deadline - DAY)
        assert set(exc.value.message_dict) == {"reason", "proposed_deadline"}
        with pytest.raises(PermissionDenied):
            self.ask(measure, other_staff)
        self.ask(measure, staff)
        with pytest.raises(ValidationError):
            self.ask(measure, staff, days=40)  # one pending request at a time
        assert ExtensionRequest.objects.count() == 1

    def test_staff_cannot_decide_nor_the_requester(self, staff, supervisor, measure):
        request = self.ask(measure, supervisor)
        with pytest.raises(PermissionDenied):
            signoff_services.decide_extension(request=request, by=staff, approve=True)
        with pytest.raises(PermissionDenied):
            signoff_services.decide_extension(request=request, by=supervisor, approve=True)

    def test_it_is_in_the_ledger(self, staff, supervisor, measure):
        from openpyxl import load_workbook

        from cases.ledger import write_ledger_xlsx

        signoff_services.decide_extension(request=self.ask(measure, staff), by=supervisor, approve=True)
        stream = io.BytesIO()
        write_ledger_xlsx(Measure.objects.filter(pk=measure.pk), stream)
        wb = load_workbook(io.BytesIO(stream.getvalue()))
        rows = list(wb["延期申请"].iter_rows(values_only=True))
        assert rows[0][0] == "措施ID" and rows[1][0] == measure.pk
        assert rows[1][8] == "同意延期" and rows[1][7] == "涉及资金拨付,需延期"

    def test_the_item_page_flow(self, client, staff, supervisor, measure):
        client.force_login(staff)
        url = reverse("cases:extension-request", args=[measure.pk])
        response = client.post(url, {"ext-proposed_deadline": "", "ext-reason": "", "ext-version": measure.version})
        assert response.status_code == 400
        assert "field-error" in response.content.decode()
        new = (measure.deadline + 15 * DAY).isoformat()
        response = client.post(url, {"ext-proposed_deadline": new, "ext-reason": "雨季无法施工",
                                     "ext-version": measure.version})
        assert response.status_code == 302
        request = ExtensionRequest.objects.get()
        client.force_login(supervisor)
        page = client.get(reverse("cases:measure-detail", args=[measure.pk])).content.decode()
        assert "雨季无法施工" in page and reverse("cases:extension-decide", args=[request.pk]) in page
        response = client.post(reverse("cases:extension-decide", args=[request.pk]), {"extd-approve": "1"})
        assert response.status_code == 302
        measure.refresh_from_db()
        assert measure.deadline.isoformat() == new


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.delivered = []

    async def handle_DATA(self, server, session, envelope):
        self.delivered.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


class TestDecisionMail:
    def test_a_send_back_a_sign_off_and_an_extension_decision_are_mailed_on_commit(
        self, smtp_server, people, unit, case, supervisor, django_capture_on_commit_callbacks,
    ):
        factories.signoff_chain("lead_unit_head", case=case)
        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        request_signoff(measure, people.staff)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            send_back(measure, people.head, note="缺少整改前后对比照片")
        assert not smtp_server.delivered  # nothing before the commit
        for callback in callbacks:
            callback()
        assert [to for to, _ in smtp_server.delivered] == [[people.staff.email]]
        assert "缺少整改前后对比照片" in smtp_server.delivered[0][1]
        with django_capture_on_commit_callbacks(execute=True):
            request_signoff(measure, people.staff)  # a request is not a decision: no mail
            sign(measure, people.head)
            other = factories.MeasureFactory(lead_unit=unit, issue__case=case)
            request = signoff_services.request_extension(measure=other, by=people.staff, reason="需延期",
                                                         proposed_deadline=other.deadline + 30 * DAY)
            signoff_services.decide_extension(request=request, by=supervisor, approve=False, note="不同意")
        assert len(smtp_server.delivered) == 3
        assert "不同意" in smtp_server.delivered[2][1]

    def test_a_rolled_back_decision_sends_nothing(self, smtp_server, people, unit, case,
                                                  django_capture_on_commit_callbacks):
        from django.db import transaction

        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        request_signoff(measure, people.staff)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            send_back(measure, people.office)
            raise RuntimeError("rolled back")
        assert not smtp_server.delivered


class TestSheet:
    def test_it_holds_the_item_the_evidence_and_every_signature(self, people, unit, case):
        from docx import Document

        factories.signoff_chain(*KINDS, case=case)
        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader)
        request_signoff(measure, people.staff, files=[pdf("整改报告.pdf")])
        for n, kind in enumerate(KINDS[:3], 1):
            sign(measure, people.of(kind), note=f"第{n}步意见", files=[pdf(f"核查{n}.pdf")])
        rows = sheet.sheet_rows(measure)
        assert rows["measure"].endswith(measure.text)
        assert rows["evidence"][0].startswith("整改报告.pdf") and len(rows["evidence"]) == 4
        assert [s["name"] for s in rows["signatures"]] == [people.head.name, people.leader.name, people.office.name,
                                                           ""]
        assert [s["post"] for s in rows["signatures"][:3]] == ["局长", "副县长", "整改办主任"]
        assert rows["signatures"][3]["comment"] == "(待签)"
        document = Document(io.BytesIO(sheet.sheet_docx(measure)))
        text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        assert document.paragraphs[0].text == "整改事项销号审批单"
        for expected in ("整改报告.pdf", "第2步意见", people.leader.name, "副县长", measure.lead_unit.name):
            assert expected in text
        section = document.sections[0]
        assert round(section.page_width.cm, 1) == 21.0 and round(section.top_margin.cm, 1) == 3.7

    def test_it_downloads_from_the_item_page_and_the_api_within_scope(self, client, staff, other_staff, measure):
        from rest_framework.authtoken.models import Token
        from rest_framework.test import APIClient

        client.force_login(staff)
        response = client.get(reverse("cases:signoff-sheet", args=[measure.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == sheet_type()
        assert b"".join(response.streaming_content)[:2] == b"PK"
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
        response = api.get(f"/api/v1/measures/{measure.pk}/signoff-sheet/")
        assert response.status_code == 200 and response["Content-Type"] == sheet_type()
        client.force_login(other_staff)
        assert client.get(reverse("cases:signoff-sheet", args=[measure.pk])).status_code == 404


def sheet_type():
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class TestAwaitingFigures:
    def test_the_dashboard_and_the_summary_show_the_wait_apart_from_overdue(self, clock, client, people, unit,
                                                                             case, supervisor):
        from cases.reminders import supervisor_summary

        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=TODAY + DAY)
        request_signoff(measure, people.staff)
        with time_machine.travel(NOON + 6 * DAY, tick=False):
            client.force_login(supervisor)
            response = client.get(reverse("cases:dashboard"))
            head = response.context["head"]
            assert (head.overdue, head.awaiting, head.longest_wait_days) == (0, 1, 6)
            assert "待销号" in response.content.decode()
            summary = supervisor_summary(supervisor, on=TODAY + 6 * DAY).head
            assert (summary.overdue, summary.awaiting, summary.longest_wait_days) == (0, 1, 6)
