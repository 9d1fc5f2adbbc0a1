"""The admin as a newcomer meets it: the index in working order, "view on site" going to the
site, the 已逾期 filter sorted by days overdue, lists readable at 1366 px, buttons in their own
case, and a ledger title that does not say 整改 twice."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cases import ledger
from cases.models import Case, Measure
from cases.states import State
from tests import factories


@pytest.fixture
def admin_client(client, rectify_admin):
    client.force_login(rectify_admin)
    return client


def test_the_index_lists_the_work_first_and_the_machinery_last(admin_client, db):
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[0] == "cases"
    assert labels.index("cases") < labels.index("notices") < labels.index("accounts")
    for machinery in ("django_celery_beat", "axes"):
        if machinery in labels:
            assert labels.index(machinery) > labels.index("accounts")
    cases = next(app for app in response.context["app_list"] if app["app_label"] == "cases")
    assert [m["object_name"] for m in cases["models"]][:3] == ["Case", "Issue", "Measure"]


def test_view_on_site_of_a_case_goes_to_its_items_not_back_to_the_admin(admin_client, case):
    response = admin_client.get(reverse("admin:cases_case_change", args=[case.pk]))
    html = response.content.decode()
    target = reverse("admin:view_on_site", args=[response.context["content_type_id"], case.pk])
    assert target in html
    landing = admin_client.get(target)
    assert landing.status_code == 302
    assert landing["Location"].endswith(reverse("cases:items") + f"?case={case.pk}")
    assert admin_client.get(landing["Location"]).status_code == 200


def test_view_on_site_of_a_measure_is_its_item_page(admin_client, measure):
    html = admin_client.get(reverse("admin:cases_measure_change", args=[measure.pk])).content.decode()
    assert f'href="{reverse("cases:measure-detail", args=[measure.pk])}"' in html


def test_the_overdue_filter_lists_the_longest_overdue_first(admin_client, unit, case):
    today = datetime.date.today()
    days = [3, 40, 12, 1]
    for n in days:
        factories.MeasureFactory(lead_unit=unit, issue__case=case, state=State.IN_PROGRESS,
                                 deadline=today - datetime.timedelta(days=n), text=f"逾期{n}天的措施")
    response = admin_client.get(reverse("admin:cases_measure_changelist") + "?due=overdue")
    changelist: ChangeList = response.context["cl"]
    assert [m.days_overdue() for m in changelist.result_list] == sorted(days, reverse=True)
    # Sorting by the column: ascending days overdue is what the arrow says.
    column = changelist.list_display.index("overdue_days")
    ascending = admin_client.get(reverse("admin:cases_measure_changelist") + f"?due=overdue&o={column}")
    assert [m.days_overdue() for m in ascending.context["cl"].result_list] == sorted(days)


def test_measure_list_columns_have_room_at_a_laptops_width(admin_client, measure):
    html = admin_client.get(reverse("admin:cases_measure_changelist")).content.decode()
    assert "css/admin.css" in html and "nav-sidebar" not in html
    css = (Path(settings.BASE_DIR) / "static/css/admin.css").read_text()
    assert re.search(r"\.field-measure_text \{ min-width: 1\de", css)
    assert "text-transform: none" in css  # "下载 Word(.docx)" keeps its case


@pytest.mark.parametrize(("title", "expected"), [
    ("关于巡察反馈意见整改", "关于巡察反馈意见整改台账"),
    ("关于巡察反馈意见整改落实情况", "关于巡察反馈意见整改落实情况台账"),
    ("市委第三巡察组反馈意见", "市委第三巡察组反馈意见整改台账"),
])
def test_the_ledger_title_says_zhenggai_once(title, expected):
    assert ledger.ledger_title(Case(title=title)) == expected
    assert ledger.ledger_title(None) == "整改台账"


def test_an_exported_ledger_has_the_title_and_finds_its_case_by_it(supervisor, unit):
    case = factories.CaseFactory(title="关于巡察反馈意见整改")
    factories.MeasureFactory(lead_unit=unit, issue__case=case)
    stream = io.BytesIO()
    ledger.write_ledger_xlsx(Measure.objects.filter(case=case), stream)
    sheet = load_workbook(io.BytesIO(stream.getvalue()))["整改台账"]
    assert sheet["A1"].value == "关于巡察反馈意见整改台账"
    # A file whose ID column is empty is matched to its case by that title.
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=1)]
    for row in rows[2:]:
        row[0] = None
    workbook = Workbook()
    target = workbook.active
    target.title = "整改台账"
    for row in rows:
        target.append(row)
    out = io.BytesIO()
    workbook.save(out)
    assert ledger.read_ledger(out.getvalue(), file_name="a.xlsx", user=supervisor).case == case
