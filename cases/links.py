"""Paths of the site's pages, reversed once: `reverse` walks the URLconf each time, and a page or
a mail builds hundreds of links to the same few pages."""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@functools.lru_cache(maxsize=128)
def _reversed(name: str, args: tuple, _prefix: str, _urlconf: str) -> str:
    return reverse(name, args=args or None)


def path_of(name: str, *args) -> str:
    """`reverse(name, args=args)`, once per script prefix and URLconf in use (Rectify's URLs do not
    carry the language). For URLs without arguments or with few distinct ones: a link per item is
    `item_path`."""
    return _reversed(name, args, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def item_path(pk: int) -> str:
    """The path of an item's page (`cases:measure-detail`), built from the reversed pattern."""
    head, tail = path_of("cases:measure-detail", 0).rsplit("/0/", 1)
    return f"{head}/{pk}/{tail}"
