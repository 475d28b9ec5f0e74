"""Queries for Similar Posts: each live post's features and its precomputed top-k list."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from alphanode.store.engine import bulk_insert
from alphanode.store.live import is_live
from alphanode.store.schema import (
    post_vectors,
    posts,
    similar_basis,
    similar_df,
    similar_posts,
    similar_terms,
    site_state,
)


@dataclass(frozen=True)
class Entry:
    other_id: int
    score: float
    why: tuple[str, ...]


def features(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = list(ids)
    found: dict[int, dict[str, Any]] = {}
    for i in range(0, len(wanted), 500):
        query = sa.select(post_vectors).where(post_vectors.c.post_id.in_(wanted[i : i + 500]))
        found.update({r.post_id: json.loads(r.features) for r in conn.execute(query)})
    return found


def drop(conn: Connection, post_id: int) -> None:
    """A post left the site: its features and its own list go (lists naming it are redone)."""
    gone = conn.execute(post_vectors.delete().where(post_vectors.c.post_id == post_id))
    _count_change(conn, -gone.rowcount)
    conn.execute(similar_posts.delete().where(similar_posts.c.post_id == post_id))
    conn.execute(similar_terms.delete().where(similar_terms.c.post_id == post_id))


POST_COUNT = "similar_posts"  # site_state: how many posts have features, kept as they change


def post_count(conn: Connection) -> int:
    """How many posts have features (every live post, once indexed): a kept count, not a
    scan of the features (counted once where it is not kept yet)."""
    value = conn.scalar(sa.select(site_state.c.value).where(site_state.c.key == POST_COUNT))
    if value is not None:
        return int(value)
    return int(conn.scalar(sa.select(sa.func.count()).select_from(post_vectors)) or 0)


def _count_change(conn: Connection, n: int) -> None:
    """After ``n`` posts gained (negative: lost) features: keep the count (where it is not
    kept yet, it starts from the rows as they are now, the change included)."""
    if not n:
        return
    key = site_state.c.key == POST_COUNT
    if conn.execute(site_state.update().where(key).values(value=site_state.c.value + n)).rowcount:
        return
    count = sa.select(sa.func.count()).select_from(post_vectors).scalar_subquery()
    conn.execute(site_state.insert().values(key=POST_COUNT, value=count))


def doc_freqs(conn: Connection, terms: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(terms))
    found: dict[str, int] = {}
    for i in range(0, len(wanted), 500):
        query = sa.select(similar_df).where(similar_df.c.term.in_(wanted[i : i + 500]))
        found.update({r.term: int(r.df) for r in conn.execute(query)})
    return found


def add_doc_freqs(conn: Connection, change: Mapping[str, int]) -> None:
    """Add ``change`` (negative: posts that no longer hold a term) to the counts: one
    upsert statement (both databases read ``ON CONFLICT``), compiled once and executed for
    every term at once (its text does not depend on how many terms there are)."""
    rows = [{"term": t[:120], "df": n} for t, n in change.items() if n]
    if not rows:
        return
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(similar_df)
    upsert = insert.on_conflict_do_update(
        index_elements=[similar_df.c.term], set_={"df": similar_df.c.df + insert.excluded.df}
    )
    conn.execute(upsert, rows)


def put_terms(conn: Connection, data: Mapping[int, Mapping[str, float]]) -> None:
    """Each post's top terms and tags with their weights (replacing what it had)."""
    ids = list(data)
    for i in range(0, len(ids), 500):
        conn.execute(similar_terms.delete().where(similar_terms.c.post_id.in_(ids[i : i + 500])))
    rows = [
        {"term": t[:120], "post_id": pid, "weight": w}
        for pid, terms in data.items()
        for t, w in {k[:120]: v for k, v in terms.items()}.items()
    ]
    if rows:
        conn.execute(similar_terms.insert(), rows)


def add_terms(conn: Connection, rows: Sequence[tuple[str, int, float]]) -> None:
    """Posts' terms (term, post id, weight) into a table that holds none of them yet (a full
    rebuild, after ``clear`` and ``drop_term_indexes``): one driver-level insert, best given in
    (term, post id) order, the order of the table's primary key."""
    bulk_insert(conn, similar_terms, ("term", "post_id", "weight"), list(rows))


# The terms' indexes a full rebuild's load does without: the rows come in (term, post)
# order, the primary key's, which scatters them all over the index by post and, within each
# term, over the index by weight; each is made again after the load in one sorted pass.
_LOADED_WITHOUT = ("ix_similar_terms_post_id", "ix_similar_terms_impact")


