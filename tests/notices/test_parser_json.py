"""The JSON form of a parsed notice reads back into the same notice: a background check stores
it as the job's result, and the admin's preview and confirm work from it without parsing again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notices.parser import parse_text
from notices.parser.json import notice_from_dict

CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_the_json_form_reads_back_into_the_same_notice(path: Path) -> None:
    parsed = parse_text(path.read_text(encoding="utf-8"))
    stored = json.loads(json.dumps(parsed.to_dict(), ensure_ascii=False))  # as a JSON field keeps it
    again = notice_from_dict(stored, text=parsed.text)
    assert again == parsed
    assert again.to_dict() == stored
    assert [m.deadline for m in again.measures()] == [m.deadline for m in parsed.measures()]


def test_without_the_text_everything_else_is_kept() -> None:
    parsed = parse_text((CORPUS / "04-environment-field-lines.txt").read_text(encoding="utf-8"))
    again = notice_from_dict(parsed.to_dict())
    assert again.text == "" and again.to_dict() == parsed.to_dict()
    assert again.warnings == parsed.warnings and again.header == parsed.header
