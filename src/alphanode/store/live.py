"""The one rule for what readers may see, in SQL: every public read, the outbox and Similar
Posts filter with it."""

from __future__ import annotations

import sqlalchemy as sa

from alphanode.content.states import PostStatus
from alphanode.store.schema import posts


def is_live(table: sa.Table | sa.sql.Alias = posts) -> sa.ColumnElement[bool]:
    """The post is live: approved, with a live revision (``table``: ``posts`` or an alias)."""
    return sa.and_(table.c.status == PostStatus.APPROVED.value, table.c.live_revision.is_not(None))
