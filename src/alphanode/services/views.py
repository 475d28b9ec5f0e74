"""Counted views: recorded in batches by the web workers, read by the API and CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.engine import Engine

from alphanode.store import state
from alphanode.store.engine import reading, writing


def record(engine: Engine, by_slug: Mapping[str, int], day: dt.date) -> int:
    with writing(engine) as conn:
        return state.add_views(conn, by_slug, day)


def total(engine: Engine, post_id: int) -> int:
    with reading(engine) as conn:
        return state.views_of(conn, post_id)


def content_version(engine: Engine) -> int:
    with reading(engine) as conn:
        return state.content_version(conn)
