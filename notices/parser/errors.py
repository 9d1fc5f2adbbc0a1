"""The one exception the parser raises."""

from __future__ import annotations

from typing import Any

from notices.parser.messages import ERRORS, render


class ParseError(ValueError):
    """The input cannot be read as a rectification notice.

    ``code`` is stable and machine-readable (``empty``, ``binary``, ``too_large``,
    ``unreadable``, ``not_a_notice``, ``no_issue_tree``, ``internal``); ``key`` names its
    message in :data:`notices.parser.messages.ERRORS` (``code`` or ``code.variant``).
    :attr:`message` is in the active interface language, :attr:`en` in English (for logs).
    """

    def __init__(self, code: str, key: str | None = None, **params: Any) -> None:
        self.code = code
        self.template = ERRORS[key or code]
        self.params = params
        super().__init__(self.en)

    @property
    def message(self) -> str:
        return render(self.template, self.params)

    @property
    def en(self) -> str:
        return self.template % self.params if self.params else self.template

    # Callers written when the message was always Chinese read ``zh``: it is the message.
    zh = message
