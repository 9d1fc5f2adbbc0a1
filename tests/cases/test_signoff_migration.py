"""Cases that needed N signatures before chains get an equivalent chain of N 整改办 steps, and an
item waiting half-way keeps its place."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Walking the whole migration graph back to 0006 and forward again: on SQLite the reverse of the
# merged graph's table rebuilds trips over columns already dropped, so this runs in the PostgreSQL
# pass of `make test`, where unapplying is plain ALTER TABLE.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

BEFORE = [("cases", "0006_working_day_calendar"), ("accounts", "0004_groups_for_organisations")]


def test_signoffs_required_becomes_an_equivalent_chain():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organisation = apps.get_model("accounts", "Organisation")
    Unit = apps.get_model("accounts", "Unit")
    User = apps.get_model("accounts", "User")
    Case = apps.get_model("cases", "Case")
    Issue = apps.get_model("cases", "Issue")
    Measure = apps.get_model("cases", "Measure")
    ProgressUpdate = apps.get_model("cases", "ProgressUpdate")
    SignOff = apps.get_model("cases", "SignOff")
    org = Organisation.objects.create(name="迁移县", path="/1/")
    unit = Unit.objects.create(organisation=org, name="县财政局", path="/1/")
    staff = User.objects.create(username="m_staff")
    signer = User.objects.create(username="m_sup")
    four = Case.objects.create(organisation=org, title="四签案件", inspected_body="县委", signoffs_required=4)
    one = Case.objects.create(organisation=org, title="一签案件", inspected_body="县委", signoffs_required=1)
    issue = Issue.objects.create(case=four, title="问题", path="/1/")
    waiting = Measure.objects.create(case=four, issue=issue, text="措施", lead_unit=unit, state="submitted",
                                     deadline="2026-06-30", signoff_round=1)
    ProgressUpdate.objects.create(measure=waiting, author=staff, action="submit", note="申请", from_state="phased",
                                  to_state="submitted")
    SignOff.objects.create(measure=waiting, by=signer, decision="approve", round=1)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from cases.models import Case as NowCase
    from cases.models import Measure as NowMeasure

    chain = NowCase.objects.get(pk=four.pk).signoff_chain
    assert chain.name == "4签（整改办）"
    assert list(chain.steps.order_by("position").values_list("position", "signer")) == [
        (n, "org_supervisors") for n in range(1, 5)]
    assert NowCase.objects.get(pk=one.pk).signoff_chain is None
    measure = NowMeasure.objects.get(pk=waiting.pk)
    assert (measure.signoff_step, measure.signoff_requested_by_id) == (2, staff.pk)
    assert measure.signoff_requested_on is not None
