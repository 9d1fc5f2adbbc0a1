"""Reading one cell of a ledger: text, IDs, labels, unit lists, dates and choice words. Pure functions."""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
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


# Numbering labels (（一）, 1., 一是…) follow the rules of the notice parser (notices.parser.labels),
# which the notices app registers when it starts: dependencies point down (cases imports nothing
# of notices), and the genre's label rules stay written once.
_label_reader: Callable[[str], Any] | None = None


def register_label_reader(reader: Callable[[str], Any]) -> None:
    """Set the function reading a numbering label: text → an object with `text` and `rest`, or None."""
    global _label_reader
    _label_reader = reader


def split_label(text: str) -> tuple[str, str]:
    """("（一）", "…方面") from "（一）…方面"; ("", text) when the text carries no label."""
    if _label_reader is None:
        raise ImproperlyConfigured("No label reader: the notices app registers it (notices.apps).")
    label = _label_reader(text)
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


# A deadline outside these years is a typing slip (0001, 9999, Excel's 1900), not a plan.
DEADLINE_YEARS = (2000, 2099)


def read_date(value: Any) -> datetime.date | None:
    """A date cell or text (2026-06-30, 2026/6/30, 2026年6月30日, 2026年6月底前, 2026年底); None when it is
    not one. Month and day must exist: 2026年13月 and 2026-02-30 are not dates."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    for pattern, kind in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        month = int(match.group(2)) if kind != "y" else 12
        if not 1 <= month <= 12:
            return None
        try:
            if kind == "ymd":
                return datetime.date(year, month, int(match.group(3)))
            return datetime.date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            return None
    return None


def parse_deadline(value: Any, err) -> tuple[datetime.date | None, str | None]:
    """A deadline cell: a date (see `read_date`) in DEADLINE_YEARS, or a kind word such as 长期坚持."""
    if value is None or value == "":
        return None, None
    text = cell_text(value)
    if not isinstance(value, datetime.date) and text in KIND_SYNONYMS:
        return None, KIND_SYNONYMS[text]
    day = read_date(value)
    if day is not None and not DEADLINE_YEARS[0] <= day.year <= DEADLINE_YEARS[1]:
        err("deadline", _("“%(value)s” is not a plausible deadline: the year must be between %(first)s and "
                          "%(last)s.") % {"value": text, "first": DEADLINE_YEARS[0], "last": DEADLINE_YEARS[1]})
        return None, None
    if day is not None:
        return day, None
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

