"""Every page the app serves works with no internet: a crawl of the pages (site, admin, API docs,
the browsable API), as a superuser and as staff, finds no URL of another host in any page or in the
local stylesheets they load. Links (`<a href>`) to another host are allowed only for content typed
by users (none in this data); XML namespaces are names, not addresses."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases import services
from tests import factories

NAMESPACES = ("http://www.w3.org/", "https://www.w3.org/")
ABSOLUTE = re.compile(r"""(?:(?:https?:)?//)[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'<>)]*""")
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")
SKIP = ("/accounts/logout/", "/i18n/", "/evidence/", "export", "format=", "/r/", "delete", "/ledger/",
        "notice-draft", "/static/", "/media/", "/api/schema/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.assets = [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if not value:
                continue
            if tag == "a" and name == "href":
                self.links.append(value)
            elif name in ("src", "href", "action", "poster", "data", "formaction") or name == "srcset":
                self.assets.append(value)


def _external(text: str) -> list[str]:
    return [m for m in ABSOLUTE.findall(text) if not m.startswith(NAMESPACES) and "//testserver" not in m]


@pytest.fixture
def data(db, tmp_path):
    unit = factories.UnitFactory()
    staff = factories.UserFactory(role="staff", units=[unit])
    measure = factories.MeasureFactory(lead_unit=unit)
    services.log_progress(measure=measure, by=staff, note="进展",
                          files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")])
    superuser = factories.UserFactory(username="root", is_superuser=True)
    return {"staff": staff, "superuser": superuser, "measure": measure}


def _crawl(client: Client, seeds: list[str], limit: int = 120) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    seen, queue, stylesheets = set(seeds), deque(seeds), set()
    pages = 0
    while queue and pages < limit:
        url = queue.popleft()
        response = client.get(url, HTTP_ACCEPT="text/html")
        if response.status_code in (301, 302):
            target = urljoin(url, response["Location"])
            if urlsplit(target).netloc in ("", "testserver") and target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        html = response.content.decode()
        parser = _Links()
        parser.feed(html)
        bad = [u for u in _external(html) if u not in parser.links]
        bad += [u for u in parser.assets if _external(u)]
        if bad:
            found[url] = bad
        for href in parser.assets:
            if href.endswith(".css") or ".css?" in href:
                stylesheets.add(urljoin(url, href))
        for href in parser.links:
            target = urldefrag(urljoin(url, href))[0]
            parts = urlsplit(target)
            if parts.netloc not in ("", "testserver") or any(s in target for s in SKIP) or target in seen:
                continue
            seen.add(target)
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    for sheet in stylesheets:
        response = client.get(urlsplit(sheet).path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        css = body.decode("utf-8", "replace")
        refs = [a or b for a, b in CSS_URL.findall(css)]
        bad = [r for r in refs if _external(r)]
        if bad:
            found[sheet] = bad
    assert pages > 10, f"the crawl reached only {pages} pages"
    return found


SEEDS = ["/", "/accounts/login/", "/accounts/password_reset/", "/dashboard/", "/my/", "/items/", "/signoff/",
         "/admin/", "/api/docs/", "/api/redoc/", "/api/v1/", "/api/v1/measures/", "/api/v1/cases/"]


@pytest.mark.parametrize("who", ["superuser", "staff", None])
def test_no_page_refers_to_another_host(data, who):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if who:
        client.force_login(data[who])
    seeds = [*SEEDS, f"/items/{data['measure'].pk}/"]
    assert _crawl(client, seeds) == {}


def test_the_check_finds_an_external_font():
    html = ('<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto">'
            '<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    parser = _Links()
    parser.feed(html)
    assert [u for u in parser.assets if _external(u)] == ["https://fonts.googleapis.com/css2?family=Roboto"]
    assert _external('<script src="//cdn.example.com/x.js"></script>') == ["//cdn.example.com/x.js"]
