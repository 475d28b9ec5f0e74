"""Queries for Similar Posts' latent topics: each term's row of the fitted projection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.store.schema import similar_basis

PAGE = 500


def rows(conn: Connection, terms: Iterable[str]) -> dict[str, bytes]:
    """The stored rows of ``terms`` (terms the last fit did not keep are absent)."""
    wanted = sorted({t[:120] for t in terms})
    found: dict[str, bytes] = {}
    for i in range(0, len(wanted), PAGE):
        query = sa.select(similar_basis).where(similar_basis.c.term.in_(wanted[i : i + PAGE]))
        found.update({r.term: bytes(r.vector) for r in conn.execute(query)})
    return found


def replace(conn: Connection, data: Mapping[str, bytes]) -> None:
    """The projection of a new fit, replacing the last one (inserted ``PAGE`` rows at a time)."""
    conn.execute(similar_basis.delete())
    items = [{"term": t[:120], "vector": v} for t, v in data.items()]
    for i in range(0, len(items), PAGE):
        conn.execute(similar_basis.insert(), items[i : i + PAGE])
