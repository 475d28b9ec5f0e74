"""A reviewer's whole day at the desk, in Debian's Chromium against ``alphanode serve``.

Sign in, open the queue, sort and filter it, open a changed post and read the difference,
fix a word and save (a new revision in the log), approve with the keyboard, reject three
posts at once with one note, schedule a post and watch it go live, and look at the desk's
charts. Every screen is saved under ``test-artifacts/desk-*.png`` and checked with axe-core.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from alphanode.services import accounts, importer
from alphanode.services.sources import resolve
from alphanode.store.migrate import open_database
from tests.browser import axe_violations
from tests.conftest import REPO, make_site
from tests.helpers import variant
from tests.web.conftest import Site, build_site, serving

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
SHOTS = REPO / "test-artifacts"
CHANGED_REF = "anp-ref-000003-0000"  # live (build_site approves it), then edited at the source
EDIT_REF = "anp-ref-000801-0000"
KEY_REF = "anp-ref-000802-0000"
SCHEDULE_REF = "anp-ref-000803-0000"
BULK_REFS = ("anp-ref-000811-0000", "anp-ref-000812-0000", "anp-ref-000813-0000")


@pytest.fixture(scope="module")
def desk_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = build_site(tmp_path_factory.mktemp("desk"))
    pages = site.path / "desk-pages"
    pages.mkdir()
    changed = variant(3, title="how to tune caching in python services part 3", own_body=True)
    (pages / "changed.txt").write_text(
        changed.replace("a margin of two,", "a margin of three,", 1).replace(
            "final notes\n", "final notes\n\nA paragraph added at the source.\n", 1
        ),
        "utf-8",
    )
    titles = {
        801: "edit me before approving walkthrough",
        802: "approve me with the keyboard walkthrough",
        803: "schedule me for later walkthrough",
        811: "bulk reject candidate one walkthrough",
        812: "bulk reject candidate two walkthrough",
        813: "bulk reject candidate three walkthrough",
    }
    for n, title in titles.items():
        (pages / f"w{n}.txt").write_text(variant(n, title=title, own_body=True), "utf-8")
    engine = open_database(site.settings)
    runtime = make_site(site.settings, engine)
    importer.import_sources(engine, site.settings, resolve([str(pages)]))
    accounts.add_user(runtime, "rita", "reviewer", PASSWORD)
    engine.dispose()
    return site


@pytest.fixture(scope="module")
def server(desk_site: Site) -> Iterator[str]:
    yield from serving(desk_site, {"ALPHANODE_SCHEDULE_CHECK_SECONDS": "1"})


class Desk:
    """The reviewer's browser tab: every screen is screenshotted and checked by axe."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.dialogs: list[str] = []
        self.violations: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def screen(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        shot = SHOTS / f"desk-{name}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5_000, f"{shot} is blank"
        self.violations += [f"{name}: {v}" for v in axe_violations(self.page)]

    def go(self, path: str) -> None:
        response = self.page.goto(f"{self.base}{path}")
        assert response.status == 200, path


def _next_minute() -> str:
    """The start of a minute at least 5 s away, as a datetime-local value (UTC)."""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=65)
    return now.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def test_a_reviewer_walks_the_whole_desk(browser: Any, server: str, desk_site: Site) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    desk = Desk(context.new_page(), server)
    page = desk.page

    # Sign in.
    desk.go("/login")
    desk.screen("01-login")
    page.fill('input[name="name"]', "rita")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{server}/review**")

    # The queue: sort by title, then filter by a facet (both in the URL).
    desk.go("/review")
    desk.screen("02-queue")
    assert page.locator("text=edit me before approving walkthrough").count() >= 1
    page.click("#sort-title")
    page.wait_for_url("**sort=title**")
    titles = page.locator("#queue-table tbody .queue-title").all_inner_texts()
    assert len(titles) >= 7
    assert titles == sorted(titles) or titles == sorted(titles, reverse=True)
    desk.screen("02b-queue-by-title")
    page.locator("#queue-filters summary").click() if not page.locator(
        "#queue-filters[open]"
    ).count() else None
    facet = page.locator("#queue-filters a.badge").first
    facet.click()
    page.wait_for_selector("#clear-filters")
    assert "sort=title" in page.url and "&" in page.url
    desk.screen("02c-queue-filtered")

    # Approve with the keyboard: j moves to the row, a approves it.
    desk.go("/review?sort=title")
    refs = page.locator("#queue-table tbody tr.queue-row").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-review'))"
    )
    target = refs.index(f"/review/posts/{KEY_REF}")
    for _ in range(target + 1):
        page.keyboard.press("j")
    assert page.locator("tr.queue-row.current").get_attribute("data-review") == refs[target]
    with page.expect_navigation():
        page.keyboard.press("a")
    assert "approved" in page.locator("body").inner_text().lower(), page.url
    assert httpx.get(f"{server}/api/v1/posts/{KEY_REF}").status_code == 200
    desk.screen("02d-approved-with-a")

    # Reject three at once, with one note, after a confirmation that says how many.
    desk.go("/review?sort=title")
    for ref in BULK_REFS:
        page.check(f'tr[data-review="/review/posts/{ref}"] input[type=checkbox]')
    page.click("#reject-selected")
    page.wait_for_selector("#confirm-title")
    assert page.locator("#confirm-title").inner_text() == "Reject 3 posts?"
    page.fill("#note", "off-topic for this site")
    desk.screen("02e-bulk-reject-confirm")
    with page.expect_navigation():
        page.click("#confirm-submit")
    desk.go("/review/log")
    log = page.locator("body").inner_text()
    assert log.count("off-topic for this site") == 3

    # A changed post opens on the difference between live and pending.
    desk.go(f"/review/posts/{CHANGED_REF}")
    assert "revision 1 → 2" in page.locator("body").inner_text()
    assert page.locator("ins").filter(has_text="three").count() >= 1, page.locator(
        "ol.block-diff"
    ).inner_text()[:3000]
    assert page.locator("del").filter(has_text="two").count() >= 1
    assert page.locator(".block-added").filter(has_text="added at the source").count() == 1
    desk.screen("03-compare")

    # Fix a word before approving: a new revision by the reviewer, shown in the log.
    desk.go(f"/review/posts/{EDIT_REF}")
    page.click("#edit-link")
    page.wait_for_selector("#edit-form")
    title = page.locator("#edit-title")
    title.fill(title.input_value().replace("edit me", "edited me"))
    desk.screen("04-edit")
    page.click("#edit-save")
    page.wait_for_load_state()
    assert "edited me before approving walkthrough" in page.locator("body").inner_text()
    desk.go("/review/log")
    log = page.locator("body").inner_text()
    assert "edit" in log and "rita" in log
    desk.screen("05-log")

    # Schedule a post a minute ahead, and see it go live when its time passes.
    desk.go(f"/review/posts/{SCHEDULE_REF}")
    page.fill("#publish-at", _next_minute())
    page.click("#schedule-button")
    page.wait_for_load_state()
    assert "Scheduled" in page.locator("body").inner_text()
    desk.go(f"/review/posts/{SCHEDULE_REF}")
    assert "goes live at" in page.locator("#schedule-status").inner_text()
    desk.screen("06-scheduled")
    api = f"{server}/api/v1/posts/{SCHEDULE_REF}"
    assert httpx.get(api).status_code == 404
    deadline = time.monotonic() + 150
    while httpx.get(api).status_code != 200:
        assert time.monotonic() < deadline, "the scheduled post never went live"
        time.sleep(1)

    # The desk's home: charts, each with its numbers.
    desk.go("/review/desk")
    assert page.locator("svg[role='img']").count() >= 4
    assert page.locator("table").count() >= 4
    desk.screen("07-desk-home")

    context.close()
    assert desk.dialogs == []
    assert desk.violations == []
