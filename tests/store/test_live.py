"""store/live.py: the one SQL rule for what readers may see."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.settings import Settings
from alphanode.store.engine import reading
from alphanode.store.live import is_live
from alphanode.store.schema import posts
from tests.store.posts_made import make_posts


def test_only_the_approved_post_with_a_live_revision_is_live(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    assert len(ids) == 4
    with reading(db) as conn:
        live = set(conn.scalars(sa.select(posts.c.id).where(is_live())))
        other = posts.alias("other")
        assert isinstance(other, sa.sql.Alias)
        through_alias = set(conn.scalars(sa.select(other.c.id).where(is_live(other))))
    assert live == through_alias == {ids["live"]}


def test_an_approved_status_without_a_live_revision_is_not_live(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    with db.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == ids["live"]).values(live_revision=None))
    with reading(db) as conn:
        assert list(conn.scalars(sa.select(posts.c.id).where(is_live()))) == []
