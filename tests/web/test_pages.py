"""The reader's site over HTTP: article, meta box, listings, feeds, API, safety headers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import SEED_REF, first
from tests.web.conftest import HOSTILE_REF, PENDING_REF, REJECTED_REF, SEED_SLUG, Client


def test_article_page_shows_body_figure_credit_and_meta_lists(client: Client) -> None:
    r = client.get(f"/posts/{SEED_SLUG}")
    assert r.status_code == 200
    html = r.text
    assert "<h1>production checklist for documenting production defaults" in html
    assert "9 min read" in html
    assert '<h2 id="the-practical-approach">the practical approach</h2>' in html
    assert "<li>capture the current behavior</li>" in html
    # The figure: a locally drawn placeholder of the placehold.co size, with its credit.
    assert re.search(r'<img src="/placeholder/1200x630\.svg\?text=[^"]+"', html)
    assert 'width="1200" height="630"' in html
    assert "image source: placehold.co" in html
    # Array meta renders as lists, stack and tools link to their listings.
    box = html[html.index('class="meta-box"') :]
    stack = box[box.index('data-key="stack"') : box.index('data-key="tools"')]
    assert '<li><a href="/stack/python-services">python services</a></li>' in stack
    assert '<a href="/tools/fastapi">fastapi</a>' in box
    assert '<meter min="0" max="100"' in box and 'value="95"' in box
    assert 'class="flag on">ai generated style: yes' in box
    assert "view count (imported)" in box and "624,820" in box
    notes = box[box.index('data-key="notes"') :]
    assert (
        "<li>sanitized array meta is expected to render as a list in the frontend box</li>" in notes
    )
    assert "Similar Posts" in html


def test_article_head_has_canonical_og_and_json_ld(client: Client) -> None:
    html = client.get(f"/posts/{SEED_SLUG}").text
    assert f'<link rel="canonical" href="http://testserver/posts/{SEED_SLUG}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card"' in html
    ld = json.loads(first(r'<script type="application/ld\+json">(.*?)</script>', html))
    assert ld["@type"] == "Article" and ld["headline"].startswith("production checklist")
    assert ld["timeRequired"] == "PT9M"


def test_security_headers(client: Client) -> None:
    r = client.get(f"/posts/{SEED_SLUG}")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    assert "<script>" not in r.text.replace('<script type="application/ld+json">', "")


def test_hostile_content_is_only_text(client: Client) -> None:
    html = client.get("/api/v1/posts/" + HOSTILE_REF).json()
    slug = html["slug"]
    page = client.get(f"/posts/{slug}").text
    ld = first(r'<script type="application/ld\+json">(.*?)</script>', page)
    assert "</script" not in ld and "<" not in ld  # JSON data only; it cannot close the tag
    html = page.replace(ld, "")
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in html
    assert "<script>window.pwned" not in html
    assert "onerror=" not in html.replace("onerror=&#34;", "")
    assert "onmouseover=" not in html.replace("onmouseover=&#34;", "")
    assert 'href="javascript:' not in html and 'src="javascript:' not in html
    # The javascript: image URL becomes a local placeholder, kept only as inert text.
    assert "javascript:window.pwned=5" in html  # shown in the image sources record, as text


def test_listings_newest_first_with_pagination(client: Client) -> None:
    first = client.get("/")
    assert first.status_code == 200
    assert first.text.count('class="card"') == 20
    assert 'rel="next" href="/?page=2"' in first.text
    second = client.get("/?page=2")
    assert second.text.count('class="card"') == 7  # 27 live posts
    assert client.get("/?page=3").status_code == 404
    assert client.get("/?page=0").status_code == 400


def test_taxonomy_pages(client: Client) -> None:
    for path in (
        "/stack/python-services",
        "/tools/pytest",
        "/difficulty/intermediate",
        "/topics/documenting-production-defaults",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        assert 'class="card"' in r.text
    assert client.get("/stack/cobol").status_code == 404


def test_pending_and_rejected_are_nowhere(client: Client) -> None:
    public = [
        client.get(p).text
        for p in (
            "/",
            "/?page=2",
            "/feed.xml",
            "/sitemap.xml",
            "/api/v1/posts",
            "/api/v1/posts?page=2",
            "/stack/python-services",
        )
    ]
    for text in public:
        assert "secret post" not in text
    for ref in (PENDING_REF, REJECTED_REF):
        assert client.get(f"/api/v1/posts/{ref}").status_code == 404
    assert client.get("/posts/pending-secret-post").status_code == 404
    assert client.get("/posts/rejected-secret-post").status_code == 404


def test_feed_and_sitemap_are_valid_xml(client: Client) -> None:
    feed = client.get("/feed.xml")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 20
    assert all(
        e.find("a:id", ns) is not None and e.find("a:updated", ns) is not None for e in entries
    )
    sitemap = ET.fromstring(client.get("/sitemap.xml").content)
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"http://testserver/posts/{SEED_SLUG}" in locs and len(locs) == 28
    robots = client.get("/robots.txt").text
    assert "Sitemap: http://testserver/sitemap.xml" in robots


def test_api_read_endpoints(client: Client) -> None:
    listing = client.get("/api/v1/posts").json()
    assert listing["total"] == 27 and len(listing["posts"]) == 20
    post = client.get(f"/api/v1/posts/{SEED_REF}").json()
    assert post["slug"] == SEED_SLUG and post["meta"]["reading_time"] == 9
    missing = client.get("/api/v1/posts/nope")
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert set(error) == {"code", "what", "expected", "retry_safe", "message", "status"}


def test_404_page_and_head(client: Client) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "Page not found" in r.text and '<html lang="en">' in r.text
    head = client.request("HEAD", f"/posts/{SEED_SLUG}")
    assert head.status_code == 200 and head.content == b""


def test_placeholder_is_svg_of_the_asked_size(client: Client) -> None:
    r = client.get("/placeholder/640x360.svg?text=%3Cscript%3E")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert 'width="640" height="360"' in r.text and "&lt;script&gt;" in r.text
    assert client.get("/placeholder/99999x1.svg").status_code == 404


def test_similar_posts_share_terms(client: Client) -> None:
    html = client.get(f"/posts/{SEED_SLUG}").text
    similar = html[html.index('id="similar-title"') :]
    assert similar.count("<li>") == 5
    assert "shared problem" in similar and "shared stack: python services" in similar


def _one_page_site(tmp_path: Path, name: str, text: str) -> Client:
    """A site of its own (SQLite file ``name``.db) holding one approved page."""
    from alphanode.services import importer, review
    from alphanode.services.sources import resolve
    from alphanode.settings import Settings
    from alphanode.store.migrate import open_database

    page = tmp_path / f"{name}.txt"
    page.write_text(text, "utf-8")
    settings = Settings.load(env={}, database_url=f"sqlite:///{tmp_path / name}.db")
    engine = open_database(settings)
    report = importer.import_sources(engine, settings, resolve([str(page)]))
    review.approve(engine, report.outcomes[0][0], "tester")
    engine.dispose()
    return Client(settings)


def test_page_without_meta_box(tmp_path: Path) -> None:
    client = _one_page_site(
        tmp_path, "p", "|\n\na plain page\n\nonly one paragraph here.\n\nSimilar Posts\n"
    )
    try:
        html = client.get("/posts/a-plain-page").text
        assert "<p>only one paragraph here.</p>" in html
        assert "meta-box" not in html and "1 min read" in html
    finally:
        client.close()


def test_500_page_hides_the_error(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import httpx

    from alphanode.services import pages

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(pages, "article_page", broken)

    async def get(url: str) -> httpx.Response:
        # As under uvicorn: the error page is sent, the exception goes to the server's log.
        transport = httpx.ASGITransport(app=client.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.get(url)

    r = asyncio.run(get("/posts/anything-at-all"))
    assert r.status_code == 500
    assert "Server error" in r.text and "secret internal detail" not in r.text
    assert r.headers["content-security-policy"]


def test_two_databases_in_one_process_never_share_parsed_pages(tmp_path: Path) -> None:
    # Post ids restart in every database: the same (id, revision) must not show another
    # database's article (parsed revisions are kept per worker).
    for name in ("one", "two"):
        text = f"|\n\nthe same slug\n\nthe body of {name}.\n\nSimilar Posts\n"
        client = _one_page_site(tmp_path, name, text)
        try:
            assert f"<p>the body of {name}.</p>" in client.get("/posts/the-same-slug").text
        finally:
            client.close()
