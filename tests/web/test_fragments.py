"""Kept page fragments: made once, assembled with what changes, and never served stale."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.services import documents, importer, review
from alphanode.services import views as view_service
from alphanode.services.pages import FragmentQueue
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.engine import writing
from alphanode.store.migrate import open_database
from alphanode.web import fragments, ogimage
from tests.helpers import variant
from tests.web.conftest import Client

SLUG = "a-kept-page"
MARK = "<!-- served from the kept row -->"


def _page(body: str) -> str:
    """The seed page under one reference and title, with ``body`` as an extra paragraph:
    each new body is a new revision of the same post."""
    return variant(1, title="a kept page", extra_paragraph=body)


class Kept:
    """One site of its own, with no page cache, so every request reaches the route."""

    def __init__(self, tmp_path: Path, settings: Settings) -> None:
        self.tmp = tmp_path
        self.settings = settings.replace(page_cache_entries=0)
        self.engine: Engine = open_database(self.settings)
        self.client = Client(self.settings)
        self.n = 0

    def publish(self, body: str) -> None:
        self.n += 1
        path = self.tmp / f"page-{self.n}.txt"
        path.write_text(_page(body), "utf-8")
        report = importer.import_sources(self.engine, self.settings, resolve([str(path)]))
        review.approve(self.engine, report.outcomes[0][0], "tester")

    @property
    def queue(self) -> FragmentQueue:
        queue = self.client.app.state.fragments
        assert isinstance(queue, FragmentQueue)
        return queue

    def html(self) -> str:
        r = self.client.get(f"/posts/{SLUG}")
        assert r.status_code == 200, r.text
        return r.text

    def rows(self) -> list[sa.Row[tuple[int, str]]]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text("SELECT post_id, key FROM page_fragments")))

    def mark_kept(self) -> None:
        """Tamper with the kept row, so a page that shows the mark was assembled from it."""
        with writing(self.engine) as conn:
            conn.execute(sa.text("UPDATE page_fragments SET rest = rest || :m"), {"m": MARK})

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()


@pytest.fixture
def kept(tmp_path: Path, settings: Settings) -> Iterator[Kept]:
    made = Kept(tmp_path, settings)
    yield made
    made.close()


def test_first_view_renders_and_keeps_then_pages_come_from_the_kept_row(kept: Kept) -> None:
    kept.publish("the first body.")
    first = kept.html()
    assert "<p>the first body.</p>" in first
    assert kept.rows() == []  # nothing is written on the request path
    assert kept.queue.flush() == 1
    assert len(kept.rows()) == 1
    kept.mark_kept()
    again = kept.html()
    assert MARK in again
    # The same page, byte for byte, apart from the mark.
    assert again.replace(MARK, "") == first


def test_fragment_cache_invalidated_by_a_new_approval(kept: Kept) -> None:
    kept.publish("the first body.")
    kept.html()
    kept.queue.flush()
    kept.mark_kept()
    assert MARK in kept.html()
    kept.publish("the second body, approved.")
    html = kept.html()
    assert MARK not in html
    assert "<p>the second body, approved.</p>" in html and "the first body" not in html
    kept.queue.flush()
    assert len(kept.rows()) == 1  # one row per post: the new parts replaced the old
    assert "the second body" in kept.html()


def test_an_edit_awaiting_review_never_shows(kept: Kept) -> None:
    kept.publish("the first body.")
    kept.html()
    kept.queue.flush()
    path = kept.tmp / "edit.txt"
    path.write_text(_page("an edit nobody approved."), "utf-8")
    importer.import_sources(kept.engine, kept.settings, resolve([str(path)]))
    html = kept.html()
    assert "<p>the first body.</p>" in html and "an edit nobody approved" not in html


def test_retraction_and_rollback_never_serve_the_kept_parts(kept: Kept) -> None:
    kept.publish("the first body.")
    kept.publish("the second body.")
    kept.html()
    kept.queue.flush()
    kept.mark_kept()
    review.retract(kept.engine, SLUG, "tester", "taken down")
    assert kept.client.get(f"/posts/{SLUG}").status_code == 404
    documents.rollback(kept.engine, SLUG, 1)
    review.approve(kept.engine, SLUG, "tester")
    html = kept.html()
    assert MARK not in html
    assert "<p>the first body.</p>" in html and "the second body" not in html


def test_a_new_render_version_renders_again(kept: Kept) -> None:
    kept.publish("the first body.")
    kept.html()
    kept.queue.flush()
    kept.mark_kept()
    assert MARK in kept.html()
    kept.client.app.state.render_version = "a release with other templates"
    assert MARK not in kept.html()


def test_render_version_follows_the_templates(tmp_path: Path) -> None:
    source = Path(fragments.__file__).parent / "templates"
    copy = tmp_path / "templates"
    copy.mkdir()
    for f in source.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    before = fragments.render_version(copy)
    assert fragments.render_version(copy) == before
    top = copy / "_article_top.html"
    top.write_text(top.read_text() + "<!-- changed -->")
    assert fragments.render_version(copy) != before


def test_counted_views_and_similar_posts_change_under_kept_parts(kept: Kept) -> None:
    kept.publish("the first body.")
    kept.html()
    kept.queue.flush()
    kept.mark_kept()
    view_service.record(kept.engine, {SLUG: 41}, dt.datetime.now(dt.UTC).date())
    html = kept.html()
    assert MARK in html and "41 views" in html


def test_a_kept_row_under_another_key_is_never_served(kept: Kept) -> None:
    kept.publish("the first body.")
    kept.html()
    kept.queue.flush()
    with writing(kept.engine) as conn:
        conn.execute(sa.text("UPDATE page_fragments SET key = 'stale', rest = :m"), {"m": MARK})
    assert MARK not in kept.html()


def test_cards_are_drawn_once_and_kept_only_for_posts(kept: Kept) -> None:
    kept.publish("the first body.")
    png = kept.client.get(f"/og/posts/{SLUG}.png").content
    assert png == ogimage.card(SLUG)
    unknown = kept.client.get("/og/posts/no-such-post.png")
    assert unknown.status_code == 200 and unknown.content == ogimage.card("no-such-post")
    assert kept.queue.flush() == 1  # the unknown slug's card is never kept
    with kept.engine.connect() as conn:
        stored = list(conn.execute(sa.text("SELECT slug, version FROM og_cards")))
    assert [s for s, _ in stored] == [SLUG]
    with writing(kept.engine) as conn:
        conn.execute(sa.text("UPDATE og_cards SET png = :p"), {"p": b"kept"})
    assert kept.client.get(f"/og/posts/{SLUG}.png").content == b"kept"
    kept.client.app.state.card_version = "another drawing"
    assert kept.client.get(f"/og/posts/{SLUG}.png").content == png


def test_turned_off_nothing_is_kept(tmp_path: Path, settings: Settings) -> None:
    kept = Kept(tmp_path, settings.replace(page_fragments=False))
    try:
        kept.publish("the first body.")
        assert "<p>the first body.</p>" in kept.html()
        assert kept.client.app.state.fragments is None
        assert kept.rows() == []
    finally:
        kept.close()
