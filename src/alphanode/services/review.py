"""Review before indexing: approve, reject and retract revisions, every decision on record."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Connection, Engine

from alphanode.content import card as cards
from alphanode.content.document import Document
from alphanode.content.states import (
    Outcome,
    PostStatus,
    Publication,
    ReviewAction,
    allowed_from,
    transition,
)
from alphanode.errors import AlphanodeError, NotFound, UsageError
from alphanode.formats import jsonl
from alphanode.formats.render import render
from alphanode.services import claims
from alphanode.store import fingerprints, posts, review
from alphanode.store.engine import reading, writing

logger = logging.getLogger("alphanode.review")
FILTER_KINDS = (
    "flag",
    "generator",
    "topic",
    "stack",
    "near_duplicate",
    "source_format",
    "source_status",
)
BULK_BATCH = 1000


class ReviewError(AlphanodeError):
    code = "AN-REVIEW-001"
    http_status = 409
    exit_code = 2


@dataclass(frozen=True)
class Decision:
    ref: str
    revision: int
    action: ReviewAction
    status: PostStatus


Filters = Sequence[tuple[str, str]]


def parse_filters(pairs: Sequence[str]) -> list[tuple[str, str]]:
    """``["flag=needs_human_review", "topic=caching"]`` → checked (kind, value) pairs."""
    out: list[tuple[str, str]] = []
    for pair in pairs:
        kind, sep, value = pair.partition("=")
        kind = kind.strip().replace("-", "_")
        if not sep or kind not in FILTER_KINDS or not value.strip():
            raise UsageError(
                f"filter {pair!r}", "KIND=VALUE with KIND one of " + ", ".join(FILTER_KINDS)
            )
        out.append((kind, " ".join(value.split()).lower()))
    return out


def _post(conn: Connection, ref_or_slug: str, *, lock: bool = False) -> posts.PostRow:
    row = posts.find(conn, ref_or_slug, lock=lock)
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


def _decide(
    conn: Connection,
    row: posts.PostRow,
    number: int,
    action: ReviewAction,
    actor: str,
    note: str,
    address: str = "",
) -> Outcome:
    """Apply ``action`` to revision ``number`` as the state machine says, and log it: every
    review path (single, bulk, CLI, desk, API) comes through here."""
    rev = posts.revision(conn, row.id, number)
    if rev is None:
        raise NotFound(f"post {row.ref} has no revision {number}", "an existing revision")
    subject = row.ref if action is ReviewAction.RETRACT else f"revision {number} of {row.ref}"
    outcome = transition(row.status, rev.review_state, action, subject)
    if outcome.publication is Publication.PUBLISH:
        doc = _document(rev.document)
        card_json = json.dumps(cards.card(doc).to_dict(), ensure_ascii=False)
        review.make_live(conn, row.id, number, card_json, cards.terms(doc))
        review.supersede_others(conn, row.id, number)
    elif outcome.publication is Publication.TAKE_DOWN:
        review.take_down(conn, row.id, outcome.status.value)
    if outcome.revision is not None:
        review.set_revision_state(conn, row.id, number, outcome.revision.value)
    review.log(conn, row.id, number, action.value, actor, note, address)
    return outcome


def _desk_checks(
    conn: Connection,
    row: posts.PostRow,
    actor: str,
    doing: str,
    seen: int | None,
    number: int | None = None,
) -> None:
    """Someone else's claim refuses the decision; ``seen`` (the newest revision the reviewer
    was shown) refuses it when the post moved on since, so two reviewers deciding at once
    on the same revision get one decision (the post's row is locked by the caller)."""
    claims.check(conn, row.id, row.ref, actor, doing)
    if seen is not None:
        claims.check_seen(conn, row, seen, doing, number)


def decide_in(
    conn: Connection,
    row: posts.PostRow,
    number: int,
    action: ReviewAction,
    actor: str,
    note: str,
    address: str = "",
) -> Outcome:
    """``_decide`` in the caller's transaction (the scheduler claims and decides in one)."""
    return _decide(conn, row, number, action, actor, note, address)


def approve(
    engine: Engine,
    ref_or_slug: str,
    actor: str,
    note: str = "",
    revision: int | None = None,
    address: str = "",
    *,
    seen: int | None = None,
) -> Decision:
    """Make a revision (default: the newest) the live one; it becomes public and indexable.

    The outbox row is written in this transaction (``review.make_live``); the caller's
    ``Site.index_pending`` (or its background syncer) feeds the index from there.
    ``seen``: see ``_desk_checks``.
    """
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug, lock=True)
        number = revision or row.current_revision
        _desk_checks(conn, row, actor, "the approval", seen, number)
        outcome = _decide(conn, row, number, ReviewAction.APPROVE, actor, note, address)
    logger.info("review: %s approved %s revision %d", actor, row.ref, number)
    return Decision(row.ref, number, ReviewAction.APPROVE, outcome.status)


