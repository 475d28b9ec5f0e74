"""Queries for near-duplicate detection: body signatures, their band keys, the pairs found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.content.fingerprint import Fingerprint
from alphanode.store.engine import bulk_insert
from alphanode.store.schema import (
    fingerprint_bands,
    near_duplicates,
    post_fingerprints,
    posts,
    revision_facets,
)

_IN_CHUNK = 500  # stay well below every database's bound-parameter limit


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(values), _IN_CHUNK):
        yield values[i : i + _IN_CHUNK]


def _raw_in(conn: Connection, select: str, column: str, values: list[int]) -> list[Any]:
    """``select … WHERE column IN (values)`` straight to the driver: the import's hot path
    fetches hundreds of thousands of small rows here, where SQLAlchemy's per-row work is
    most of the cost. ``select`` and ``column`` are our own SQL, never input."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"{select} WHERE {column} IN ({', '.join([mark] * len(values))})"
    return list(conn.exec_driver_sql(sql, tuple(values)).fetchall())


def sharing(conn: Connection, bands: Iterable[int], limit: int) -> dict[int, list[int]]:
    """For each band key, the posts whose signature has it: the ``limit`` most recent.

    A key shared by many posts is template text, not a copy (a real copy shares about four
    keys of sixteen, most of them rare), so its older holders are left in the database: a
    window function keeps what crosses to Python bounded by ``limit`` per key however large
    the site grows."""
    found: dict[int, list[int]] = {}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    for chunk in _chunks(sorted(set(bands))):
        marks = ", ".join([mark] * len(chunk))
        sql = (
            "SELECT band, post_id FROM (SELECT band, post_id, row_number() OVER "  # noqa: S608 - only placeholders are formatted in
            "(PARTITION BY band ORDER BY post_id DESC) AS n FROM fingerprint_bands "
            f"WHERE band IN ({marks})) AS kept WHERE n <= {mark}"
        )
        for band, post_id in conn.exec_driver_sql(sql, (*chunk, limit)).fetchall():
            found.setdefault(band, []).append(post_id)
    return found


def signatures(conn: Connection, ids: Iterable[int]) -> dict[int, Fingerprint]:
    found: dict[int, Fingerprint] = {}
    select = "SELECT post_id, signature FROM post_fingerprints"
    for chunk in _chunks(sorted(set(ids))):
        for post_id, signature in _raw_in(conn, select, "post_id", chunk):
            found[post_id] = Fingerprint.from_bytes(bytes(signature))
    return found


def replace(
    conn: Connection,
    prints: Mapping[int, Fingerprint | None],
    keys: Mapping[int, list[int]],
    found: Mapping[int, tuple[int, float]],
    fresh: set[int],
) -> None:
    """Store each post's current signature (or none), band ``keys`` and near-duplicate.

    ``fresh`` posts were inserted in this transaction and have nothing to delete first.
    """
    old = [pid for pid in prints if pid not in fresh]
    for chunk in _chunks(old):
        for table in (fingerprint_bands, post_fingerprints, near_duplicates):
            conn.execute(sa.delete(table).where(table.c.post_id.in_(chunk)))
    rows = [(pid, fp.to_bytes()) for pid, fp in prints.items() if fp]
    bands = [(band, pid) for pid, ks in keys.items() for band in dict.fromkeys(ks)]
    pairs = [(pid, other, round(s, 4)) for pid, (other, s) in found.items()]
    for table, columns, values in (
        (post_fingerprints, ("post_id", "signature"), rows),
        (fingerprint_bands, ("band", "post_id"), bands),
        (near_duplicates, ("post_id", "other_id", "similarity"), pairs),
    ):
        if values:
            bulk_insert(conn, table, columns, values)


def originals(conn: Connection, ids: Iterable[int]) -> dict[int, int]:
    """For each of ``ids`` marked a near-duplicate, the first post of its chain of copies
    (a copy may be marked against an earlier copy rather than the original)."""
    asked = list(ids)
    direct: dict[int, int] = {}
    wanted = set(asked)
    for _ in range(8):  # chains are short; a bound keeps a corrupt cycle harmless
        if not wanted:
            break
        found: dict[int, int] = {}
        for chunk in _chunks(sorted(wanted)):
            query = sa.select(near_duplicates.c.post_id, near_duplicates.c.other_id).where(
                near_duplicates.c.post_id.in_(chunk)
            )
            found.update({row.post_id: row.other_id for row in conn.execute(query)})
        direct.update(found)
        wanted = set(found.values()) - set(direct)
    roots: dict[int, int] = {}
    for start in asked:
        node, steps = start, 0
        while node in direct and steps < 8:
            node, steps = direct[node], steps + 1
        if node != start:
            roots[start] = node
    return roots


def of(conn: Connection, post_id: int) -> tuple[int, float] | None:
    """The earlier post this one's current body nearly duplicates, with the similarity."""
    row = conn.execute(
        sa.select(near_duplicates.c.other_id, near_duplicates.c.similarity).where(
            near_duplicates.c.post_id == post_id
        )
    ).first()
    return (row.other_id, row.similarity) if row else None


def clear(conn: Connection) -> None:
    """Forget every signature and near-duplicate (before a full scan)."""
    for table in (near_duplicates, fingerprint_bands, post_fingerprints):
        conn.execute(sa.delete(table))


def set_facets(
    conn: Connection, current: Mapping[int, int], marked: set[int], facet: tuple[str, str]
) -> None:
    """Give each post's current revision (``{post_id: number}``) the facet iff it is marked."""
    kind, value = facet
    for chunk in _chunks(sorted(current)):
        conn.execute(
            sa.delete(revision_facets).where(
                revision_facets.c.kind == kind, revision_facets.c.post_id.in_(chunk)
            )
        )
    rows = [
        {"post_id": pid, "number": current[pid], "kind": kind, "value": value}
        for pid in sorted(marked)
    ]
    if rows:
        conn.execute(revision_facets.insert(), rows)


@dataclass(frozen=True)
class Pair:
    ref: str
    title: str
    status: str
    original_ref: str
    original_title: str
    similarity: float


def listing(conn: Connection, limit: int) -> tuple[list[Pair], int]:
    """Near-duplicates found, newest post first, with the total."""
    original = posts.alias("original")
    query = (
        sa.select(
            posts.c.ref,
            posts.c.title,
            posts.c.status,
            original.c.ref.label("original_ref"),
            original.c.title.label("original_title"),
            near_duplicates.c.similarity,
        )
        .join(posts, posts.c.id == near_duplicates.c.post_id)
        .join(original, original.c.id == near_duplicates.c.other_id)
        .order_by(near_duplicates.c.post_id.desc())
        .limit(limit)
    )
    total = conn.scalar(sa.select(sa.func.count()).select_from(near_duplicates)) or 0
    return [Pair(*row) for row in conn.execute(query)], total


def unmark(conn: Connection, post_id: int, facet: tuple[str, str]) -> bool:
    """A reviewer says the post is not a near-duplicate: forget the pair and the facet."""
    gone = conn.execute(sa.delete(near_duplicates).where(near_duplicates.c.post_id == post_id))
    kind, value = facet
    conn.execute(
        sa.delete(revision_facets).where(
            revision_facets.c.post_id == post_id,
            revision_facets.c.kind == kind,
            revision_facets.c.value == value,
        )
    )
    return bool(gone.rowcount)
