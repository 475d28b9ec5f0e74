"""Hostile WordPress items and feed entries, imported and approved, are inert in Chromium.

Scripts, event handlers, ``javascript:``/``data:`` links and SVG with script sit in the body
and in every meta value a source gives (title, author, tags, categories, excerpt, featured
image URL). The pages open with 0 dialogs, no script of theirs runs, and the words show as
text. The page itself also passes axe-core with 0 violations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.browser import axe_violations, watched_page
from tests.conftest import make_site
from tests.helpers import wait_until_serving
from tests.web.conftest import free_port

pytestmark = pytest.mark.browser

# Marks a script would leave if it ran: a dialog, or window.pwned set.
RUNS = (
    "<script>alert('s1');window.pwned=1</script>",
    "<img src=x onerror=\"alert('s2');window.pwned=2\">",
    "<svg onload=\"alert('s3')\"><script>alert('s4');window.pwned=4</script></svg>",
    "<iframe srcdoc=\"<script>parent.alert('s5')</script>\"></iframe>",
    "<a href=\"javascript:alert('s6')\">js link</a>",
    "<a href=\"data:text/html,<script>alert('s7')</script>\">data link</a>",
    "<p onclick=\"alert('s8')\" style=\"background:url(javascript:alert('s9'))\">styled</p>",
    "<object data=\"data:image/svg+xml,<svg onload=alert('s10')>\"></object>",
)
BODY = (
    "<p>Body words stay.</p>"
    + "".join(RUNS)
    + '<pre><code class="language-html">'
    + escape(RUNS[0])
    + "</code></pre>"
)
# A meta value: markup that must show as its own characters.
M = "<script>alert('m1')</script><img src=x onerror=alert('m2')><svg onload=alert('m3')>"
BAD_IMAGE = "javascript:alert('i1')"
SITE = "https://hostile.example"
ENTRY_ID = "urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wxr() -> str:
    def item(post_id: int, title: str, slug: str) -> str:
        return f"""<item><title>{escape(title)}</title><link>{SITE}/?p={post_id}</link>
<dc:creator>{_cdata("login" + str(post_id))}</dc:creator>
<content:encoded>{_cdata(BODY)}</content:encoded>
<excerpt:encoded>{_cdata("excerpt " + M)}</excerpt:encoded>
<wp:post_id>{post_id}</wp:post_id><wp:post_date_gmt>2024-03-04 05:06:07</wp:post_date_gmt>
<wp:post_name>{slug}</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type><wp:post_parent>0</wp:post_parent>
<category domain="post_tag" nicename="t"><![CDATA[tag {M}]]></category>
<category domain="category" nicename="c"><![CDATA[category {M}]]></category>
<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>90</wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key>note {escape(M)}</wp:meta_key>
<wp:meta_value>{_cdata("value " + M)}</wp:meta_value></wp:postmeta>
</item>"""

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>hostile</title><link>{SITE}/</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>login1</wp:author_login>
<wp:author_display_name>{_cdata("author " + M)}</wp:author_display_name></wp:author>
{item(1, "wxr " + M, "hostile-wxr-post")}
<item><title>thumb</title><wp:post_id>90</wp:post_id><wp:post_type>attachment</wp:post_type>
<wp:post_parent>0</wp:post_parent><wp:attachment_url>{escape(BAD_IMAGE)}</wp:attachment_url></item>
</channel></rss>
"""