def _load_indexes() -> list[sa.Index]:
    found = [ix for ix in similar_terms.indexes if ix.name in _LOADED_WITHOUT]
    return sorted(found, key=lambda ix: str(ix.name))


def drop_term_indexes(conn: Connection) -> None:
    """Before a full rebuild loads every post's terms: drop the indexes the load would
    insert into all over (at 100,000 posts, 6.95 million rows: 179 s with them and each
    row's post looked up, 46 s without either); ``restore_term_indexes`` makes them again."""
    for ix in _load_indexes():
        ix.drop(conn, checkfirst=True)


def restore_term_indexes(conn: Connection, ids: Sequence[int]) -> int:
    """After the load: the terms' indexes made again (those missing), then the terms of any
    of ``ids`` whose post was deleted while they were loaded removed (the load does not
    check foreign keys on SQLite, see ``engine.unchecked``); how many rows were removed."""
    for ix in _load_indexes():
        ix.create(conn, checkfirst=True)
    existing: set[int] = set()
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        existing.update(conn.scalars(sa.select(posts.c.id).where(posts.c.id.in_(part))))
    gone = [pid for pid in ids if pid not in existing]
    removed = 0
    for i in range(0, len(gone), 500):
        where = similar_terms.c.post_id.in_(gone[i : i + 500])
        removed += conn.execute(similar_terms.delete().where(where)).rowcount
    return removed


# Candidates, impact-bounded: of each probe term only its ``per_term`` heaviest postings
# (ties by post id), read as a range of ``ix_similar_terms_impact``. One statement text per
# database whatever the number of terms (they are passed as one array), compiled once.
_SHARING_SQLITE = sa.text(
    "SELECT p.post_id FROM json_each(:terms) AS j"
    " JOIN similar_terms AS p ON p.rowid IN (SELECT rowid FROM similar_terms"
    " WHERE term = j.value ORDER BY weight DESC, post_id LIMIT :per_term)"
    " WHERE p.post_id != :post_id GROUP BY p.post_id"
    " ORDER BY sum(p.weight) DESC, p.post_id LIMIT :lim"
)
_SHARING_POSTGRES = sa.text(
    "SELECT p.post_id FROM unnest(CAST(:terms AS text[])) AS j(term)"
    " CROSS JOIN LATERAL (SELECT post_id, weight FROM similar_terms"
    " WHERE term = j.term ORDER BY weight DESC, post_id LIMIT :per_term) AS p"
    " WHERE p.post_id != :post_id GROUP BY p.post_id"
    " ORDER BY sum(p.weight) DESC, p.post_id LIMIT :lim"
)


def sharing(
    conn: Connection, post_id: int, terms: Mapping[str, float], limit: int, per_term: int
) -> list[int]:
    """The posts sharing most weight of ``terms`` with ``post_id``, best first (ties by id).

    Impact-bounded: of each term only its ``per_term`` heaviest postings are read (ties by
    post id; ``post_id``'s own posting may be among them), so the cost is bounded by the
    number of terms whatever the size of the site, however common a term or tag is. A post
    is credited with the weight of the postings read; ``services.similar_build`` applies
    the same rule to every post at once.
    """
    if not terms:
        return []
    params: dict[str, Any] = {"post_id": post_id, "lim": limit, "per_term": per_term}
    if conn.dialect.name == "postgresql":
        query, params["terms"] = _SHARING_POSTGRES, list(terms)
    else:
        query, params["terms"] = _SHARING_SQLITE, json.dumps(list(terms))
    return [int(pid) for pid in conn.scalars(query, params)]


def holders(conn: Connection, ids: Iterable[int]) -> set[int]:
    """Posts whose list names any of ``ids``."""
    wanted = list(ids)
    found: set[int] = set()
    for i in range(0, len(wanted), 500):
        query = sa.select(similar_posts.c.post_id).where(
            similar_posts.c.other_id.in_(wanted[i : i + 500])
        )
        found.update(conn.scalars(query))
    return found


def shown(conn: Connection, post_id: int, limit: int) -> list[Entry]:
    """The list as readers see it: only posts that are live now, best first."""
    query = (
        sa.select(similar_posts)
        .join(posts, posts.c.id == similar_posts.c.other_id)
        .where(similar_posts.c.post_id == post_id, is_live())
        .order_by(similar_posts.c.rank)
        .limit(limit)
    )
    return [Entry(r.other_id, r.score, tuple(json.loads(r.why))) for r in conn.execute(query)]


