"""The review queue's keys in a real headless Chromium against ``alphanode serve``: j/k move,
a approves, r asks for the note and rejects, ? shows the keys; hostile titles run nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from alphanode.services import accounts, importer
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.conftest import make_site
from tests.web.conftest import Site, serving
from tests.web.test_browser import ARTIFACTS, page  # noqa: F401 - fixture
from tests.web.test_desk_queue import COUNT, PASSWORD, document, jsonl

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A served site with the queue's 23 pending posts; (base URL, session token, db URL)."""
    directory = tmp_path_factory.mktemp("queue-browser")
    url = f"sqlite:///{directory / 'q.db'}"
    settings = Settings.load(env={}, database_url=url, search_index_path=str(directory / "s"))
    engine = open_database(settings)
    importer.import_bytes(engine, settings, "q.jsonl", jsonl([document(i) for i in range(COUNT)]))
    site = make_site(settings, engine)
    accounts.add_user(site, "rita", "reviewer", PASSWORD)
    token, _ = accounts.login(site, "rita", PASSWORD, "127.0.0.1")
    engine.dispose()
    for base in serving(Site(url, settings, directory)):
        yield base, token, url


def _status(url: str, ref: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            query = sa.text("SELECT status FROM posts WHERE ref = :r")
            return str(conn.execute(query, {"r": ref}).scalar())
    finally:
        engine.dispose()


def test_keys_move_approve_and_reject_with_a_note(
    page: Any,  # noqa: F811 - the fixture
    desk_server: tuple[str, str, str],
) -> None:
    base, token, url = desk_server
    host = urlparse(base).hostname
    page.context.add_cookies([{"name": "an_session", "value": token, "domain": host, "path": "/"}])
    dialogs: list[str] = []

    def dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(f"{base}/review?sort=title")
    assert page.locator("#keys").is_hidden()
    page.keyboard.press("?")
    assert page.locator("#keys").is_visible()
    page.keyboard.press("?")
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.locator("tr.queue-row").nth(1)
    assert second.get_attribute("aria-current") == "true"
    page.keyboard.press("k")
    first = page.locator("tr.queue-row").nth(0)
    assert first.get_attribute("aria-current") == "true"
    ref = first.locator("small").first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "desk-queue.png"), full_page=True)
    with page.expect_navigation():
        page.keyboard.press("a")
    assert "Approved" in page.locator("#queue-banner").inner_text()
    assert _status(url, ref) == "approved"
    page.keyboard.press("j")
    current = page.locator("tr.queue-row").nth(0)
    rejected = current.locator("small").first.inner_text()
    page.keyboard.press("r")
    assert page.locator("#key-decision").is_visible()
    assert page.evaluate("document.activeElement.id") == "key-note"
    page.keyboard.type("duplicate of an older post")
    page.screenshot(path=str(ARTIFACTS / "desk-queue-reject.png"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _status(url, rejected) == "rejected"
    assert dialogs == [] and page.console_messages == []
    assert page.evaluate("window.pwned === undefined")


def test_the_confirmation_page_in_the_browser(
    page: Any,  # noqa: F811 - the fixture
    desk_server: tuple[str, str, str],
) -> None:
    base, token, _ = desk_server
    host = urlparse(base).hostname
    page.context.add_cookies([{"name": "an_session", "value": token, "domain": host, "path": "/"}])
    page.goto(f"{base}/review?sort=title")
    boxes = page.locator("tr.queue-row input[type=checkbox]")
    for i in range(3):
        boxes.nth(i).check()
    with page.expect_navigation():
        page.click("#reject-selected")
    assert page.locator("#confirm-title").inner_text() == "Reject 3 posts?"
    page.screenshot(path=str(ARTIFACTS / "desk-queue-confirm.png"))
    page.fill("#note", "three at once")
    with page.expect_navigation():
        page.click("#confirm-submit")
    assert "Rejected 3 posts" in page.locator("#queue-banner").inner_text()
    assert page.console_messages == []
