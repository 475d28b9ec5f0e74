"""Review before indexing: approve, reject and retract revisions, every decision on record."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from alphanode.content import card as cards
from alphanode.errors import AlphanodeError, NotFound
from alphanode.formats import jsonl
from alphanode.store import posts, review
from alphanode.store.engine import reading, writing


class ReviewError(AlphanodeError):
    code = "AN-REVIEW-001"
    http_status = 409
    exit_code = 2


@dataclass(frozen=True)
class Decision:
    ref: str
    revision: int
    action: str
    status: str


def _post(conn: Connection, ref_or_slug: str) -> posts.PostRow:
    row = posts.find(conn, ref_or_slug)
    if row is None:
        raise NotFound(f"no post with reference or slug {ref_or_slug!r}", "an existing post")
    return row


def _need_note(action: str, note: str) -> None:
    if not note.strip():
        raise ReviewError(
            f"{action} needs a note saying why",
            "--note with a reason (it is kept in the review log)",
            code="AN-REVIEW-002",
        )


def approve(
    engine: Engine, ref_or_slug: str, actor: str, note: str = "", revision: int | None = None
) -> Decision:
    """Make a revision (default: the newest) the live one; it becomes public and indexable."""
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug)
        number = revision or row.current_revision
        rev = posts.revision(conn, row.id, number)
        if rev is None:
            raise NotFound(f"post {row.ref} has no revision {number}", "an existing revision")
        doc = jsonl.from_object(json.loads(rev.document)).document
        card_json = json.dumps(cards.card(doc).to_dict(), ensure_ascii=False)
        review.make_live(conn, row.id, number, card_json, cards.terms(doc))
        if row.live_revision is not None and row.live_revision != number:
            review.set_revision_state(conn, row.id, row.live_revision, "superseded")
        review.set_revision_state(conn, row.id, number, "approved")
        review.log(conn, row.id, number, "approve", actor, note)
    return Decision(row.ref, number, "approve", "approved")


def reject(engine: Engine, ref_or_slug: str, actor: str, note: str) -> Decision:
    """Refuse the newest revision; a post that was never live becomes ``rejected``."""
    _need_note("reject", note)
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug)
        number = row.current_revision
        if row.live_revision == number:
            raise ReviewError(
                f"revision {number} of {row.ref} is live",
                "retract to take a live post down, or reject a newer pending revision",
                code="AN-REVIEW-003",
            )
        review.set_revision_state(conn, row.id, number, "rejected")
        status = row.status
        if row.live_revision is None:
            review.take_down(conn, row.id, "rejected")
            status = "rejected"
        review.log(conn, row.id, number, "reject", actor, note)
    return Decision(row.ref, number, "reject", status)


def retract(engine: Engine, ref_or_slug: str, actor: str, note: str) -> Decision:
    """Take a live post down: it leaves every public surface at once."""
    _need_note("retract", note)
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug)
        if row.live_revision is None:
            raise ReviewError(
                f"{row.ref} is not live (status {row.status})",
                "an approved post",
                code="AN-REVIEW-004",
            )
        review.take_down(conn, row.id, "retracted")
        review.log(conn, row.id, row.live_revision, "retract", actor, note)
    return Decision(row.ref, row.live_revision, "retract", "retracted")


def pending(engine: Engine, limit: int | None = None) -> list[str]:
    with reading(engine) as conn:
        return review.pending_refs(conn, limit)


def approve_all_pending(engine: Engine, actor: str, note: str = "") -> int:
    """Approve every pending revision (used for demo content; reviewers use filters)."""
    refs = pending(engine)
    for ref in refs:
        approve(engine, ref, actor, note)
    return len(refs)
