"""store/outbox.py: the search outbox keeps order, drains up to an id, and reads live posts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.settings import Settings
from alphanode.store import outbox
from alphanode.store.engine import reading, writing
from tests.store.posts_made import make_posts


def _drained(db: Engine) -> None:
    with writing(db) as conn:
        outbox.remove_upto(conn, outbox.last_id(conn))


def test_entries_come_back_in_order_and_drain_up_to_an_id(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    _drained(db)  # what the decisions above queued
    with reading(db) as conn:
        assert outbox.pending(conn) == 0 and outbox.batch(conn, 10) == []
    with writing(db) as conn:
        outbox.enqueue(conn, ids["live"], "index")
        outbox.enqueue(conn, ids["retracted"], "delete")
        outbox.enqueue(conn, ids["live"], "index")
    with reading(db) as conn:
        entries = outbox.batch(conn, 10)
        assert [(e.post_id, e.action) for e in entries] == [
            (ids["live"], "index"),
            (ids["retracted"], "delete"),
            (ids["live"], "index"),
        ]
        assert outbox.batch(conn, 2) == entries[:2]
        assert outbox.pending(conn) == 3 and outbox.last_id(conn) == entries[-1].id
    with writing(db) as conn:
        outbox.remove_upto(conn, entries[1].id)
    with reading(db) as conn:
        assert outbox.batch(conn, 10) == entries[2:]


def test_an_unknown_action_is_refused_and_nothing_is_queued(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    _drained(db)
    with pytest.raises(ValueError, match="reindex"), writing(db) as conn:
        outbox.enqueue(conn, ids["live"], "reindex")
    with reading(db) as conn:
        assert outbox.pending(conn) == 0


def test_live_ids_and_documents_are_the_live_posts_only(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    ids = make_posts(db, settings, tmp_path)
    with reading(db) as conn:
        assert outbox.live_ids(conn) == [ids["live"]]
        documents = outbox.live_documents(conn, sorted(ids.values()))
    assert list(documents) == [ids["live"]]
    assert "a live post about python services" in json.loads(documents[ids["live"]])["title"]
