"""Outcome figures proposed from a notice at import: shown in the preview, recorded only when kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.outcomes.models import OutcomeFigure
from notices.importer import import_notice, preview_notice
from notices.parser import parse_text

NOTICE = """中共测试县委关于省委第一巡视组巡视反馈意见整改进展情况的通报

根据省委统一部署,2025年3月1日至5月10日,省委第一巡视组对测试县进行了巡视。2025年7月10日,省委第一巡视组向测试县反馈了巡视意见。

一、组织整改落实情况

县委高度重视。

二、巡视反馈问题整改落实情况

(一)关于落实全面从严治党责任方面

1.违规发放津补贴问题。一是开展专项清理,追缴违规发放资金356.7万元,已全部整改到位。二是严肃追责问责,给予党纪政务处分12人、组织处理5人,已全部整改到位。

2.制度不健全问题。一是建立完善制度23项,正按计划推进。

三、下一步工作打算

持续巩固整改成果。

中共测试县委
2025年12月20日
"""


@pytest.fixture
def parsed():
    return parse_text(NOTICE)


def test_the_preview_proposes_the_figures(db, parsed):
    plan = preview_notice(parsed)
    words = [p["words"] for p in plan.as_dict()["outcome_proposals"]]
    assert words == ["追缴356.7万元", "党纪政务处分12人", "组织处理5人", "制定制度23项"]


def test_only_the_kept_figures_are_recorded_on_the_import_entries(db, parsed, rectify_admin):
    plan = preview_notice(parsed)
    keys = [p["key"] for p in plan.as_dict()["outcome_proposals"] if p["words"] != "组织处理5人"]
    result = import_notice(parsed, by=rectify_admin, outcomes=keys)
    figures = OutcomeFigure.objects.filter(measure__case=result.case)
    assert sorted(figures.values_list("kind", flat=True)) == ["discipline", "recovered", "rule_made"]
    assert all(f.source == "notice" and f.progress.source_notice_id == result.notice.pk for f in figures)


def test_nothing_is_recorded_without_confirmation(db, parsed, rectify_admin):
    import_notice(parsed, by=rectify_admin)
    assert not OutcomeFigure.objects.exists()


def test_the_admin_preview_shows_them_and_the_confirm_keeps_the_ticked(client, db, rectify_admin):
    client.force_login(rectify_admin)
    url = reverse("admin:notices_notice_import")
    preview = client.post(url, {"text": NOTICE, "_preview": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert preview.status_code == 200, preview.content.decode()[:2000]
    proposals = preview.context["outcome_proposals"]
    assert proposals[0].words == "追缴356.7万元"
    done = client.post(url, {"_confirm": "1", "content_hash": preview.context["plan"].content_hash,
                             "outcome": [proposals[0].key], "accept_overdue": "1"})
    assert done.status_code == 302
    assert list(OutcomeFigure.objects.values_list("kind", flat=True)) == ["recovered"]


def test_the_api_dry_run_lists_proposals_and_the_import_keeps_the_chosen(db, rectify_admin):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(rectify_admin)
    preview = api.post("/api/v1/notices/import/", {"text": NOTICE, "dry_run": True}, format="json").json()
    proposals = preview["preview"]["outcome_proposals"]
    assert [p["words"] for p in proposals][:2] == ["追缴356.7万元", "党纪政务处分12人"]
    done = api.post("/api/v1/notices/import/", {"text": NOTICE, "outcomes": [proposals[1]["key"]],
                                                 "content_hash": preview["preview"]["content_hash"]}, format="json")
    assert done.status_code == 201, done.json()
    assert list(OutcomeFigure.objects.values_list("kind", "count")) == [("discipline", 12)]
    bad = api.post("/api/v1/notices/import/", {"text": NOTICE + "。", "outcomes": ["x"]}, format="json")
    assert bad.status_code == 400
