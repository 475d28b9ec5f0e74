"""Rich article bodies on the reader's page and in the feed: inline markup, safe links,
highlighted code, scrolling tables, anchors and contents, source meta; hostile values inert."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET  # noqa: S405 - our own feed
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.web.body import code_css
from alphanode.web.urls import link_href
from tests.browser import axe_violations
from tests.conftest import REPO, make_site
from tests.web.conftest import Client, Site, serving

FIXTURES = REPO / "tests" / "fixtures" / "markdown"
RICH = "/posts/tuning-the-connection-pool"


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    directory = tmp_path_factory.mktemp("rich")
    settings = Settings.load(
        env={},
        database_url=f"sqlite:///{directory / 'site.db'}",
        search_index_path=str(directory / "search"),
    )
    pages = directory / "pages"
    pages.mkdir()
    for name in ("rich.md", "hostile-rich.json"):
        shutil.copy(FIXTURES / name, pages / name)
    engine = open_database(settings)
    runtime = make_site(settings, engine)
    importer.import_sources(engine, settings, resolve([str(pages)]))
    review.approve_all_pending(engine, "test-reviewer", "rich bodies")
    runtime.index_pending()
    engine.dispose()
    return Site(settings.database_url, settings, directory)


@pytest.fixture(scope="module")
def rich_client(rich_site: Site) -> Iterator[Client]:
    c = Client(rich_site.settings)
    yield c
    c.close()


def hostile_slug(client: Client) -> str:
    listing = client.get("/").text
    found = re.search(r'href="/posts/(hostile-rich-body[^"]*)"', listing)
    assert found, "the hostile rich post is listed"
    return found.group(1)


class Tags(HTMLParser):
    """Every start tag with its attributes, and whether the document nests properly."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def parsed(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    t.close()
    return t


def test_rich_article_renders_every_block(rich_client: Client) -> None:
    r = rich_client.get(RICH)
    assert r.status_code == 200
    html = r.text
    tags = parsed(html)
    assert tags.errors == [] and tags.stack == []
    # Inline markup.
    assert "<strong>easy</strong>" in html and "<em>wrong</em>" in html
    assert "<del>nobody</del>" in html and "<code>pip install psycopg-pool</code>" in html
    assert "open.<br>This line" in html
    hrefs = [a.get("href") for t, a in tags.tags if t == "a"]
    assert "https://www.psycopg.org/psycopg3/docs/" in hrefs
    assert "/posts/guide" in hrefs and "mailto:ops@example.org" in hrefs
    # Code: highlighted with classes (no inline style), a language label and the file name.
    assert '<span class="code-lang">python</span>' in html
    assert '<span class="code-file">pool.py</span>' in html
    assert '<span class="kn">from</span>' in html
    assert not any("style" in a for _, a in tags.tags)
    assert '<link rel="stylesheet" href="/static/code.css">' in html
    # Table: a labelled, focusable scroll region, header cells, alignment classes.
    region = [a for t, a in tags.tags if t == "div" and a.get("class") == "table-scroll"]
    assert len(region) == 1
    assert region[0]["role"] == "region" and region[0]["tabindex"] == "0"
    assert (region[0]["aria-label"] or "").startswith("Table 1: Setting Default")
    assert '<th scope="col" class="align-center">Default</th>' in html
    assert '<td class="align-right">connections opened' in html
    # Headings with unique anchors and a table of contents (four headings here).
    assert '<h2 id="why-pools-matter">' in html and '<h2 id="why-pools-matter-2">' in html
    assert '<h3 id="measuring">Measuring</h3>' in html
    toc = html[html.index('<nav class="toc"') : html.index("</nav>", html.index('class="toc"'))]
    assert toc.count("<li") == 4 and 'href="#why-pools-matter-2"' in toc
    ids = [a["id"] for _, a in tags.tags if a.get("id")]
    assert len(ids) == len(set(ids))
    # Lists, quote, rule.
    assert '<ol start="3"><li>Stop the service.</li>' in html
    boxes = [a for t, a in tags.tags if t == "input"]
    assert len(boxes) == 2 and all("disabled" in a and a.get("aria-label") for a in boxes)
    assert "checked" in boxes[0] and "checked" not in boxes[1]
    assert "<blockquote>" in html and "<hr>" in html
    # The source's authors, tags and date in the header.
    start = html.index('<article class="post">')
    header = html[start : html.index("</header>", start)]
    assert "<dt>By</dt><dd>Ada Lovelace</dd>" in header
    assert "<dd>python, databases</dd>" in header
    assert '<time datetime="2024-03-05T10:00:00+00:00">2024-03-05</time>' in header


