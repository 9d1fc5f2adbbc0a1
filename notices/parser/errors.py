"""The one exception the parser raises."""

from __future__ import annotations


class ParseError(ValueError):
    """The input cannot be read as a rectification notice.

    ``code`` is stable and machine-readable (``empty``, ``binary``, ``too_large``,
    ``unreadable``, ``not_a_notice``, ``no_issue_tree``, ``internal``); the message is in
    Chinese and English so it can be shown to an administrator as it is.
    """

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        self.zh = zh
        self.en = en
        super().__init__(f"{zh}（{en}）")
