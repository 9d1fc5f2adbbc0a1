"""Numbered letters (cases/urging/letters.py): issue at the level, 签收, 反馈, the climb, the .docx."""

import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import holidays
from cases.calendar import importer
from cases.calendar.parser import parse_notice
from cases.models import LadderLevel, Letter
from cases.urging import letters, levels
from tests import factories

from .holiday_notices import NOTICE_2027

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def calendar_2027():
    importer.apply(parse_notice(NOTICE_2027))
    holidays.clear_process_cache()
    yield
    holidays.clear_process_cache()


@pytest.fixture
def county(settings):
    settings.SITE_URL = "https://zg.example.gov.cn"
    principal = factories.UserFactory(name="县委书记", email="shuji@example.gov.cn")
    organisation = factories.OrganisationFactory(name="青禾县", short_name="青整", principal_leader=principal)
    head = factories.UserFactory(name="局长", email="head@example.gov.cn")
    unit = factories.UnitFactory(organisation=organisation, name="县住建局", email="zjj@example.gov.cn", head=head)
    liaison = factories.UserFactory(role="staff", units=[unit], email="liaison@example.gov.cn")
    leader = factories.UserFactory(name="分管副县长", email="fuxianzhang@example.gov.cn")
    return organisation, unit, liaison, leader


FEB_4 = D(2027, 2, 4)


def overdue_items(unit, leader, n=2, deadline=FEB_4):
    return [factories.MeasureFactory(lead_unit=unit, lead_leader=leader, deadline=deadline,
                                     issue__case__organisation=unit.organisation) for _ in range(n)]


