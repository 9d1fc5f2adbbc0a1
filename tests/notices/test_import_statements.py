"""A notice import writes in bulk: its statements do not grow with the number of measures."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Measure, ProgressUpdate
from cases.states import State
from notices.importer import import_notice
from notices.parser import parse_file
from tests.notices.import_helpers import notice_path

pytestmark = pytest.mark.django_db


def test_it_imports_148_measures_in_a_few_dozen_statements():
    parsed = parse_file(notice_path("leizhou-2021.txt"))
    with CaptureQueriesContext(connection) as queries:
        result = import_notice(parsed)
    measures = Measure.objects.filter(case=result.case)
    assert measures.count() == len(parsed.measures()) == 148
    # Before cases.tree this was 3,116 statements (21 per measure).
    assert len(queries) <= 60
    # Every measure has its creation in the history, and every reported state its progress row.
    assert Measure.history.filter(case_id=result.case.pk, history_type="+").count() == 148
    reported = measures.exclude(state=State.PLANNED)
    assert ProgressUpdate.objects.filter(measure__in=reported, source_notice=result.notice).count() == \
        reported.count()
