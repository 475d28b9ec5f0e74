"""store/state.py: the content version, the last post change and counted views."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.engine import Engine

from alphanode.settings import Settings
from alphanode.store import posts, state
from alphanode.store.engine import reading, writing
from tests.store.posts_made import make_posts, ref


def test_content_version_starts_at_zero_and_counts_bumps(db: Engine) -> None:
    with reading(db) as conn:
        start = state.content_version(conn)
    assert start == 0
    for _ in range(3):
        with writing(db) as conn:
            state.bump_content_version(conn)
    with reading(db) as conn:
        assert state.content_version(conn) == 3


def test_last_post_change_is_none_until_a_post_exists(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    with reading(db) as conn:
        assert state.last_post_change(conn) is None
    make_posts(db, settings, tmp_path)
    with reading(db) as conn:
        changed = state.last_post_change(conn)
        newest = max(r.updated_at for r in (posts.find(conn, ref(n)) for n in range(1, 5)) if r)
    assert isinstance(changed, dt.datetime)
    assert changed.replace(tzinfo=None) == newest.replace(tzinfo=None)


def test_views_add_up_per_day_and_unknown_slugs_are_ignored(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    with reading(db) as conn:
        live = posts.find(conn, ref(1))
        pending = posts.find(conn, ref(2))
    assert live is not None and pending is not None and live.id == ids["live"]
    day, next_day = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    with writing(db) as conn:
        assert state.add_views(conn, {}, day) == 0
        assert state.add_views(conn, {"no-such-post": 5}, day) == 0
        assert state.add_views(conn, {live.slug: 2, "no-such-post": 5}, day) == 1
        assert state.add_views(conn, {live.slug: 3, pending.slug: 1}, day) == 2
        assert state.add_views(conn, {live.slug: 4}, next_day) == 1
    with reading(db) as conn:
        assert state.views_of(conn, live.id) == 9
        assert state.views_of(conn, pending.id) == 1
        assert state.views_of(conn, ids["rejected"]) == 0
        assert state.views_by_ref(conn, [ref(1), ref(2), ref(3), "anp-ref-999999-0000"]) == {
            ref(1): 9,
            ref(2): 1,
            ref(3): 0,
            "anp-ref-999999-0000": 0,
        }
        assert state.views_by_ref(conn, []) == {}
