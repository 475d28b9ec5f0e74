"""store/public.py: what readers may see, read by key (not by visiting every live post)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.settings import Settings
from alphanode.store import public
from alphanode.store.engine import reading
from alphanode.store.migrate import open_database
from tests.store.plans import plans
from tests.store.posts_made import make_posts


@pytest.fixture
def sqlite_db(sqlite_settings: Settings) -> Iterator[Engine]:
    engine = open_database(sqlite_settings)
    yield engine
    engine.dispose()


def test_cards_by_ids_gives_the_live_posts_among_the_ids(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    asked = [*ids.values(), 999_998, 999_999]
    with reading(db) as conn:
        found = public.cards_by_ids(conn, asked)
        assert public.cards_by_ids(conn, []) == {}
    assert list(found) == [ids["live"]]
    card = found[ids["live"]]
    assert card.post_id == ids["live"] and card.card["title"].startswith("a live post")


def test_cards_by_ids_reads_the_posts_by_primary_key(
    sqlite_db: Engine, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """Ten ids (a search page) are ten key lookups, not a walk of ``ix_posts_live``: without
    statistics SQLite preferred ``status = ?`` on that index to four ids or more."""
    ids = make_posts(sqlite_db, sqlite_settings, tmp_path)
    asked = [*ids.values(), *range(1_000, 1_006)]
    assert len(asked) == 10

    def read() -> None:
        with reading(sqlite_db) as conn:
            public.cards_by_ids(conn, asked)

    [(statement, plan)] = [p for p in plans(sqlite_db, read) if "FROM posts" in p[0]]
    assert "USING INTEGER PRIMARY KEY" in plan, plan
    assert "ix_posts_live" not in plan and "SCAN posts" not in plan, plan


def test_a_terms_listing_is_the_same_read_either_way(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    with reading(db) as conn:
        terms = public.terms_of(conn, ids["live"])
        assert terms
        for kind, term, _ in terms:
            listed = public.cards(conn, kind=kind, term=term)
            walked = public.cards(conn, kind=kind, term=term, walk=True)
            assert [c.post_id for c in listed] == [c.post_id for c in walked] == [ids["live"]]
        assert public.cards(conn, kind="stack", term="no-such-term", walk=True) == []


def test_a_walked_terms_listing_reads_the_newest_posts_and_each_ones_terms_by_key(
    sqlite_db: Engine, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """A common term's first page: the live posts in listing order (``ix_posts_live``), each
    checked by post_terms' primary key; no list of all the term's posts is built."""
    ids = make_posts(sqlite_db, sqlite_settings, tmp_path)
    with reading(sqlite_db) as conn:
        kind, term, _ = public.terms_of(conn, ids["live"])[0]

    def read() -> None:
        with reading(sqlite_db) as conn:
            public.cards(conn, kind=kind, term=term, walk=True)

    [(_, plan)] = plans(sqlite_db, read)
    assert "SEARCH posts USING INDEX ix_posts_live" in plan, plan
    assert (
        "USING COVERING INDEX sqlite_autoindex_post_terms_1 (post_id=? AND kind=? AND term=?)"
        in plan
    ), plan
    assert "LIST SUBQUERY" not in plan and "TEMP B-TREE" not in plan, plan


def test_a_terms_listing_and_count_otherwise_read_the_terms_rows(
    sqlite_db: Engine, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """A rare term (or a deep page): its own rows in post_terms, each post by key, never a
    walk of every approved post in ``ix_posts_live``."""
    ids = make_posts(sqlite_db, sqlite_settings, tmp_path)
    with reading(sqlite_db) as conn:
        kind, term, _ = public.terms_of(conn, ids["live"])[0]

    def read() -> None:
        with reading(sqlite_db) as conn:
            assert public.count(conn, kind, term) == 1
            assert len(public.cards(conn, kind=kind, term=term)) == 1

    found = plans(sqlite_db, read)
    assert len(found) == 2
    for _, plan in found:
        assert "SEARCH post_terms USING INDEX ix_post_terms_kind_term (kind=? AND term=?)" in plan
        assert "SEARCH posts USING INTEGER PRIMARY KEY" in plan, plan
        assert "ix_posts_live" not in plan, plan
