"""JSON-serialisable form of a parsed notice (dates as ISO strings, missing values as null).

The shape is a contract with the importer, the API and the snapshot tests: keys are only
ever added, never renamed, and :data:`notices.parser.PARSER_VERSION` changes whenever the
same text would parse to different data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from notices.parser.model import (
    Contact,
    IssueNode,
    Measure,
    NoticeHeader,
    NumberMention,
    ParsedNotice,
    ParseWarning,
    Section,
)


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


def notice_from_dict(data: dict[str, Any], text: str = "") -> ParsedNotice:
    """The parsed notice `notice_to_dict` wrote (a background check's result, read back for the
    admin's preview and confirm without parsing the file again). Derived keys (counts, rendered
    warning messages) are recomputed, not read; the normalised text is not part of the form, so
    `text` is empty unless given."""
    contact = data.get("contact") or {}
    header = NoticeHeader(
        title=data.get("title"), issuer=data.get("issuer"), signed_by=data.get("signed_by"),
        published_on=_date(data.get("published_on")), signed_on=_date(data.get("signed_on")),
        inspection_team=data.get("inspection_team"), inspected_body=data.get("inspected_body"),
        inspection_start=_date(data.get("inspection_start")), inspection_end=_date(data.get("inspection_end")),
        feedback_on=_date(data.get("feedback_on")), special_checks=list(data.get("special_checks") or []),
        declared=dict(data.get("declared") or {}),
        contact=Contact(phone=contact.get("phone"), email=contact.get("email"), address=contact.get("address"),
                        postcode=contact.get("postcode"), phones=list(contact.get("phones") or [])),
    )
    return ParsedNotice(
        header=header,
        issues=[node_from_dict(node) for node in data.get("issues") or []],
        sections=[Section(label=s["label"], title=s["title"], text=s["text"], role=s["role"], line=s.get("line"))
                  for s in data.get("sections") or []],
        warnings=[ParseWarning(code=w["code"], template=w["template"], line=w.get("line"),
                               params=dict(w.get("params") or {})) for w in data.get("warnings") or []],
        text=text,
        content_hash=data["content_hash"],
        parser_version=data["parser_version"],
        source_format=data.get("source_format") or "text",
    )


def node_from_dict(data: dict[str, Any]) -> IssueNode:
    return IssueNode(
        label=data["label"], level=data["level"], title=data["title"], text=data["text"], kind=data["kind"],
        style=data.get("style") or "", number=data.get("number"), line=data.get("line"),
        children=[node_from_dict(child) for child in data.get("children") or []],
        measures=[measure_from_dict(m) for m in data.get("measures") or []],
        proposed_state=data.get("proposed_state"),
    )


def measure_from_dict(data: dict[str, Any]) -> Measure:
    return Measure(
        label=data["label"], text=data["text"], proposed_state=data["proposed_state"],
        state_phrase=data.get("state_phrase") or "", state_basis=data.get("state_basis") or "default",
        state_phrases=list(data.get("state_phrases") or []),
        numbers=[NumberMention(value=n["value"], unit=n["unit"], phrase=n["phrase"])
                 for n in data.get("numbers") or []],
        deadline=_date(data.get("deadline")), deadline_phrase=data.get("deadline_phrase") or "",
        line=data.get("line"), long_term=bool(data.get("long_term")), units=list(data.get("units") or []),
        support_units=list(data.get("support_units") or []), leader=data.get("leader"),
        fields=dict(data.get("fields") or {}),
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
