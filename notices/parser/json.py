"""JSON-serialisable form of a parsed notice (dates as ISO strings, missing values as null).

The shape is a contract with the importer, the API and the snapshot tests: keys are only
ever added, never renamed, and :data:`notices.parser.PARSER_VERSION` changes whenever the
same text would parse to different data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from notices.parser.model import IssueNode, Measure, ParsedNotice


def notice_to_dict(notice: ParsedNotice) -> dict[str, Any]:
    header = notice.header
    problems = notice.problems()
    return {
        "parser_version": notice.parser_version,
        "content_hash": notice.content_hash,
        "source_format": notice.source_format,
        "title": header.title,
        "issuer": header.issuer,
        "signed_by": header.signed_by,
        "signed_on": _iso(header.signed_on),
        "published_on": _iso(header.published_on),
        "inspection_team": header.inspection_team,
        "inspected_body": header.inspected_body,
        "inspection_start": _iso(header.inspection_start),
        "inspection_end": _iso(header.inspection_end),
        "feedback_on": _iso(header.feedback_on),
        "special_checks": list(header.special_checks),
        "declared": dict(header.declared),
        "contact": {
            "phone": header.contact.phone,
            "email": header.contact.email,
            "address": header.contact.address,
            "postcode": header.contact.postcode,
            "phones": list(header.contact.phones),
        },
        "counts": {
            "levels": notice.level_counts(),
            "problems": len(problems),
            "measures": len(notice.measures()),
        },
        "warnings": [
            {"code": warning.code, "message": warning.message, "line": warning.line,
             "template": warning.template, "params": dict(warning.params)}
            for warning in notice.warnings
        ],
        "sections": [
            {"label": s.label, "title": s.title, "role": s.role, "line": s.line, "text": s.text}
            for s in notice.sections
        ],
        "issues": [node_to_dict(node) for node in notice.issues],
    }


def node_to_dict(node: IssueNode) -> dict[str, Any]:
    return {
        "label": node.label,
        "level": node.level,
        "kind": node.kind,
        "number": node.number,
        "style": node.style,
        "line": node.line,
        "title": node.title,
        "text": node.text,
        "proposed_state": node.proposed_state,
        "measures": [measure_to_dict(measure) for measure in node.measures],
        "children": [node_to_dict(child) for child in node.children],
    }


def measure_to_dict(measure: Measure) -> dict[str, Any]:
    return {
        "label": measure.label,
        "line": measure.line,
        "text": measure.text,
        "proposed_state": measure.proposed_state,
        "state_phrase": measure.state_phrase,
        "state_basis": measure.state_basis,
        "state_phrases": list(measure.state_phrases),
        "numbers": [{"value": n.value, "unit": n.unit, "phrase": n.phrase} for n in measure.numbers],
        "deadline": _iso(measure.deadline),
        "deadline_phrase": measure.deadline_phrase,
        "long_term": measure.long_term,
        "units": list(measure.units),
        "support_units": list(measure.support_units),
        "leader": measure.leader,
        "fields": dict(measure.fields),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
