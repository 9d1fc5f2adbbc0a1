"""History change reasons (simple-history's `history_change_reason`) in the reader's language.

A reason the code writes (an import, the backfill) is stored as a key, or "key|parameter" (the
file an import read), and rendered when read through the template registered for its key, so
the admin's history page says "Ledger import: 台账.xlsx" in English and "台账导入:台账.xlsx" in
Chinese, whoever imported. A reason that is not a registered key (free text, rows written
before reasons were stored this way) is shown as it is. Apps above accounts register their
reasons (`register`); accounts knows only its own, the backfill's.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

MAX_LENGTH = 100  # simple-history's column
_TEMPLATES: dict[str, tuple[str, str]] = {}  # key → (message, name of its parameter)


def register(key: str, message: str, param: str = "") -> None:
    """Give a stored key its message (an English msgid; `param` names its %(…)s parameter)."""
    _TEMPLATES[key] = (message, param)


def stored(key: str, param: str = "") -> str:
    """The value to store for a registered reason."""
    if key not in _TEMPLATES:
        raise KeyError(key)
    return (f"{key}|{param}" if param else key)[:MAX_LENGTH]


def render(value: str | None) -> str:
    """A stored reason in the active language (free text as it is)."""
    key, _sep, param = (value or "").partition("|")
    entry = _TEMPLATES.get(key)
    if entry is None:
        return value or ""
    message, name = entry
    return gettext(message) % {name: param} if name else gettext(message)


register("backfill", gettext_noop("Created before its history was kept (backfill)"))