def atom() -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>hostile feed</title>
<link href="{SITE}/feed"/><id>{SITE}/feed</id><updated>2024-03-04T05:06:07Z</updated>
<entry><title type="text">{escape("feed " + M)}</title><id>{ENTRY_ID}</id>
<link href="{SITE}/entry/1"/><updated>2024-03-05T05:06:07Z</updated>
<published>2024-03-04T05:06:07Z</published>
<author><name>{escape("feed author " + M)}</name></author>
<category term="{escape("feed tag " + M, {'"': "&quot;"})}"/>
<summary type="text">{escape("feed excerpt " + M)}</summary>
<content type="html">{escape(BODY)}</content></entry></feed>
"""


@dataclass
class Imported:
    url: str
    slugs: dict[str, str]  # "wxr" / "feed" → slug


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    directory = tmp_path_factory.mktemp("hostile-imports")
    settings = Settings.load(
        env={},
        database_url=f"sqlite:///{directory / 'site.db'}",
        search_index_path=str(directory / "search"),
    )
    inputs = directory / "in"
    inputs.mkdir()
    (inputs / "export.xml").write_text(wxr(), "utf-8")
    (inputs / "feed.atom").write_text(atom(), "utf-8")
    engine = open_database(settings)
    report = importer.import_sources(engine, settings, resolve([str(inputs)]))
    assert report.imported == 2, report.to_dict()
    assert review.approve_all_pending(engine, "test-reviewer", "hostile imports") == 2
    make_site(settings, engine).index_pending()
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "ALPHANODE_DATABASE_URL": str(settings.database_url),
        "ALPHANODE_SEARCH_INDEX_PATH": str(settings.search_index_path),
    }
    proc = subprocess.Popen(  # noqa: S603 - our own server
        [sys.executable, "-m", "alphanode", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, "/robots.txt")
        # Each post by its title's first word (its reference is the importer's to choose).
        listed = httpx.get(f"{base}/api/v1/posts").json()["posts"]
        slugs = {p["title"].split(" ", 1)[0]: p["slug"] for p in listed}
        assert set(slugs) == {"wxr", "feed"}, listed
        yield Imported(base, slugs)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # The CSP is bypassed: a payload the escaping let through would run and be seen.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
    pg = watched_page(context)
    yield pg
    context.close()


# No event handler, no javascript:/data: link or source, no element a payload would make.
INERT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.trim().toLowerCase();
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'srcdoc', 'data', 'style'].includes(a.name)
          && (v.includes('javascript:') || v.startsWith('data:')))
        bad.push(el.tagName + ' ' + a.name + '=' + v);
    }
  }
  for (const t of ['iframe', 'svg', 'object', 'embed', 'textarea'])
    if (document.getElementsByTagName(t).length) bad.push(t);
  const own = [...document.scripts].filter(s => s.type !== 'application/ld+json'
    && s.getAttribute('src') !== '/static/site.js');
  if (own.length) bad.push('script: ' + own.map(s => s.outerHTML.slice(0, 80)).join(' '));
  return bad;
}"""


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate("() => document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    for sel in ("h1", "main a", "main p", "pre"):
        if page.locator(sel).count():
            page.locator(sel).first.hover()


def _assert_inert(page: Any) -> None:
    assert page.dialogs == []
    assert page.evaluate("() => window.pwned === undefined")
    assert page.evaluate(INERT) == []
    assert page.errors == []


@pytest.mark.parametrize("kind", ["wxr", "feed"])
def test_imported_hostile_post_runs_nothing_and_shows_text(
    page: Any, imported: Imported, kind: str
) -> None:
    _open(page, f"{imported.url}/posts/{imported.slugs[kind]}")
    _assert_inert(page)
    title = ("wxr " if kind == "wxr" else "feed ") + M
    assert page.locator("h1").text_content() == title
    assert page.title() == f"{title} · alphanode"
    text = page.locator("main").text_content()
    assert "Body words stay." in text
    assert RUNS[0] in text  # the code block shows the script as its characters
    for words in ("js link", "data link", "styled"):
        assert words in text, words  # the words of a refused link or handler stay
    hrefs = page.locator("main a").evaluate_all("all => all.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h and h.strip().lower().startswith(("javascript", "data"))]
    if kind == "wxr":
        expected: tuple[str, ...] = ("author " + M, "tag " + M, "category " + M, "excerpt " + M)
    else:
        expected = ("feed author " + M, "feed tag " + M, "feed excerpt " + M)
    for value in expected:
        assert value in text, value


def test_listing_and_feed_of_hostile_imports_run_nothing(page: Any, imported: Imported) -> None:
    _open(page, imported.url + "/")
    _assert_inert(page)
    titles = page.locator(".card-title").all_text_contents()
    assert sorted(titles) == sorted(["wxr " + M, "feed " + M])
    response = page.goto(imported.url + "/feed.xml")
    assert response is not None and response.ok
    _assert_inert(page)


@pytest.mark.parametrize("kind", ["wxr", "feed"])
def test_imported_post_page_passes_axe(page: Any, imported: Imported, kind: str) -> None:
    _open(page, f"{imported.url}/posts/{imported.slugs[kind]}")
    assert axe_violations(page) == []


def test_axe_finds_a_violation_when_there_is_one(page: Any) -> None:
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"></main></html>')
    assert any(v.startswith("image-alt") for v in axe_violations(page))
