"""XSS payloads in every placement of body and meta, in Chromium: nothing runs, all shows.

The browser context bypasses the site's Content-Security-Policy, so that a dialog would be
the escaping's failure alone (CSP is the second line, tested elsewhere).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.browser import watched_page
from tests.conftest import REPO, make_site
from tests.helpers import wait_until_serving
from tests.web.conftest import free_port

pytestmark = pytest.mark.browser

GOLDEN = REPO / "tests" / "fixtures" / "seed" / "000_aeb991cd76c60bdc.json"
REF = "anp-ref-313131-0000"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
# One string that breaks out of every context if it is not escaped for that context: element
# text, quoted and unquoted attributes, <title>, <script> (JSON-LD), comments, entities, URLs.
P = (
    "<script>alert('x1')</script>\"><img src=x onerror=alert('x2')>'><svg onload=alert('x3')>"
    "</title></textarea></style></script><script>alert('x4')</script><!-- "
    "javascript:alert('x5') data:text/html,<script>alert('x6')</script> "
    "&lt;b&gt;&amp;&#x3C;i&#x3E; <iframe srcdoc=\"<script>alert('x7')</script>\"></iframe>"
)
BAD_URLS = (
    "javascript:alert('u1')",
    "JaVaScRiPt:alert('u2')",
    "data:text/html,<script>alert('u3')</script>",
    "data:image/svg+xml,<svg onload=alert('u4')>",
    "https://placehold.co/600x400?text=\"><svg onload=alert('u5')>",
    "https://example.invalid/x.png\" onerror=\"alert('u6')",
)
# Text placements and the prefix each carries, so a test can look for each one.
BODY_TEXT = ("para", "head", "item", "caption", "source")
META_TEXT = ("summary", "topic", "stack", "tool", "difficulty", "code", "note", "check", "brief")


def hostile_document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(GOLDEN.read_text("utf-8"))
    doc["title"] = P
    body: list[dict[str, Any]] = [
        {"type": "paragraph", "text": f"para {P}"},
        {"type": "heading", "text": f"head {P}"},
        {"type": "list", "items": [f"item {P}", P]},
    ]
    for url in BAD_URLS:
        body.append(
            {"type": "image", "alt": f"alt {P}", "caption": f"caption {P}", "source": f"source {P}"}
            | {"url": url}
        )
    doc["body"] = body
    meta = doc["meta"]
    meta |= {
        "reference": REF,
        "summary": f"summary {P}",
        "topic": f"topic {P}",
        "stack": [f"stack {P}"],
        "tools": [f"tool {P}"],
        "difficulty": f"difficulty {P}",
        "code_language": f"code {P}",
        "notes": [f"note {P}"],
        "checklist": [f"check {P}"],
        "ai_brief": f"brief {P}",
        "ai_outline": {"context": P, "problem": P, "stack": P, "recommended_action": P},
        "entities": [{"name": P, "type": P}],
        "image_sources": [{"source": P, "url": u, "caption": P} for u in BAD_URLS],
        "revision": {"status": P, "version": P, "last_reviewed": "2026-03-16"},
        "author": f"author {P}",
        f"key {P}": f"value {P}",
    }
    return doc


@dataclass
class Hostile:
    url: str  # the live server
    slug: str


def _serve(settings: Settings) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "ALPHANODE_DATABASE_URL": str(settings.database_url),
        "ALPHANODE_SEARCH_INDEX_PATH": str(settings.search_index_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "alphanode", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base, proc, "/robots.txt")
    return proc, base


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    directory = tmp_path_factory.mktemp("hostile-browser")
    settings = Settings.load(
        env={},
        database_url=f"sqlite:///{directory / 'site.db'}",
        search_index_path=str(directory / "search"),
    )
    pages = directory / "pages"
    pages.mkdir()
    (pages / "hostile.json").write_text(json.dumps(hostile_document()), "utf-8")
    engine = open_database(settings)
    importer.import_sources(engine, settings, resolve([str(pages)]))
    review.approve_all_pending(engine, "test-reviewer", "hostile placements")
    make_site(settings, engine).index_pending()
    engine.dispose()
    proc, base = _serve(settings)
    try:
        slug = httpx.get(f"{base}/api/v1/posts/{REF}").json()["slug"]
        yield Hostile(base, slug)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=True)
    pg = watched_page(context)
    yield pg
    context.close()


# Every element: no event-handler attribute, no javascript:/data: link or source, no
# element a payload would have made.
INERT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.trim().toLowerCase();
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'srcdoc', 'data'].includes(a.name)
          && (v.startsWith('javascript:') || v.startsWith('data:')))
        bad.push(el.tagName + ' ' + a.name + '=' + v);
    }
  }
  for (const t of ['iframe', 'svg', 'style', 'textarea', 'object', 'embed'])
    if (document.getElementsByTagName(t).length) bad.push(t);
  return bad;
}"""


