"""Reading one cell of a ledger: text, IDs, labels, unit lists, dates and choice words. Pure functions."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..models import Measure
from .columns import COLUMNS, KIND_NAMES, KIND_SYNONYMS, STATE_NAMES, UNIT_SPLIT


def norm_header(value: Any) -> str:
    return re.sub(r"\s+", "", str(value or "")).lower()


HEADER_LOOKUP = {
    norm_header(name): column.key for column in COLUMNS for name in (column.header, *column.aliases)
}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\u00a0", " ").strip()



def int_or_none(value: Any) -> int | None:
    text = cell_text(value)
    return int(text) if text.isdigit() else None


def split_label(text: str) -> tuple[str, str]:
    """("（一）", "…方面") from "（一）…方面"; ("", text) when the text carries no label."""
    from notices.parser.labels import read_label

    label = read_label(text)
    if label is None:
        return "", text
    return label.text, text[len(label.text):].lstrip() if text.startswith(label.text) else label.rest



def split_units(text: str) -> list[str]:
    return [n.strip() for n in UNIT_SPLIT.split(text) if n.strip()]



_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:前|之前)?$"), "ymd"),
    (re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:底|末)?(?:前|之前)?$"), "ym"),
    (re.compile(r"^(\d{4})\s*年\s*(?:底|末)(?:前|之前)?$"), "y"),
)


def parse_deadline(value: Any, err) -> tuple[datetime.date | None, str | None]:
    """A date cell, or text such as 2026-06-30, 2026年6月30日, 2026年6月底前, 长期坚持."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    text = cell_text(value)
    if text in KIND_SYNONYMS:
        return None, KIND_SYNONYMS[text]
    for pattern, kind in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        try:
            year = int(match.group(1))
            if kind == "ymd":
                return datetime.date(year, int(match.group(2)), int(match.group(3))), None
            month = int(match.group(2)) if kind == "ym" else 12
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            return following - datetime.timedelta(days=1), None
        except ValueError:
            break
    # The examples are accepted input, not interface text: the same in every language.
    err("deadline", _("“%(value)s” is not a valid date; write e.g. %(iso)s, %(full)s or %(month)s, or "
                      "“%(long_term)s” for a long-term measure.")
        % {"value": text, "iso": "2026-06-30", "full": "2026年6月30日", "month": "2026年6月底前",
           "long_term": KIND_NAMES[Measure.Kind.LONG_TERM]})
    return None, None


def parse_choice(value: Any, choices: dict[str, str], key: str, err) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    found = choices.get(text) or choices.get(text.lower())
    if found is None:
        names = STATE_NAMES if key == "state" else KIND_NAMES
        err(key, _("“%(value)s” is not recognised; it should be one of: %(choices)s.")
            % {"value": text, "choices": join_names(names.values())})
    return found



def join_names(items: Iterable[str]) -> str:
    """Names in a message (headers, state words), as a list in the active language."""
    return pgettext("separator between the names of a list", ", ").join(items)