def test_items_at_the_letter_level_get_one_numbered_letter_per_unit(county, django_capture_on_commit_callbacks):
    _organisation, unit, _liaison, leader = county
    overdue_items(unit, leader)
    levels.refresh(on=D(2027, 2, 25))  # 10 working days overdue: 督办函
    supervision = LadderLevel.objects.get(ladder__organisation__isnull=True, document="supervision")
    supervision.copy_to = "jiwei@example.gov.cn"
    supervision.save()

    with django_capture_on_commit_callbacks(execute=True):
        (letter,) = letters.issue_due(on=D(2027, 2, 25))

    assert letter.number == "青整督〔2027〕1号" and letter.document == "supervision"
    assert letter.measures.count() == 2 and letter.unit == unit
    assert letter.reply_by == D(2027, 3, 4)  # five working days
    assert letter.recipients.split("\n") == ["zjj@example.gov.cn", "liaison@example.gov.cn", "head@example.gov.cn",
                                             "fuxianzhang@example.gov.cn", "shuji@example.gov.cn",
                                             "jiwei@example.gov.cn"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(letter.recipients.split("\n"))
    sent = mail.outbox[0]
    assert sent.subject.startswith("【督办函】青整督〔2027〕1号")
    assert sent.attachments[0][0].endswith(".docx") and "/letters/ack/" in sent.body
    assert letters.issue_due(on=D(2027, 2, 26)) == []  # the same items: no second letter at that level


def test_numbers_count_per_organisation_kind_and_year(county):
    _organisation, unit, _liaison, leader = county
    items = overdue_items(unit, leader, n=3)
    first = letters.issue(unit=unit, measures=items[:1], level=None, document="supervision", on=D(2027, 3, 1))
    second = letters.issue(unit=unit, measures=items[1:2], level=None, document="supervision", on=D(2027, 3, 2))
    warning = letters.issue(unit=unit, measures=items[2:], level=None, document="warning", on=D(2027, 3, 2))
    next_year = letters.issue(unit=unit, measures=items[2:], level=None, document="supervision", on=D(2028, 1, 5))
    assert [first.number, second.number, warning.number, next_year.number] == [
        "青整督〔2027〕1号", "青整督〔2027〕2号", "青整预〔2027〕1号", "青整督〔2028〕1号"]


def test_a_supervisor_issues_by_hand_only_items_they_supervise(county, supervisor):
    from django.core.exceptions import PermissionDenied

    organisation, unit, liaison, leader = county
    items = overdue_items(unit, leader)
    with pytest.raises(PermissionDenied):
        letters.issue(unit=unit, measures=items, level=None, document="supervision", on=D(2027, 3, 1), by=liaison)
    from accounts.models import OrganisationMembership

    OrganisationMembership.objects.create(user=supervisor, organisation=organisation)
    letter = letters.issue(unit=unit, measures=items[:1], level=None, document="supervision", on=D(2027, 3, 1),
                           by=supervisor)
    assert letter.issued_by == supervisor


def test_the_unit_acknowledges_and_answers_with_evidence(county, client):
    _organisation, unit, liaison, leader = county
    letter = letters.issue(unit=unit, measures=overdue_items(unit, leader), level=None, document="supervision",
                           on=D(2027, 3, 1))
    client.force_login(liaison)
    page = client.get(f"/letters/{letter.pk}/")
    assert page.status_code == 200 and "青整督〔2027〕1号" in page.content.decode()
    client.post(f"/letters/{letter.pk}/", {"action": "acknowledge"})
    letter.refresh_from_db()
    assert letter.state == Letter.State.ACKNOWLEDGED and letter.acknowledged_by == liaison

    refused = client.post(f"/letters/{letter.pk}/", {"reply": "  "})
    assert refused.status_code == 400
    evidence = SimpleUploadedFile("验收.pdf", b"%PDF-1.4 test", "application/pdf")
    client.post(f"/letters/{letter.pk}/", {"reply": "已完成两项整改,附验收材料。", "files": evidence})
    letter.refresh_from_db()
    assert letter.state == Letter.State.ANSWERED and letter.reply.startswith("已完成")
    assert letter.evidence.get().original_name == "验收.pdf"
    assert letters.escalate_overdue(on=D(2027, 3, 30)) == []  # answered: it does not climb
    # The page links the file through a scoped download, not public media.
    href = f"/letters/evidence/{letter.evidence.get().pk}/"
    assert href in client.get(f"/letters/{letter.pk}/").content.decode()
    download = client.get(href)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"


def test_another_unit_cannot_see_or_answer_the_letter(county, client, other_staff):
    _organisation, unit, liaison, leader = county
    letter = letters.issue(unit=unit, measures=overdue_items(unit, leader), level=None, document="supervision",
                           on=D(2027, 3, 1))
    letters.answer(letter=letter, by=liaison, reply="已整改。",
                   files=[SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 x", "application/pdf")])
    client.force_login(other_staff)
    assert client.get(f"/letters/{letter.pk}/").status_code == 404
    assert client.post(f"/letters/{letter.pk}/", {"action": "acknowledge"}).status_code == 404
    assert client.get(f"/letters/evidence/{letter.evidence.get().pk}/").status_code == 404


def test_signed_link_in_the_mail_acknowledges_on_post_only(county, client):
    _organisation, unit, liaison, leader = county
    letter = letters.issue(unit=unit, measures=overdue_items(unit, leader), level=None, document="supervision",
                           on=D(2027, 3, 1))
    path = letters.ack_url(letter, "liaison@example.gov.cn").removeprefix("https://zg.example.gov.cn")
    assert client.get(path).status_code == 200
    assert Letter.objects.get(pk=letter.pk).state == Letter.State.ISSUED  # a link scanner acknowledges nothing
    client.post(path)
    letter.refresh_from_db()
    assert letter.state == Letter.State.ACKNOWLEDGED and letter.acknowledged_by == liaison
    assert client.get(path[:-3] + "xyz/").status_code == 404


def test_an_unanswered_letter_past_its_reply_deadline_climbs_one_level(county):
    _organisation, unit, _liaison, leader = county
    items = overdue_items(unit, leader)
    levels.refresh(on=D(2027, 2, 25))
    (letter,) = letters.issue_due(on=D(2027, 2, 25))
    assert letters.escalate_overdue(on=D(2027, 3, 4)) == []  # reply due today: not yet
    (higher,) = letters.escalate_overdue(on=D(2027, 3, 5))
    letter.refresh_from_db()
    assert letter.state == Letter.State.ESCALATED and letter.escalated_to == higher
    assert higher.number == "青整督〔2027〕2号" and set(higher.measures.all()) == set(items)
    assert letters.escalate_overdue(on=D(2027, 3, 5)) == []  # once


def test_the_mail_link_of_an_escalated_letter_says_so_and_points_to_the_new_one(county, client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    _organisation, unit, liaison, leader = county
    overdue_items(unit, leader)
    levels.refresh(on=D(2027, 2, 25))
    (letter,) = letters.issue_due(on=D(2027, 2, 25))
    (higher,) = letters.escalate_overdue(on=D(2027, 3, 5))
    path = letters.ack_url(letter, liaison.email).removeprefix("https://zg.example.gov.cn")
    page = client.get(path).content.decode()
    assert "已升级" in page and higher.number in page and "签收</button>" not in page
    refused = client.post(path)
    assert refused.status_code == 400 and "请签收新的函件" in refused.content.decode()
    assert Letter.objects.get(pk=letter.pk).acknowledged_at is None
    invalid = client.get(path[:-3] + "xyz/")
    assert invalid.status_code == 404 and "链接无效" in invalid.content.decode()


def test_the_docx_is_an_official_document_with_number_items_and_reply_date(county):
    from docx import Document

    _organisation, unit, _liaison, leader = county
    items = overdue_items(unit, leader)
    letter = letters.issue(unit=unit, measures=items, level=None, document="supervision", on=D(2027, 3, 1))
    document = Document(io.BytesIO(letters.letter_docx(letter)))
    texts = [p.text for p in document.paragraphs]
    assert texts[:4] == ["青禾县整改工作办公室", "青整督〔2027〕1号", "关于县住建局整改事项的督办函", "县住建局："]
    assert "2027年3月8日前" in texts[4] and items[0].text in texts[5]
    assert document.sections[0].top_margin.cm == pytest.approx(3.7, abs=0.01)
    assert document.paragraphs[1].runs[0].font.name == "仿宋_GB2312"


def test_the_item_page_names_the_letters_about_it(county, client):
    _organisation, unit, liaison, leader = county
    items = overdue_items(unit, leader)
    letter = letters.issue(unit=unit, measures=items, level=None, document="supervision", on=D(2027, 3, 1))
    client.force_login(liaison)
    page = client.get(f"/items/{items[0].pk}/").content.decode()
    assert letter.number in page and f"/letters/{letter.pk}/" in page


def test_the_letter_says_how_its_items_stand_and_what_it_does(county):
    _organisation, unit, _liaison, leader = county
    overdue = overdue_items(unit, leader, n=1)
    coming = overdue_items(unit, leader, n=1, deadline=D(2027, 3, 20))
    mixed = letters.issue(unit=unit, measures=overdue + coming, level=None, document="warning", on=D(2027, 3, 1))
    body = dict(enumerate(text for _style, text in letters.letter_paragraphs(mixed)))
    assert "以下2项整改事项中，1项已逾期、1项临近完成时限，现予预警。" in body[4]
    assert "完成时限2027年3月20日）" in body[6]  # no leading zeros in the dates
    early = letters.issue(unit=unit, measures=coming, level=None, document="supervision", on=D(2027, 3, 1))
    assert "临近完成时限，现予督办。" in letters.letter_paragraphs(early)[4][1]
