"""Comparing names, labels and titles as people write them.

"（一）关于…问题" in one document and "(一)关于……问题。" in the next are the same heading:
width is folded (NFKC), and spaces, punctuation and symbols are dropped. The notice importer,
the ledger import and the plan import all compare through `comparison_key`.
"""

from __future__ import annotations

import unicodedata

_DROP = {"P", "S", "Z", "C"}


def comparison_key(text: str | None) -> str:
    """A comparison key: width folded, spaces, punctuation and symbols dropped, lower case."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in _DROP).lower()


_PARTY_PREFIXES = ("中国共产党", "中共")
_PARTY_SUFFIXES = ("委员会", "党委", "党组", "委")


def body_key(name: str | None) -> str:
    """A key under which the forms of one body's name agree.

    "中共湾沚区委", "湾沚区委", "中共湾沚区委员会" and "湾沚区" name one body; so do
    "中共江南理工大学委员会" and "江南理工大学党委". Width, spaces and punctuation are
    ignored as in `comparison_key`, then the Party prefix and the committee suffix are
    dropped.
    """
    key = comparison_key(name)
    for prefix in _PARTY_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            key = key[len(prefix):]
            break
    for suffix in _PARTY_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix)]
            break
    return key
