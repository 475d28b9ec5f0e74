"""The review desk: a revision compared with another, near-duplicates, the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from alphanode.content import diff
from alphanode.content.document import Document
from alphanode.content.states import DeskAction
from alphanode.errors import NotFound
from alphanode.formats import jsonl, markdown_writer
from alphanode.services.near_duplicates import FACET
from alphanode.store import fingerprints, posts, review
from alphanode.store.engine import reading, writing


@dataclass(frozen=True)
class Comparison:
    ref: str
    old: int
    new: int
    title: tuple[str, str]
    blocks: list[diff.BlockChange]
    meta: list[diff.MetaChange]
    revisions: list[int]


def _document(text: str) -> Document:
    return jsonl.from_object(json.loads(text)).document


def _texts(doc: Document) -> list[str]:
    return [markdown_writer.blocks([b]).strip() for b in doc.body]


def compare_documents(
    old: Document, new: Document
) -> tuple[list[diff.BlockChange], list[diff.MetaChange]]:
    return diff.blocks(_texts(old), _texts(new)), diff.meta(old.meta, new.meta)


def compare(engine: Engine, ref_or_slug: str, old: int | None, new: int | None) -> Comparison:
    """Revision ``old`` (default: the live one, else the one before) against ``new``
    (default: the newest)."""
    with reading(engine) as conn:
        row = posts.find(conn, ref_or_slug)
        if row is None:
            raise NotFound(f"no post with reference or slug {ref_or_slug!r}", "an existing post")
        numbers = [r.number for r in posts.history(conn, row.id)]
        to = new or row.current_revision
        frm = old or row.live_revision or max(1, to - 1)
        a = posts.revision(conn, row.id, frm)
        b = posts.revision(conn, row.id, to)
    if a is None or b is None:
        raise NotFound(
            f"post {row.ref} has no revision {frm if a is None else to}",
            "one of " + ", ".join(map(str, numbers)),
        )
    da, db = _document(a.document), _document(b.document)
    blocks, meta = compare_documents(da, db)
    return Comparison(row.ref, frm, to, (da.title, db.title), blocks, meta, numbers)


@dataclass(frozen=True)
class SideBySide:
    original_ref: str
    original_title: str
    original: tuple[diff.Part, ...]  # the original's body, passages shared with the copy marked
    copy: tuple[diff.Part, ...]


def _plain(doc: Document) -> str:
    return " ".join(_texts(doc))


def beside_original(engine: Engine, ref_or_slug: str) -> SideBySide | None:
    """A near-duplicate's body beside its original's, with the shared passages marked."""
    with reading(engine) as conn:
        row = posts.find(conn, ref_or_slug)
        near = fingerprints.of(conn, row.id) if row is not None else None
        if row is None or near is None:
            return None
        other = posts.by_id(conn, near[0])
        a = posts.revision(conn, near[0], other.current_revision) if other else None
        b = posts.revision(conn, row.id, row.current_revision)
    if other is None or a is None or b is None:
        return None
    first, second = _plain(_document(a.document)), _plain(_document(b.document))
    return SideBySide(
        other.ref, other.title, diff.shared(second, first), diff.shared(first, second)
    )


def not_duplicate(engine: Engine, ref_or_slug: str, actor: str, address: str = "") -> bool:
    """The reviewer says the post is not a near-duplicate: the mark goes, the log keeps it."""
    with writing(engine) as conn:
        row = posts.find(conn, ref_or_slug)
        if row is None:
            raise NotFound(f"no post with reference or slug {ref_or_slug!r}", "an existing post")
        gone = fingerprints.unmark(conn, row.id, FACET)
        review.log(
            conn, row.id, row.current_revision, DeskAction.NOT_DUPLICATE.value, actor, "", address
        )
    return gone


def log(
    engine: Engine,
    actor: str = "",
    action: str = "",
    ref: str = "",
    before: int | None = None,
    limit: int = 100,
) -> list[review.Entry]:
    with reading(engine) as conn:
        return review.entries(conn, actor, action, ref, before, limit)
