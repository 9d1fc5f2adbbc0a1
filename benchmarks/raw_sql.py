"""The overdue-measure page computed the fastest way we know: one hand-written SQL query
through psycopg, rows turned into the API's JSON with json.dumps.

This is the limit the API is measured against (benchmarks/run prints `api/raw`). It builds
the same page as `GET /api/v1/measures/?overdue_on=…&ordering=deadline` for a supervisor:
the same keys, the same nested shapes, the same date formats.
"""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

SQL = """
SELECT m.id, m.version, c.id, c.title, i.id, i.label, i.title, m.label, m.text, m.kind,
       ll.id, ll.name, ll.username, m.responsible_person, u.id, u.name,
       (SELECT coalesce(json_agg(json_build_object('id', su.id, 'name', su.name) ORDER BY su.path), '[]')
          FROM cases_measure_supporting_units ms JOIN accounts_unit su ON su.id = ms.unit_id
         WHERE ms.measure_id = m.id),
       m.deadline, m.original_deadline, m.state, m.last_progress_at, m.completed_at, m.updated_at,
       lv.id, lv.name, lv.rank, lv.colour, lv.document, m.urging_level_since,
       (SELECT count(*) FROM cases_measure WHERE state <> 'completed' AND deadline < %(on)s
           AND NOT (state = 'submitted' AND signoff_requested_on IS NOT NULL
                    AND signoff_requested_on <= deadline))
  FROM cases_measure m
  JOIN cases_case c ON c.id = m.case_id
  JOIN cases_issue i ON i.id = m.issue_id
  JOIN accounts_unit u ON u.id = m.lead_unit_id
  LEFT JOIN accounts_user ll ON ll.id = m.lead_leader_id
  LEFT JOIN cases_ladderlevel lv ON lv.id = m.urging_level_id
 WHERE m.state <> 'completed' AND m.deadline < %(on)s
   -- asked for sign-off on time and waiting: the supervisors' lag, not overdue (cases.models)
   AND NOT (m.state = 'submitted' AND m.signoff_requested_on IS NOT NULL AND m.signoff_requested_on <= m.deadline)
 ORDER BY m.deadline, m.id
 LIMIT %(limit)s OFFSET %(offset)s
"""


def _datetime(value: datetime.datetime | None, tz) -> str | None:
    # As DRF writes it: ISO 8601 in the current time zone, "Z" for UTC.
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def overdue_page(conn, *, on: datetime.date, tz, labels: dict, base_url: str, page: int = 1,
                 page_size: int = 50) -> str:
    """One page of overdue measures as the API's JSON text. `labels` maps kinds and states to
    their translated names (constants, computed once by the caller)."""
    with conn.cursor() as cur:
        cur.execute(SQL, {"on": on, "limit": page_size, "offset": (page - 1) * page_size})
        rows = cur.fetchall()
    total = rows[0][-1] if rows else 0
    results = []
    for (pk, version, case_id, case_title, issue_id, issue_label, issue_title, label, text, kind, leader_id,
         leader_name, leader_username, responsible_person, unit_id, unit_name, supporting, deadline,
         original_deadline, state, last_progress_at, completed_at, updated_at, level_id, level_name, level_rank,
         level_colour,
         level_document, level_since, _total) in rows:
        days = (on - deadline).days
        results.append({
            "id": pk, "version": version,
            "case": {"id": case_id, "title": case_title},
            "issue": {"id": issue_id, "label": issue_label, "title": issue_title},
            "label": label, "text": text, "kind": kind, "kind_display": labels["kind"][kind],
            "lead_leader": {"id": leader_id, "name": leader_name or leader_username} if leader_id else None,
            "responsible_person": responsible_person,
            "lead_unit": {"id": unit_id, "name": unit_name},
            "supporting_units": supporting,
            "deadline": deadline.isoformat(),
            "original_deadline": original_deadline.isoformat() if original_deadline else None,
            "state": state, "state_display": labels["state"][state],
            "is_overdue": days > 0, "days_overdue": max(days, 0),
            "last_progress_at": _datetime(last_progress_at, tz), "completed_at": _datetime(completed_at, tz),
            "updated_at": _datetime(updated_at, tz),
            "urging_level": None if level_id is None or state == "completed" else {
                "id": level_id, "name": level_name, "rank": level_rank, "colour": level_colour,
                "document": level_document, "since": level_since.isoformat() if level_since else None},
        })
    query = {"overdue_on": on.isoformat(), "ordering": "deadline"}
    last_page = max(1, -(-total // page_size))
    body = {
        "count": total,
        "next": f"{base_url}?{urlencode({**query, 'page': page + 1})}" if page < last_page else None,
        "previous": (None if page == 1 else f"{base_url}?{urlencode(query)}" if page == 2
                     else f"{base_url}?{urlencode({**query, 'page': page - 1})}"),
        "results": results,
    }
    return json.dumps(body, ensure_ascii=False)
