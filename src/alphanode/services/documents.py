"""Reading posts back: show, history, rollback to an earlier revision, export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from alphanode.content.card import review_facets
from alphanode.content.document import Document
from alphanode.errors import NotFound, UsageError
from alphanode.formats import jsonl
from alphanode.store import posts
from alphanode.store.engine import reading, writing


@dataclass(frozen=True)
class StoredPost:
    post: posts.PostRow
    document: Document

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.document.to_dict(),
            "ref": self.post.ref,
            "slug": self.post.slug,
            "status": self.post.status,
            "revision": self.post.current_revision,
        }


def _load(text: str) -> Document:
    return jsonl.from_object(json.loads(text)).document


def _find(engine: Engine, ref_or_slug: str) -> posts.PostRow:
    with reading(engine) as conn:
        row = posts.find(conn, ref_or_slug)
    if row is None:
        raise NotFound(
            f"no post with reference or slug {ref_or_slug!r}",
            "a reference such as anp-ref-026145-7938 or a slug (see `alphanode export`)",
        )
    return row


def show(engine: Engine, ref_or_slug: str, revision: int | None = None) -> StoredPost:
    row = _find(engine, ref_or_slug)
    number = revision or row.current_revision
    with reading(engine) as conn:
        rev = posts.revision(conn, row.id, number)
    if rev is None:
        raise NotFound(
            f"post {row.ref} has no revision {number}",
            f"a revision from 1 to {row.current_revision}",
        )
    return StoredPost(row, _load(rev.document))


@dataclass(frozen=True)
class RevisionInfo:
    number: int
    current: bool
    created_at: str
    content_hash: str
    source: str
    title: str
    warnings: int

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def history(engine: Engine, ref_or_slug: str) -> tuple[posts.PostRow, list[RevisionInfo]]:
    row = _find(engine, ref_or_slug)
    with reading(engine) as conn:
        revs = posts.history(conn, row.id)
    return row, [
        RevisionInfo(
            r.number,
            r.number == row.current_revision,
            r.created_at.isoformat(timespec="seconds"),
            r.content_hash,
            r.source,
            str(json.loads(r.document).get("title", "")),
            len(json.loads(r.warnings)),
        )
        for r in revs
    ]


def rollback(engine: Engine, ref_or_slug: str, to: int) -> int:
    """Make revision ``to`` current again by storing it as a new revision; history is kept."""
    row = _find(engine, ref_or_slug)
    with writing(engine) as conn:
        old = posts.revision(conn, row.id, to)
        if old is None:
            raise UsageError(
                f"post {row.ref} has no revision {to}",
                f"a revision from 1 to {row.current_revision}",
            )
        current = posts.revision(conn, row.id, row.current_revision)
        if current is not None and current.content_hash == old.content_hash:
            return row.current_revision
        number = row.current_revision + 1
        source = f"rollback to revision {to}"
        posts.insert_revisions(
            conn,
            [
                posts.NewRevision(
                    row.id,
                    number,
                    old.content_hash,
                    old.document,
                    old.warnings,
                    source,
                    tuple(review_facets(_load(old.document))),
                    listing=old.listing,
                )
            ],
            None,
        )
        title = str(json.loads(old.document).get("title", row.title))
        posts.set_current(conn, [(row.id, number, title, old.content_hash)])
    return number


def export(engine: Engine) -> Iterator[tuple[posts.PostRow, Document]]:
    """Every post's current document, oldest first (the order that re-creates the same slugs)."""
    with reading(engine) as conn:
        for row, document in posts.iter_current(conn):
            yield row, _load(document)