def settle(page: Any) -> None:
    """Until every image has loaded or failed (so onerror would have run) and scripts ran."""
    page.wait_for_load_state("load")
    # Lazy images below the fold would never load (nor fail) in a headless window.
    page.evaluate("() => document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")


def shortened(shown: str, full: str) -> bool:
    """A card's summary is the start of the full text, cut with an ellipsis past a length."""
    return shown == full or (shown.endswith("…") and full.startswith(shown[:-1]))


def assert_inert(page: Any) -> None:
    assert page.dialogs == []
    assert page.evaluate(INERT) == []
    assert page.errors == []


def test_article_page_shows_every_payload_as_text(page: Any, hostile: Hostile) -> None:
    page.goto(f"{hostile.url}/posts/{hostile.slug}")
    settle(page)
    page.hover("h1")
    assert_inert(page)
    scripts = page.evaluate("() => [...document.scripts].map(s => s.type || s.getAttribute('src'))")
    assert scripts == ["application/ld+json", "/static/site.js"]
    # </title> in the title did not end it; the whole payload is the page's title.
    assert page.title() == f"{P} · alphanode"
    assert page.locator("h1").text_content() == P
    text = page.locator("main").text_content()
    for prefix in BODY_TEXT + META_TEXT + ("author", "value", "key"):
        assert f"{prefix} {P}" in text, prefix
    alts = page.locator("figure img").evaluate_all("all => all.map(i => i.alt)")
    assert alts == [f"alt {P}"] * len(BAD_URLS)
    for url in BAD_URLS[:4]:
        assert url in text  # the image sources record shows each URL as inert text
    head = {
        name: page.locator(f'meta[{attr}="{name}"]').get_attribute("content")
        for attr, name in (
            ("property", "og:title"),
            ("property", "og:description"),
            ("name", "description"),
            ("name", "author"),
            ("name", "twitter:title"),
        )
    }
    assert head == {
        "og:title": P,
        "og:description": f"summary {P}"[:300],
        "description": f"summary {P}"[:300],
        "author": f"author {P}"[:200],  # a name is cut at 200 characters
        "twitter:title": P,
    }


def test_json_ld_survives_script_breakers(page: Any, hostile: Hostile) -> None:
    raw = httpx.get(f"{hostile.url}/posts/{hostile.slug}").text
    start = raw.index('<script type="application/ld+json">')
    block = raw[start : raw.index("</script>", start)]
    assert "<!--" not in block and "</" not in block and block.count("<") == 1
    page.goto(f"{hostile.url}/posts/{hostile.slug}")
    ld = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert ld["headline"] == P[:110]
    assert ld["description"] == f"summary {P}"[:300]
    assert ld["author"] == {"@type": "Person", "name": f"author {P}"[:200]}
    assert_inert(page)


def test_listing_and_term_listing_show_payloads_as_text(page: Any, hostile: Hostile) -> None:
    page.goto(hostile.url + "/")
    settle(page)
    card = page.locator(".card").first
    assert card.locator(".card-title").text_content() == P
    assert shortened(card.locator(".card-summary").text_content(), f"summary {P}")
    badge = card.locator(".badge").first
    assert badge.text_content() == f"stack {P}"
    assert_inert(page)
    href = badge.get_attribute("href")
    assert href is not None and href.startswith("/stack/")
    page.goto(hostile.url + href)
    settle(page)
    assert page.locator("h1").text_content() == f"Stack: stack {P}"
    assert_inert(page)


def test_feed_and_its_html_content_run_nothing(page: Any, hostile: Hostile) -> None:
    response = page.goto(hostile.url + "/feed.xml")
    assert response.ok
    assert_inert(page)
    root = ET.fromstring(response.body())
    (entry,) = root.findall("a:entry", ATOM)
    assert entry.findtext("a:title", "", ATOM) == P
    assert shortened(entry.findtext("a:summary", "", ATOM), f"summary {P}")
    assert entry.findtext("a:author/a:name", "", ATOM) == f"author {P}"[:200]
    # What a feed reader renders: the entry's HTML, here with no CSP at all.
    page.set_content(entry.findtext("a:content", "", ATOM))
    settle(page)
    assert_inert(page)
    text = page.locator("body").text_content()
    for prefix in BODY_TEXT:
        assert f"{prefix} {P}" in text, prefix