def test_short_article_has_no_contents(rich_client: Client) -> None:
    html = rich_client.get(f"/posts/{hostile_slug(rich_client)}").text
    assert '<nav class="toc"' not in html  # one heading only


def test_hostile_rich_body_is_only_text(rich_client: Client) -> None:
    html = rich_client.get(f"/posts/{hostile_slug(rich_client)}").text
    tags = parsed(html)
    assert tags.errors == []
    assert not [t for t, _ in tags.tags if t in ("script", "iframe", "svg")] or all(
        a.get("type") == "application/ld+json" or a.get("src") == "/static/site.js"
        for t, a in tags.tags
        if t == "script"
    )
    assert not [t for t, _ in tags.tags if t in ("iframe", "svg")]
    for _, attrs in tags.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, value)
            assert "javascript" not in (value or "").lower().replace("\t", ""), (name, value)
            assert not (value or "").lower().startswith("data:"), (name, value)
    imgs = [a for t, a in tags.tags if t == "img"]
    assert imgs == []
    # Refused links are shown as their text.
    for text in ("js link", "tab link", "upper link", "data link", "cell link"):
        assert f'<span class="inert-link">{text}</span>' in html
    # The https link keeps its (escaped) href; nothing breaks out of the attribute.
    assert 'href="https://example.org/&#34; onmouseover=&#34;window.pwned=7"' in html
    # The values are shown literally.
    assert "&lt;script&gt;window.pwned=2&lt;/script&gt;" in html
    assert "&lt;script&gt;window.pwned=17&lt;/script&gt;" in html
    assert "Embedded html/iframe (kept as text, not run)" in html
    assert "&lt;script&gt;window.pwned=21&lt;/script&gt;" in html  # an author
    assert "datetime=" not in html.split('<dl class="post-source">')[1].split("</dl>")[0]


def test_feed_carries_the_rich_body_cleaned(rich_client: Client) -> None:
    r = rich_client.get("/feed.xml")
    assert r.status_code == 200
    atom = "{http://www.w3.org/2005/Atom}"
    contents = [e.text or "" for e in ET.fromstring(r.text).iter(f"{atom}content")]
    assert len(contents) == 2
    rich = next(c for c in contents if "pool.py" in c)
    assert "<strong>easy</strong>" in rich and "<table>" in rich and '<ol start="3">' in rich
    hostile = next(c for c in contents if "js link" in c)
    for body in contents:
        tags = parsed(body)
        assert not [t for t, _ in tags.tags if t in ("script", "iframe", "svg", "img")]
        for _, attrs in tags.tags:
            assert not [n for n in attrs if n.startswith("on") or n == "style"], attrs
            assert "javascript" not in str(attrs.get("href", "")).lower()
    assert "&lt;script&gt;window.pwned=2&lt;/script&gt;" in hostile


def test_code_stylesheet_is_generated() -> None:
    static = REPO / "src" / "alphanode" / "web" / "static" / "code.css"
    assert static.read_text("utf-8") == code_css(), "regenerate static/code.css from code_css()"
    assert "style" not in code_css().split("*/", 1)[1].split("{")[0]