def need_note(action: str, note: str) -> None:
    """Refuse ``action`` (reject, retract) without a note saying why."""
    _need_note(action, note)


def reject(
    engine: Engine,
    ref_or_slug: str,
    actor: str,
    note: str,
    address: str = "",
    *,
    seen: int | None = None,
) -> Decision:
    """Refuse the newest revision; a post that was never live becomes ``rejected``."""
    _need_note("reject", note)
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug, lock=True)
        _desk_checks(conn, row, actor, "the rejection", seen)
        number = row.current_revision
        outcome = _decide(conn, row, number, ReviewAction.REJECT, actor, note, address)
    logger.info("review: %s rejected %s revision %d", actor, row.ref, number)
    return Decision(row.ref, number, ReviewAction.REJECT, outcome.status)


def retract(engine: Engine, ref_or_slug: str, actor: str, note: str, address: str = "") -> Decision:
    """Take a live post down: it leaves every public surface at once."""
    _need_note("retract", note)
    with writing(engine) as conn:
        row = _post(conn, ref_or_slug)
        # The live revision is the one taken down (a post that is not live has none: the
        # state machine refuses before the number is used).
        number = row.live_revision or row.current_revision
        outcome = _decide(conn, row, number, ReviewAction.RETRACT, actor, note, address)
    logger.info("review: %s retracted %s", actor, row.ref)
    return Decision(row.ref, number, ReviewAction.RETRACT, outcome.status)


def queue(
    engine: Engine, filters: Filters = (), offset: int = 0, limit: int = 50
) -> tuple[list[review.QueueRow], int]:
    with reading(engine) as conn:
        return review.queue(conn, filters, offset, limit), review.queue_count(conn, filters)


def pending(engine: Engine, filters: Filters = ()) -> list[str]:
    with reading(engine) as conn:
        return [r.ref for r in review.queue(conn, filters, 0, 10**9)]


def count_matching(engine: Engine, filters: Filters) -> int:
    with reading(engine) as conn:
        return review.queue_count(conn, filters)


Progress = Callable[[int, int], None]


class BulkDecision(Protocol):
    def __call__(
        self,
        engine: Engine,
        filters: Filters,
        actor: str,
        note: str,
        *,
        progress: Progress | None = None,
    ) -> int: ...


def decide_matching(
    engine: Engine,
    filters: Filters,
    action: ReviewAction,
    actor: str,
    note: str = "",
    *,
    progress: Progress | None = None,
    chunk: int = BULK_BATCH,
) -> int:
    """Apply ``action`` to every queued revision matching ``filters``, ``chunk`` posts per
    transaction, in bounded memory; returns how many were decided.

    Each chunk commits on its own, so a run that is killed keeps the chunks it finished
    and a rerun continues with what is still pending (nothing is decided twice: a decided
    revision has left the queue). The chunk is read with one SQL condition on the
    (status, revision state) pairs ``states.allowed_from`` gives for the action; each pair's
    outcome comes from ``transition`` and is written with set-based statements.
    ``progress(done, total)`` is called after each commit.
    """
    pairs = [(s.value, r.value) for s, r in allowed_from(action)]
    total = count_matching(engine, filters)
    done, after = 0, 0
    while True:
        with writing(engine) as conn:
            rows = review.pending_chunk(conn, filters, pairs, after, chunk)
            groups: dict[tuple[str, str], list[review.ChunkRow]] = {}
            for r in rows:
                groups.setdefault((r.status, r.review_state), []).append(r)
            for (status, rstate), members in groups.items():
                outcome = transition(status, rstate, action, f"{len(members)} queued posts")
                items = [_chunk_decision(r, outcome) for r in members]
                review.apply_decisions(
                    conn,
                    items,
                    status=outcome.status.value,
                    revision_state=outcome.revision.value if outcome.revision else None,
                    publication=outcome.publication,
                    action=action.value,
                    actor=actor,
                    note=note,
                )
        if not rows:
            break
        done += len(rows)
        after = rows[-1].post_id
        if progress is not None:
            progress(done, max(total, done))
        if len(rows) < chunk:
            break
    logger.info("review: %s %s %d matching %s", actor, action.value, done, list(filters))
    return done


