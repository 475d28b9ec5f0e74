"""What the reader's site shows: listings, article pages, similar posts, feeds, sitemap."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Engine

from alphanode.content import card as cards
from alphanode.content.document import Document
from alphanode.services.live_counts import LiveCounts
from alphanode.services.runtime import Site
from alphanode.store import posts, public, similar, state
from alphanode.store.engine import reading

PAGE_SIZE = 20
SIMILAR_SHOWN = 5
# A term's own row read by key and sorted costs about this many posts walked in listing order
# (measured at 100,000 posts on SQLite, docs/benchmarks.md "Pages at scale").
WALK_COST = 5
TERM_KINDS = {"stack": "stack", "tools": "tools", "difficulty": "difficulty", "topics": "topic"}


@dataclass(frozen=True)
class CardView:
    ref: str
    slug: str
    published_at: dt.datetime
    updated_at: dt.datetime
    title: str
    summary: str
    stack: tuple[str, ...]
    reading_time: int
    difficulty: str


def card_view(c: public.LiveCard) -> CardView:
    data = cards.Card.from_dict(c.card)
    return CardView(
        c.ref,
        c.slug,
        c.published_at,
        c.updated_at,
        data.title,
        data.summary,
        data.stack,
        data.reading_time,
        data.difficulty,
    )


@dataclass(frozen=True)
class Listing:
    cards: list[CardView]
    page: int
    pages: int
    total: int
    kind: str | None = None
    term: str | None = None
    label: str | None = None


def listing(
    engine: Engine,
    page: int = 1,
    kind: str | None = None,
    term: str | None = None,
    *,
    counts: LiveCounts | None = None,
) -> Listing | None:
    """One page of live posts, newest first; None when a taxonomy term has no live posts.
    ``counts``: the site's kept totals (``Site.live_counts``), else the total is counted."""
    with reading(engine) as conn:
        label = None
        if kind is not None:
            label = public.term_label(conn, kind, term or "")
            if label is None:
                return None
        total = counts.get(conn, kind, term) if counts else public.count(conn, kind, term)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        if page < 1 or page > pages:
            return None
        offset = (page - 1) * PAGE_SIZE
        # Walk the newest posts (a common term's first pages) when that visits fewer rows
        # than reading all of the term's, each of which costs about WALK_COST walked.
        walk = (
            kind is not None
            and counts is not None
            and (offset + PAGE_SIZE) * counts.get(conn) < WALK_COST * total * total
        )
        rows = public.cards(conn, offset=offset, limit=PAGE_SIZE, kind=kind, term=term, walk=walk)
    return Listing([card_view(r) for r in rows], page, pages, total, kind, term, label)


@dataclass(frozen=True)
class Similar:
    card: CardView
    score: float
    why: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    ref: str
    slug: str
    revision: int
    published_at: dt.datetime
    updated_at: dt.datetime
    document: Document
    reading_time: int
    terms: list[tuple[str, str, str]]
    similar: list[Similar] = field(default_factory=list)
    views: int = 0  # counted by this site (views_flush_seconds behind at most)


def similar_of(conn: Connection, post_id: int) -> list[Similar]:
    """The precomputed list (services/similar.py), only posts that are live now."""
    entries = similar.shown(conn, post_id, SIMILAR_SHOWN)
    by_id = public.cards_by_ids(conn, [e.other_id for e in entries])
    return [
        Similar(card_view(by_id[e.other_id]), e.score, e.why)
        for e in entries
        if e.other_id in by_id
    ]


def article(site: Site, slug: str, *, db: Engine | None = None) -> Article | None:
    """A live post with its terms, Similar Posts and counted views, in one read (from
    ``db``, a replica for public reads, else the site's primary)."""
    with reading(db or site.engine) as conn:
        live = public.live_post(conn, slug=slug)
        if live is None:
            return None
        terms = public.terms_of(conn, live.post_id)
        shown = similar_of(conn, live.post_id)
        views = state.views_by_ref(conn, [live.ref])[live.ref]
    doc = site.parsed.get(live.post_id, live.revision, live.document)
    return Article(
        live.ref,
        live.slug,
        live.revision,
        live.published_at,
        live.updated_at,
        doc,
        cards.reading_time(doc),
        terms,
        shown,
        views,
    )


def api_post(engine: Engine, ref: str) -> dict[str, Any] | None:
    with reading(engine) as conn:
        live = public.live_post(conn, ref=ref)
    if live is None:
        return None
    return {
        **json.loads(live.document),
        "ref": live.ref,
        "slug": live.slug,
        "revision": live.revision,
        "published_at": live.published_at.isoformat(),
        "updated_at": live.updated_at.isoformat(),
    }


def sitemap(engine: Engine) -> list[tuple[str, dt.datetime]]:
    with reading(engine) as conn:
        return public.sitemap(conn)


def preview(site: Site, slug: str) -> tuple[Article, str] | None:
    """For reviewers: a post's newest revision whatever its status, and that status."""
    with reading(site.engine) as conn:
        row = posts.find(conn, slug)
        if row is None or row.slug != slug:
            return None
        rev = posts.revision(conn, row.id, row.current_revision)
        views = state.views_by_ref(conn, [row.ref])[row.ref]
    if rev is None:
        return None
    doc = site.parsed.get(row.id, row.current_revision, rev.document)
    terms = cards.terms(doc)
    article = Article(
        row.ref,
        row.slug,
        row.current_revision,
        row.published_at or row.created_at,
        row.updated_at,
        doc,
        cards.reading_time(doc),
        terms,
        [],
        views,
    )
    return article, row.status


def has_pending_revision(engine: Engine, slug: str) -> bool:
    with reading(engine) as conn:
        row = posts.find(conn, slug)
    return (
        row is not None
        and row.live_revision is not None
        and row.current_revision != row.live_revision
    )
