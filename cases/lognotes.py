"""What the code adds to an item's log, stored language-neutral and rendered when read.

A log entry's `note` (`ProgressUpdate.note`, `SignOff.comment`) is what a person wrote or a
document said, kept word for word. What the code adds to it — "step 2 of 4 signed", "the notice
says completed; the chain decides", "deadline moved from … to …" — is stored in
`ProgressUpdate.notes` as a message id and its parameters, and rendered in the reader's language
(as `notices.Notice.warning_messages()` does for the parser's warnings): the Chinese interface
shows it in Chinese, the English one in English, whoever wrote it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

from accounts import change_reasons

CHAIN_CAPPED = "chain_capped"
STEP_SIGNED = "step_signed"
DEADLINE_MOVED = "deadline_moved"
EXTENSION_REQUESTED = "extension_requested"
EXTENSION_APPROVED = "extension_approved"
EXTENSION_REFUSED = "extension_refused"
LEDGER_IMPORT = "ledger_import"
PAPER_SIGNOFF = "paper_signoff"

TEMPLATES: dict[str, str] = {
    CHAIN_CAPPED: gettext_noop(
        "The document reports this item completed, but its case has a sign-off chain: it is recorded as "
        "“sign-off requested”, and only the chain's signatures (or a paper sign-off sheet an administrator "
        "records with its scan) complete it."),
    STEP_SIGNED: gettext_noop("Step %(n)s of %(total)s signed (%(title)s)."),
    DEADLINE_MOVED: gettext_noop("Deadline moved from %(old)s to %(new)s."),
    EXTENSION_REQUESTED: gettext_noop("Extension to %(date)s requested."),
    EXTENSION_APPROVED: gettext_noop("Extension approved: deadline moved from %(old)s to %(new)s."),
    EXTENSION_REFUSED: gettext_noop("Extension to %(date)s refused."),
    LEDGER_IMPORT: gettext_noop("Ledger import: %(file)s"),
    PAPER_SIGNOFF: gettext_noop("Completed by a paper sign-off sheet (纸质销号单) recorded by an administrator, "
                                "with its scan."),
}

# Parameters that are themselves words of the interface, rendered in the reader's language too.
_NONE = gettext_noop("none")


def note(msg: str, **params: Any) -> dict[str, Any]:
    """One stored message; parameters must be JSON values (dates as ISO strings)."""
    if msg not in TEMPLATES:
        raise KeyError(msg)
    return {"msg": msg, "params": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items()}}


def _param(key: str, value: Any) -> Any:
    return gettext(_NONE) if value is None else value


def render_one(stored: dict[str, Any]) -> str:
    template = TEMPLATES.get(stored.get("msg", ""))
    if template is None:
        return ""
    params = {k: _param(k, v) for k, v in (stored.get("params") or {}).items()}
    if "signer" in params and not params.get("title"):
        from .signoff.models import SignoffStep

        try:
            params["title"] = str(SignoffStep.Signer(params["signer"]).label)
        except ValueError:
            params["title"] = params["signer"]
    try:
        return gettext(template) % params
    except (KeyError, TypeError, ValueError):
        # A stored entry whose parameters no longer fit its message: show the message, never fail a page.
        return gettext(template)


def render(stored: list[dict[str, Any]] | None) -> list[str]:
    """The stored messages in the active language."""
    return [text for text in (render_one(s) for s in stored or [] if isinstance(s, dict)) if text]


# The history's change reasons of the imports (accounts.change_reasons): the tree writer stores
# the key (and the file), the admin's history page renders it in the reader's language.
NOTICE_IMPORT = "notice_import"
PLAN_IMPORT = "plan_import"
change_reasons.register(LEDGER_IMPORT, TEMPLATES[LEDGER_IMPORT], "file")
change_reasons.register(NOTICE_IMPORT, gettext_noop("Notice import"))
change_reasons.register(PLAN_IMPORT, gettext_noop("Plan import"))
