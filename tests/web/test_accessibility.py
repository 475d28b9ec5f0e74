"""axe-core on every kind of page, reader's and reviewer's, in Debian's Chromium: 0 violations.

The site holds the seed, ordinary and hostile scraped pages, a rich Markdown article (code,
table, links, a table of contents) and a pending post, so each template is checked with the
content that stresses it. A reviewer signs in through the real login form.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alphanode.services import accounts, importer, review, scheduling
from alphanode.services.sources import resolve
from alphanode.store.migrate import open_database
from tests.browser import axe_violations
from tests.conftest import REPO, make_site
from tests.web.conftest import PENDING_REF, SEED_SLUG, Site, build_site, serving

pytestmark = pytest.mark.browser

RICH = REPO / "tests" / "fixtures" / "markdown" / "rich.md"
PASSWORD = "correct horse battery staple"
READER_PAGES = (
    "/",
    f"/posts/{SEED_SLUG}",
    "/posts/tuning-the-connection-pool",
    "/most-read",
    "/stack/python",
    "/search?q=tune+caching+in+python",
    "/search?q=cachng",
    "/search?q=zzzzqqq",
    "/posts/no-such-post",
    "/login",
)
DESK_PAGES = (
    "/review",
    f"/review/posts/{PENDING_REF}",
    "/review/log",
    "/review/desk",
)


@pytest.fixture(scope="module")
def a11y_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = build_site(tmp_path_factory.mktemp("a11y"))
    rich = site.path / "rich"
    rich.mkdir()
    shutil.copy(RICH, rich / RICH.name)
    engine = open_database(site.settings)
    runtime = make_site(site.settings, engine)
    importer.import_sources(engine, site.settings, resolve([str(rich)]))
    review.approve(engine, "md-rich-0001", "test-reviewer")
    runtime.index_pending()
    accounts.add_user(runtime, "rita", "reviewer", PASSWORD)
    # A scheduled post: its badge in the queue, its schedule on its page and the desk's list.
    now = dt.datetime.now(dt.UTC)
    scheduling.schedule_publish(engine, PENDING_REF, now + dt.timedelta(days=1), "rita", now=now)
    engine.dispose()
    return site


@pytest.fixture(scope="module")
def server(a11y_site: Site) -> Iterator[str]:
    yield from serving(a11y_site)


def _check(page: Any, base: str, path: str, shots: Path) -> list[str]:
    response = page.goto(f"{base}{path}")
    expected = 404 if "no-such" in path else 200
    assert response.status == expected, path
    assert page.url == f"{base}{path}", f"{path} was redirected to {page.url}"
    found = [f"{path}: {line}" for line in axe_violations(page)]
    name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
    page.screenshot(path=str(shots / f"a11y-{name[:80]}.png"), full_page=True)
    return found


def test_reader_pages_have_no_axe_violations(browser: Any, server: str) -> None:
    shots = REPO / "test-artifacts"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    found = [line for path in READER_PAGES for line in _check(page, server, path, shots)]
    context.close()
    assert found == []


def test_desk_pages_have_no_axe_violations(browser: Any, server: str) -> None:
    shots = REPO / "test-artifacts"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill('input[name="name"]', "rita")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{server}/review**")
    found = [line for path in DESK_PAGES for line in _check(page, server, path, shots)]
    context.close()
    assert found == []


def test_axe_finds_what_it_should(browser: Any) -> None:
    """The check can fail: an unlabelled input and an image without alt are violations."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    found = axe_violations(page)
    context.close()
    assert any(line.startswith("image-alt") for line in found), found
    assert any(line.startswith("label") for line in found), found
