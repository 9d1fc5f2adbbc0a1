"""The calendar in the admin (paste → preview → confirm, errors) and the "not known yet" banner."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from cases.calendar.models import CalendarDay, CalendarYear
from tests import factories

from .holiday_notices import NOTICE_2027

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
IMPORT = reverse("admin:cases_calendarday_import")
TODAY = datetime.datetime(2026, 12, 2, 10, tzinfo=SHANGHAI)


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(role="admin")


@pytest.fixture
def zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def test_preview_lists_the_days_and_writes_nothing(client, supervisor):
    client.force_login(supervisor)
    response = client.post(IMPORT, {"text": NOTICE_2027, "_preview": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2027-02-20" in page and "2027-10-09" in page and 'name="_confirm"' in page
    assert "新增 34 天" in page
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_confirm_writes_the_days_and_a_second_import_changes_nothing(client, supervisor):
    client.force_login(supervisor)
    response = client.post(IMPORT, {"text": NOTICE_2027, "_confirm": "1"}, follow=True)
    assert CalendarDay.objects.count() == 34
    assert CalendarDay.objects.get(date=datetime.date(2027, 2, 8)).entered_by == supervisor
    assert CalendarYear.objects.get(year=2027).complete
    assert response.redirect_chain[-1][0].startswith(reverse("admin:cases_calendarday_changelist"))
    again = client.post(IMPORT, {"text": NOTICE_2027, "_preview": "1"}).content.decode()
    assert "新增 0 天，修改 0 天，无变化 34 天，删除 0 天" in again  # the default language
    client.post(IMPORT, {"text": NOTICE_2027, "_confirm": "1"})
    assert CalendarDay.objects.count() == 34


def test_bad_notice_gives_the_reason_in_chinese_and_writes_nothing(zh, supervisor):
    zh.force_login(supervisor)
    bad = NOTICE_2027.replace("2月20日（周六）", "2月20日（周日）")
    for step in ("_preview", "_confirm"):
        page = zh.post(IMPORT, {"text": bad, step: "1"}).content.decode()
        assert "无法导入该通知" in page and "2027-02-20 是星期六，不是通知所写的星期日" in page
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_a_notice_cut_short_in_the_copying_is_refused(zh, supervisor):
    # Only 元旦 made it into the paste: importing it would mark 2027 complete with 3 days.
    zh.force_login(supervisor)
    cut = NOTICE_2027[:NOTICE_2027.index("二、")]
    for step in ("_preview", "_confirm"):
        page = zh.post(IMPORT, {"text": cut, step: "1"}).content.decode()
        assert "无法导入该通知" in page and "春节、清明节、劳动节、端午节、中秋节、国庆节" in page
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_bad_notice_gives_the_reason_in_english(client, supervisor):
    client.cookies["django_language"] = "en"
    client.force_login(supervisor)
    page = client.post(IMPORT, {"text": "一、元旦：1月1日放假。", "_preview": "1"}).content.decode()
    assert "This notice cannot be imported" in page and "was not found" in page
    assert "Paste the text of the notice." in client.post(IMPORT, {"text": "", "_preview": "1"}).content.decode()


def test_staff_cannot_import(client, staff):
    client.force_login(staff)
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"text": NOTICE_2027, "_confirm": "1"}).status_code == 403
    assert not CalendarDay.objects.exists()


def test_a_day_edited_by_hand_records_who_and_counts_as_manual(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:cases_calendarday_add"),
                           {"date": "2027-03-08", "kind": "holiday", "name": "本地假日"})
    assert response.status_code == 302
    row = CalendarDay.objects.get()
    assert (row.source, row.entered_by) == ("manual", admin_user)
    assert client.get(reverse("admin:cases_calendarday_changelist")).status_code == 200
    assert client.get(reverse("admin:cases_calendaryear_changelist")).status_code == 200


# --- The banner --------------------------------------------------------------------------


BANNER_ZH = "2027 年的工作日安排尚未录入"


@pytest.mark.parametrize("url", [reverse("admin:index"), reverse("cases:dashboard")])
def test_banner_shows_for_the_coming_unknown_year_and_goes_once_it_is_imported(zh, supervisor, url):
    zh.force_login(supervisor)
    with time_machine.travel(TODAY, tick=False):
        page = zh.get(url).content.decode()
        assert BANNER_ZH in page and IMPORT in page
        zh.post(IMPORT, {"text": NOTICE_2027, "_confirm": "1"})
        assert BANNER_ZH not in zh.get(url).content.decode()


def test_banner_is_in_english_too(client, admin_user):
    client.cookies["django_language"] = "en"
    client.force_login(admin_user)
    with time_machine.travel(TODAY, tick=False):
        assert "The working days of 2027 are not known yet." in client.get(reverse("admin:index")).content.decode()


def test_banner_waits_until_the_configured_weeks_before_new_year(zh, supervisor, settings):
    zh.force_login(supervisor)
    settings.CALENDAR_WARN_WEEKS = 4  # from 2026-12-04
    with time_machine.travel(TODAY, tick=False):
        assert BANNER_ZH not in zh.get(reverse("admin:index")).content.decode()
    with time_machine.travel(TODAY + datetime.timedelta(days=2), tick=False):
        assert BANNER_ZH in zh.get(reverse("admin:index")).content.decode()
    with time_machine.travel(datetime.datetime(2026, 11, 1, 10, tzinfo=SHANGHAI), tick=False):
        settings.CALENDAR_WARN_WEEKS = 8  # from 2026-11-06
        assert BANNER_ZH not in zh.get(reverse("admin:index")).content.decode()


def test_banner_names_the_current_year_when_it_is_unknown(zh, supervisor):
    with time_machine.travel(datetime.datetime(2027, 3, 1, 10, tzinfo=SHANGHAI), tick=False):
        zh.force_login(supervisor)
        assert BANNER_ZH in zh.get(reverse("admin:index")).content.decode()


def test_staff_do_not_see_the_banner(zh, staff):
    zh.force_login(staff)
    with time_machine.travel(TODAY, tick=False):
        page = zh.get(reverse("admin:index")).content.decode()
    assert page and BANNER_ZH not in page
