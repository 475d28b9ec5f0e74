"""The desk's home and the scheduling form in Chromium, with a hostile pending post in the
queue: nothing runs, the title shows as text, the form schedules; screenshots for the walk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alphanode.services import accounts, importer, scheduling
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.browser import chromium
from tests.conftest import REPO, make_site
from tests.helpers import seed_text, variant
from tests.web.conftest import HOSTILE_REF, Site, hostile_page, serving

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"
LATER = "anp-ref-000005-0000"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("deskhome")
    settings = Settings.load(
        env={},
        database_url=f"sqlite:///{directory / 'd.db'}",
        search_index_path=str(directory / "s"),
    )
    pages = directory / "pages"
    pages.mkdir()
    (pages / "seed.txt").write_text(seed_text(), "utf-8")
    (pages / "hostile.txt").write_text(hostile_page(), "utf-8")
    (pages / "later.txt").write_text(variant(5, title="a post for later"), "utf-8")
    engine = open_database(settings)
    importer.import_sources(engine, settings, resolve([str(pages)]))
    now = dt.datetime.now(dt.UTC)
    scheduling.schedule_publish(engine, HOSTILE_REF, now + dt.timedelta(days=2), "rita", now=now)
    accounts.add_user(make_site(settings, engine), "adam", "admin", PASSWORD)
    engine.dispose()
    yield from serving(Site(settings.database_url, settings, directory))


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        pg = context.new_page()
        pg.dialogs = []
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        pg.goto(f"{server}/login")
        pg.fill('input[name="name"]', "adam")
        pg.fill('input[name="password"]', PASSWORD)
        pg.click('button[type="submit"]')
        pg.wait_for_url(f"{server}/review**")
        yield pg
        context.close()


def _shots() -> Path:
    shots = REPO / "test-artifacts"
    shots.mkdir(exist_ok=True)
    return shots


def test_the_desk_home_shows_charts_and_runs_nothing(page: Any, server: str) -> None:
    page.goto(f"{server}/review")
    page.click("text=Desk")
    page.wait_for_url(f"{server}/review/desk")
    page.wait_for_load_state("load")
    assert page.locator("svg.chart[role=img]").count() == 6
    oldest = page.locator("#table-oldest tbody tr").all_inner_texts()
    assert any("<script>window.pwned = 1</script> hostile title" in row for row in oldest)
    scheduled = page.locator("#table-scheduled tbody tr").all_inner_texts()
    assert len(scheduled) == 1 and "hostile title" in scheduled[0]
    page.locator("details.chart-numbers summary").first.click()
    assert page.locator("#table-queue-size").is_visible()
    page.screenshot(path=str(_shots() / "desk-home.png"), full_page=True)
    assert page.dialogs == [] and page.evaluate("() => window.pwned") is None


def test_the_review_page_schedules_and_cancels(page: Any, server: str) -> None:
    page.goto(f"{server}/review/posts/{LATER}")
    assert page.locator("#schedule-status").inner_text() == "Nothing is scheduled."
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#publish-at", at)
    page.screenshot(path=str(_shots() / "review-schedule-form.png"), full_page=True)
    page.click("#schedule-button")
    page.wait_for_url(f"{server}/review/desk?done=schedule")
    assert "Scheduled" in page.locator(".banner").inner_text()
    rows = page.locator("#table-scheduled tbody tr").all_inner_texts()
    assert any("a post for later" in r and at.replace("T", "T") in r for r in rows)
    page.goto(f"{server}/review")
    assert page.locator("text=goes live " + at).count() == 1
    page.goto(f"{server}/review/posts/{LATER}")
    assert "goes live at" in page.locator("#schedule-status").inner_text()
    page.click("#unschedule-button")
    page.wait_for_url(f"{server}/review/desk?done=unschedule")
    rows = page.locator("#table-scheduled tbody tr").all_inner_texts()
    assert not any("a post for later" in r for r in rows)
    assert page.dialogs == []


def test_the_hostile_post_page_with_its_schedule_runs_nothing(page: Any, server: str) -> None:
    page.goto(f"{server}/review/posts/{HOSTILE_REF}")
    page.wait_for_load_state("load")
    assert "goes live at" in page.locator("#schedule-status").inner_text()
    assert page.dialogs == [] and page.evaluate("() => window.pwned") is None
