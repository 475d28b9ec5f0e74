"""The one rule for what readers may see, in SQL: every public read, the outbox and Similar
Posts filter with it."""

from __future__ import annotations

import sqlalchemy as sa

from alphanode.content.states import PostStatus
from alphanode.store.schema import posts


def is_live(
    table: sa.Table | sa.sql.Alias = posts, *, by_status: bool = True
) -> sa.ColumnElement[bool]:
    """The post is live: approved, with a live revision (``table``: ``posts`` or an alias).

    ``by_status=False``: the same rule written ``status || ''`` so that no database reads
    ``ix_posts_live`` for it, for a read driven from another table's few rows (without
    statistics SQLite walks every approved post in that index otherwise).
    """
    status = table.c.status if by_status else table.c.status.concat("")
    return sa.and_(status == PostStatus.APPROVED.value, table.c.live_revision.is_not(None))
