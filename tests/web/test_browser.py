"""What a reader sees, in a real headless Chromium against ``alphanode serve``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import REPO
from tests.web.conftest import HOSTILE_REF, SEED_SLUG

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    pg.console_messages = []
    pg.on("console", lambda m: pg.console_messages.append(f"{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: pg.console_messages.append(f"pageerror: {e}"))
    yield pg
    context.close()


def test_seed_article_meta_box_lists_and_screenshot(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/posts/{SEED_SLUG}")
    assert page.title().startswith("production checklist")
    stack = page.locator('.meta-row[data-key="stack"] dd ul li')
    assert stack.all_inner_texts() == ["python services", "backend", "python"]
    notes = page.locator('.meta-row[data-key="notes"] dd ul li')
    assert notes.count() == 3
    tools = page.locator('.meta-row[data-key="tools"] a')
    assert tools.count() == 6
    figure = page.locator("figure")
    assert "image source: placehold.co" in figure.inner_text()
    img = figure.locator("img")
    assert img.evaluate("i => i.complete && i.naturalWidth") == 1200
    assert page.locator("#similar-title").inner_text() == "Similar Posts"
    assert page.locator(".similar li").count() == 5
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "seed-article.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert page.console_messages == []


def test_readable_on_a_phone(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    pg = context.new_page()
    pg.goto(f"{live_server}/posts/{SEED_SLUG}")
    overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "seed-article-360.png"), full_page=False)
    context.close()


def test_hostile_page_runs_nothing(page: Any, live_server: str) -> None:
    import httpx

    slug = httpx.get(f"{live_server}/api/v1/posts/{HOSTILE_REF}").json()["slug"]
    page.goto(f"{live_server}/posts/{slug}")
    page.wait_for_timeout(300)
    page.hover("text=fastapi")
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert "<script>window.pwned = 1</script>" in page.locator("h1").inner_text()
    assert page.locator('a[href^="javascript:"]').count() == 0
    # Every hostile value is on the page as the text it is, in the meta box too.
    shown = page.locator("body").inner_text()
    for literal in (
        '<img src=x onerror="window.pwned=7"> hostile summary',
        '<svg onload="window.pwned=8">backend</svg>',
        '<b onmouseover="window.pwned=6">fastapi</b>',
        '<script>window.pwned = 3</script><a href="javascript:window.pwned=4">click me</a>.',
    ):
        assert literal in shown, literal
    assert page.locator("svg[onload], img[onerror], b[onmouseover]").count() == 0
    # The javascript: image got a local placeholder: loaded, no broken image.
    assert page.locator("figure img").evaluate("i => i.complete && i.naturalWidth > 0")


def test_unreachable_image_gets_a_placeholder(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/posts/{SEED_SLUG}")
    page.evaluate(
        "() => { const i = document.querySelector('figure img');"
        " i.src = 'http://127.0.0.1:9/missing.png'; }"
    )
    page.wait_for_function(
        "() => { const i = document.querySelector('figure img');"
        " return i.src.includes('/placeholder/') && i.complete && i.naturalWidth === 1200; }"
    )


def test_feed_and_sitemap_parse_as_xml(page: Any, live_server: str) -> None:
    for path, root_tag in (("/feed.xml", "feed"), ("/sitemap.xml", "urlset")):
        response = page.goto(live_server + path)
        assert response.ok
        body = response.body()
        assert ET.fromstring(body).tag.endswith(root_tag)
        assert page.locator("parsererror").count() == 0


def test_not_found_page(page: Any, live_server: str) -> None:
    response = page.goto(f"{live_server}/posts/no-such-post")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
