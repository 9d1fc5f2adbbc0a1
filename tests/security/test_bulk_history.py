"""Rows written in bulk have their history: the tree writer records issues it creates (and the
existing ones it moves), and `backfill_history` gives every row that has no record a "created"
one, with its many-to-many rows, once."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from accounts.history import backfill_history, missing_history, tracked_models
from accounts.models import Unit, User
from cases.models import Issue, Measure
from cases.tree import TreeWriter
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_tree_writer_records_the_issues_it_creates_and_moves(case, unit, supervisor):
    first = factories.IssueFactory(case=case, kind=Issue.Kind.GROUP, title="方面一", position=1)
    second = factories.IssueFactory(case=case, kind=Issue.Kind.GROUP, title="方面二", position=2)
    writer = TreeWriter(case, by=supervisor, reason="台账导入")
    new = writer.add_issue(parent=first, label="1.", title="新问题")  # goes between the two groups
    writer.add_measure(issue=new, text="新措施", lead_unit=unit, deadline=datetime.date(2026, 6, 30))
    writer.write()
    created = Issue.history.get(id=new.issue.pk)
    assert (created.history_type, created.history_user, created.history_change_reason) == ("+", supervisor, "台账导入")
    assert (created.title, created.position, created.path) == ("新问题", 2, new.issue.path)
    moved = Issue.history.filter(id=second.pk).latest("history_id")
    assert (moved.history_type, moved.position, moved.history_change_reason) == ("~", 3, "台账导入")
    assert not missing_history(Issue).exists()


def test_backfill_writes_a_created_record_for_rows_bulk_inserted_without_one(case, unit, staff):
    other = factories.UnitFactory()
    issue = factories.IssueFactory(case=case)
    [bare_unit] = Unit.objects.bulk_create([Unit(organisation=unit.organisation, name="批量单位", path="/tmp/")])
    [bare_measure] = Measure.objects.bulk_create([Measure(
        case=case, issue=issue, text="批量措施", lead_unit=unit, deadline=datetime.date(2026, 6, 30), position=99)])
    bare_measure.supporting_units.add(other)  # the m2m signal writes no record for a row without history
    Measure.history.filter(id=bare_measure.pk).delete()
    assert set(missing_history(Measure)) == {bare_measure} and bare_unit in missing_history(Unit)

    written = backfill_history(batch_size=1)
    assert written["cases.Measure"] == 1 and written["accounts.Unit"] >= 1
    record = Measure.history.get(id=bare_measure.pk)
    assert (record.history_type, record.history_change_reason, record.text) == ("+", "backfill", "批量措施")
    assert list(record.supporting_units.values_list("unit_id", flat=True)) == [other.pk]
    assert Unit.history.get(id=bare_unit.pk).name == "批量单位"
    # Rows that had history keep exactly what they had.
    assert Unit.history.filter(id=other.pk).count() == 1
    assert backfill_history() == {}
    assert not any(missing_history(model).exists() for model in tracked_models())


def test_backfill_keeps_a_persons_role_groups_in_the_record(staff):
    User.history.filter(id=staff.pk).delete()
    backfill_history()
    record = User.history.get(id=staff.pk)
    assert list(record.groups.values_list("group__name", flat=True)) == ["staff"]


def test_the_command_says_what_it_wrote(unit, capsys):
    Unit.history.filter(id=unit.pk).delete()
    call_command("backfill_history")
    assert "accounts.Unit: 1 history records written" in capsys.readouterr().out
    call_command("backfill_history")
    assert "Every tracked row has its history." in capsys.readouterr().out


def test_the_imports_change_reasons_read_in_the_readers_language(client, case, unit, supervisor, rectify_admin):
    """The tree writer stores an import's reason as a key and its file; the history page says it
    in the reader's language, whoever imported (accounts.change_reasons)."""
    from django.urls import reverse

    from accounts import change_reasons
    from cases import lognotes

    issue = factories.IssueFactory(case=case)
    writer = TreeWriter(case, by=supervisor, reason=change_reasons.stored(lognotes.LEDGER_IMPORT, "台账.xlsx"))
    new = writer.add_measure(issue=issue, text="新措施", lead_unit=unit, deadline=datetime.date(2026, 6, 30))
    writer.write()
    assert Measure.history.get(id=new.measure.pk).history_change_reason == "ledger_import|台账.xlsx"
    client.force_login(rectify_admin)
    url = reverse("admin:cases_measure_history", args=[new.measure.pk])
    assert "Ledger import: 台账.xlsx" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "台账导入:台账.xlsx" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert change_reasons.render("台账导入") == "台账导入"  # free text as it is