def clear(conn: Connection) -> None:
    conn.execute(similar_basis.delete())  # the latent projection is fitted again at the build
    conn.execute(similar_posts.delete())
    conn.execute(post_vectors.delete())
    conn.execute(similar_terms.delete())
    conn.execute(similar_df.delete())
    # the post count, and the mark of a build of the lists stopped earlier: a build that
    # starts from scratch and is stopped before its lists must not be "resumed" from it
    conn.execute(site_state.delete().where(site_state.c.key.in_([POST_COUNT, BUILD_MARK])))


def put_features_many(conn: Connection, data: dict[int, dict[str, Any]]) -> None:
    if not data:
        return
    ids = list(data)
    replaced = 0
    for i in range(0, len(ids), 500):
        where = post_vectors.c.post_id.in_(ids[i : i + 500])
        replaced += conn.execute(post_vectors.delete().where(where)).rowcount
    conn.execute(
        post_vectors.insert(),
        [{"post_id": pid, "features": json.dumps(f)} for pid, f in data.items()],
    )
    _count_change(conn, len(ids) - replaced)


def drop_many(conn: Connection, ids: Iterable[int]) -> None:
    for pid in ids:
        drop(conn, pid)


def lists_of(conn: Connection, ids: Iterable[int]) -> dict[int, list[Entry]]:
    wanted = list(ids)
    found: dict[int, list[Entry]] = {pid: [] for pid in wanted}
    for i in range(0, len(wanted), 500):
        query = (
            sa.select(similar_posts)
            .where(similar_posts.c.post_id.in_(wanted[i : i + 500]))
            .order_by(similar_posts.c.post_id, similar_posts.c.rank)
        )
        for r in conn.execute(query):
            found[r.post_id].append(Entry(r.other_id, r.score, tuple(json.loads(r.why))))
    return found


def last_of(conn: Connection, ids: Iterable[int], rank: int) -> dict[int, tuple[float, int]]:
    """(score, other_id) of the entry at ``rank`` of each of these lists that has one."""
    wanted = list(ids)
    found: dict[int, tuple[float, int]] = {}
    for i in range(0, len(wanted), 500):
        query = sa.select(
            similar_posts.c.post_id, similar_posts.c.score, similar_posts.c.other_id
        ).where(similar_posts.c.post_id.in_(wanted[i : i + 500]), similar_posts.c.rank == rank)
        found.update({r.post_id: (r.score, r.other_id) for r in conn.execute(query)})
    return found


def set_lists(conn: Connection, lists: Mapping[int, Sequence[Entry]]) -> None:
    """Replace several lists at once: one delete per 500 posts and one insert."""
    ids = list(lists)
    for i in range(0, len(ids), 500):
        conn.execute(similar_posts.delete().where(similar_posts.c.post_id.in_(ids[i : i + 500])))
    rows = [
        (pid, n, e.other_id, e.score, json.dumps(list(e.why)))
        for pid, entries in lists.items()
        for n, e in enumerate(entries, 1)
    ]
    if rows:  # at the driver: a full build writes every list
        bulk_insert(conn, similar_posts, ("post_id", "rank", "other_id", "score", "why"), rows)


BUILD_MARK = "similar_build_next"  # site_state: the post id a stopped full build resumes at


def build_mark(conn: Connection) -> int | None:
    """Where an unfinished full build of the lists stopped (None: no build under way)."""
    value = conn.scalar(sa.select(site_state.c.value).where(site_state.c.key == BUILD_MARK))
    return None if value is None else int(value)


def set_build_mark(conn: Connection, next_id: int | None) -> None:
    """Record the build's progress (in the transaction that wrote its lists); None: done."""
    conn.execute(site_state.delete().where(site_state.c.key == BUILD_MARK))
    if next_id is not None:
        conn.execute(site_state.insert().values(key=BUILD_MARK, value=next_id))


def all_features(
    conn: Connection, after: int = 0, limit: int = 2_000
) -> list[tuple[int, dict[str, Any]]]:
    """Every post's features in id order, ``limit`` at a time from ``after`` (keyset)."""
    query = (
        sa.select(post_vectors)
        .where(post_vectors.c.post_id > after)
        .order_by(post_vectors.c.post_id)
        .limit(limit)
    )
    return [(r.post_id, json.loads(r.features)) for r in conn.execute(query)]