@pytest.mark.parametrize("word", ["ConnectionPool", "guide"])  # code only; link text only
def test_search_finds_code_and_link_text(rich_client: Client, word: str) -> None:
    r = rich_client.get("/search", params={"q": word})
    assert r.status_code == 200
    assert 'href="/posts/tuning-the-connection-pool"' in r.text


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://x.org/a", "https://x.org/a"),
        ("mailto:a@x.org", "mailto:a@x.org"),
        ("/posts/x", "/posts/x"),
        ("../x#y", "../x#y"),
        ("#part", "#part"),
        ("page?q=a:b", "page?q=a:b"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("\x01javascript:alert(1)", None),
        ("data:text/html,x", None),
        ("vbscript:x", None),
        ("//evil.example/", None),
        ("\\\\evil.example/", None),
        ("", None),
    ],
)
def test_which_hrefs_may_link(url: str, href: str | None) -> None:
    assert link_href(url) == href


# Chromium last: Playwright's sync API keeps an event loop running until the module ends,
# and the in-process client above runs its own.
@pytest.fixture(scope="module")
def rich_server(rich_site: Site) -> Iterator[str]:
    yield from serving(rich_site)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    # The CSP is bypassed so that a payload that did get through would run and be seen.
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    pg = context.new_page()
    pg.dialogs = []

    def on_dialog(dialog: Any) -> None:
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()


def test_table_scrolls_inside_its_box_at_360px(phone: Any, rich_server: str) -> None:
    phone.goto(f"{rich_server}{RICH}")
    page_width = phone.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 360, "the page itself must not scroll sideways"
    box = phone.evaluate(
        "(() => { const d = document.querySelector('.table-scroll');"
        " return [d.scrollWidth, d.clientWidth, getComputedStyle(d).overflowX]; })()"
    )
    assert box[2] == "auto" and box[0] > box[1], box
    code = phone.evaluate(
        "(() => { const p = document.querySelector('figure.code pre');"
        " return [p.scrollWidth, p.clientWidth]; })()"
    )
    assert code[0] > code[1], "long code lines scroll inside the code box"
    colour = phone.evaluate("getComputedStyle(document.querySelector('.highlight .kn')).color")
    assert colour != "rgb(26, 32, 44)", "code.css applied (keywords are coloured)"


def test_hostile_rich_body_no_dialog(phone: Any, rich_server: str) -> None:
    # Playwright's sync API runs an event loop: the slug is read over real HTTP here.
    listing = httpx.get(rich_server + "/").text
    found = re.search(r'href="/posts/(hostile-rich-body[^"]*)"', listing)
    assert found
    phone.goto(f"{rich_server}/posts/{found.group(1)}")
    for text in ("js link", "tab link", "cell link", "<script>window.pwned=2</script>"):
        assert phone.get_by_text(text, exact=False).count() >= 1
    for link in phone.locator("a").all():
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith(("javascript", "data")), href
    phone.locator(".inert-link").first.click()
    phone.locator("pre").first.hover()
    phone.locator(".table-scroll").focus()
    assert phone.evaluate("window.pwned === undefined")
    assert phone.dialogs == []


@pytest.mark.parametrize("kind", ["rich", "hostile"])
def test_pages_are_valid_html(rich_client: Client, kind: str) -> None:
    """The HTML parsing algorithm, strictly: any parse error (a stray end tag, a duplicate
    attribute, an unclosed element, bad nesting) fails."""
    import html5lib  # type: ignore[import-untyped]  # no stubs published

    url = RICH if kind == "rich" else f"/posts/{hostile_slug(rich_client)}"
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(rich_client.get(url).text)  # raises html5lib.html5parser.ParseError
    assert parser.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1100])
def test_rich_pages_pass_axe(browser: Any, rich_server: str, width: int) -> None:
    # CSP bypassed only so that axe-core can be injected (the page is unchanged).
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    try:
        listing = httpx.get(rich_server + "/").text
        found = re.search(r'href="/posts/(hostile-rich-body[^"]*)"', listing)
        assert found
        for url in (RICH, f"/posts/{found.group(1)}"):
            page.goto(rich_server + url)
            assert axe_violations(page) == [], url
    finally:
        context.close()
