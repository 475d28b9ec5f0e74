"""services/live_counts.py: listings' live-post counts and most-read rankings, kept per version."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from alphanode.services import review, views
from alphanode.services import site as site_service
from alphanode.services.live_counts import Kept, LiveCounts
from alphanode.settings import Settings
from alphanode.store import public
from alphanode.store.engine import reading
from tests.store.posts_made import make_posts, ref


def _count(db: Engine, counts: LiveCounts, kind: str | None = None, term: str | None = None) -> int:
    with reading(db) as conn:
        return counts.get(conn, kind, term)


def test_a_count_is_kept_until_a_post_goes_live_or_is_taken_down(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    make_posts(db, settings, tmp_path)  # one live post of four
    counts = LiveCounts()
    assert _count(db, counts) == 1
    assert _count(db, counts) == 1
    assert counts.counted == 1  # the second request was answered from what was kept

    review.approve(db, ref(2), "tester")  # the pending post goes live
    assert _count(db, counts) == 2
    assert counts.counted == 2
    review.retract(db, ref(1), "tester", "taken down")
    review.retract(db, ref(2), "tester", "taken down")
    assert _count(db, counts) == 0
    with reading(db) as conn:
        assert public.count(conn) == 0


def test_each_term_has_its_own_count_and_the_listing_uses_them(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    with reading(db) as conn:
        kind, term, _ = next(t for t in public.terms_of(conn, ids["live"]) if t[0] == "stack")
    counts = LiveCounts()
    assert _count(db, counts, kind, term) == 1
    assert _count(db, counts, kind, "no-such-term") == 0
    assert counts.counted == 2

    review.approve(db, ref(2), "tester")  # same meta as the live one: the same stack
    listing = site_service.listing(db, 1, kind, term, counts=counts)
    assert listing is not None and listing.total == len(listing.cards) == 2
    home = site_service.listing(db, 1, counts=counts)
    assert home is not None and home.total == 2 and counts.counted == 4
    again = site_service.listing(db, 1, counts=counts)
    assert again is not None and again.total == 2 and counts.counted == 4


def test_the_kept_counts_are_bounded(db: Engine, settings: Settings, tmp_path: Path) -> None:
    make_posts(db, settings, tmp_path)
    counts = LiveCounts(size=2)
    for term in ("a", "b", "c"):
        assert _count(db, counts, "stack", term) == 0
    assert list(counts.kept.items) == [("stack", "b"), ("stack", "c")]


def test_a_most_read_ranking_is_kept_until_views_are_written_or_a_post_changes(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    with reading(db) as conn:
        live = public.cards_by_ids(conn, [ids["live"]])[ids["live"]]
    kept: Kept[list[views.Ranked]] = Kept()
    day = views.today()
    assert views.most_read(db, 30, 5, day, kept=kept) == []
    assert views.most_read(db, 30, 5, day, kept=kept) == []
    assert kept.computed == 1

    views.record(db, {live.slug: 3}, day)  # a flush of counted views moves the version
    ranked = views.most_read(db, 30, 5, day, kept=kept)
    assert [(r.card.slug, r.views) for r in ranked] == [(live.slug, 3)]
    assert kept.computed == 2
    assert views.most_read(db, 30, 5, day, kept=kept) == ranked
    assert kept.computed == 2

    review.retract(db, ref(1), "tester", "taken down")  # no longer live: never ranks
    assert views.most_read(db, 30, 5, day, kept=kept) == []
    assert views.most_read(db, 30, 5, day) == []