def _chunk_decision(row: review.ChunkRow, outcome: Outcome) -> review.ChunkDecision:
    if outcome.publication is not Publication.PUBLISH:
        return review.ChunkDecision(row.post_id, row.number)
    doc = _document(row.document)
    card_json = json.dumps(cards.card(doc).to_dict(), ensure_ascii=False)
    return review.ChunkDecision(row.post_id, row.number, card_json, cards.terms(doc))


def approve_matching(
    engine: Engine,
    filters: Filters,
    actor: str,
    note: str = "",
    *,
    progress: Progress | None = None,
) -> int:
    """Approve every pending revision matching ``filters``, in chunked transactions."""
    return decide_matching(engine, filters, ReviewAction.APPROVE, actor, note, progress=progress)


def reject_matching(
    engine: Engine,
    filters: Filters,
    actor: str,
    note: str,
    *,
    progress: Progress | None = None,
) -> int:
    """Reject every pending revision matching ``filters`` (a note is required)."""
    _need_note("reject", note)
    return decide_matching(engine, filters, ReviewAction.REJECT, actor, note, progress=progress)


def approve_all_pending(
    engine: Engine, actor: str, note: str = "", *, progress: Progress | None = None
) -> int:
    return approve_matching(engine, (), actor, note, progress=progress)


def facet_values(engine: Engine, filters: Filters = ()) -> dict[str, list[tuple[str, int]]]:
    """Each filter kind's values in the queue, with counts within the active ``filters``.

    A kind's own filter is left out of its counts: choosing a value replaces that kind's
    filter, so each count is the queue length that choosing the value gives.
    """
    with reading(engine) as conn:
        return {
            kind: review.facet_values(conn, kind, [f for f in filters if f[0] != kind])
            for kind in FILTER_KINDS
        }


def log(engine: Engine, ref_or_slug: str) -> list[review.LogRow]:
    with reading(engine) as conn:
        return review.history(conn, _post(conn, ref_or_slug).id)


@dataclass(frozen=True)
class ReviewView:
    post: posts.PostRow
    revision: int
    document: Document
    live_document: Document | None
    diff: list[tuple[str, str]]  # (kind: add, del, ctx, hunk, text)
    warnings: list[dict[str, object]]
    facets: list[tuple[str, str]]
    log: list[review.LogRow]
    state: str
    near_duplicate_of: tuple[posts.PostRow, float] | None = None  # (earlier post, similarity)
    source: str = ""
    run_id: int | None = None
    created_at: dt.datetime | None = None  # when the revision entered the queue


def _diff(old: Document | None, new: Document) -> list[tuple[str, str]]:
    before = render(old).splitlines() if old is not None else []
    after = render(new).splitlines()
    out: list[tuple[str, str]] = []
    for line in difflib.unified_diff(before, after, "live", "pending", n=2, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        out.append((kind, line))
    return out


def review_view(engine: Engine, ref_or_slug: str) -> ReviewView:
    """A post's newest revision beside its live one: the diff, warnings, facets and log."""
    with reading(engine) as conn:
        row = _post(conn, ref_or_slug)
        rev = posts.revision(conn, row.id, row.current_revision)
        live = posts.revision(conn, row.id, row.live_revision) if row.live_revision else None
        facets = review.facets_of(conn, row.id, row.current_revision)
        history = review.history(conn, row.id)
        state = review.revision_state(conn, row.id, row.current_revision)
        near = fingerprints.of(conn, row.id)
        original = posts.by_id(conn, near[0]) if near is not None else None
    assert rev is not None  # noqa: S101 - the current revision always exists
    doc = _document(rev.document)
    live_doc = _document(live.document) if live is not None else None
    return ReviewView(
        row,
        row.current_revision,
        doc,
        live_doc,
        _diff(live_doc, doc) if live_doc is not None and live_doc != doc else [],
        json.loads(rev.warnings),
        facets,
        history,
        state,
        (original, near[1]) if original is not None and near is not None else None,
        rev.source,
        rev.run_id,
        rev.created_at,
    )


def _document(text: str) -> Document:
    return jsonl.from_object(json.loads(text)).document
