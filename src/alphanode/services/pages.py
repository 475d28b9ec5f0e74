"""Article pages from kept fragments: a revision's parts are rendered once, then assembled
with the parts that change on every request (counted views, Similar Posts).

A kept row is served only when its key equals the key of the page being asked for, and the
key digests everything the parts were drawn from (post, revision number and content hash,
slug, publication and change dates, and the web layer's salt: render version, base URL,
site name, image policy). So a new approval, a rollback, an edit made live, a renamed slug or
a new release all give a new key, and the old row is simply never read again; a retracted
post is not live, so it has no page at all. Rendered parts are written in batches by a
background flush, never on the request path (the same rule as counted views).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from alphanode.content import card as cards
from alphanode.services import site as site_service
from alphanode.services.periodic import Periodic
from alphanode.services.runtime import Site
from alphanode.store import fragments, public, state
from alphanode.store.engine import reading, writing
from alphanode.store.fragments import LivePage, Parts

log = logging.getLogger("alphanode.pages")

FLUSH_SECONDS = 2.0  # how long rendered parts wait in memory before one batched write
MAX_PENDING = 2048  # parts waiting for a flush (beyond, the oldest are dropped, not lost)

Renderer = Callable[[site_service.Article], Parts]


@dataclass(frozen=True)
class ArticlePage:
    ref: str
    slug: str
    updated_at: dt.datetime
    parts: Parts
    similar: list[site_service.Similar]
    views: int
    rendered: bool  # False: the parts were kept ones


def page_key(salt: str, live: LivePage) -> str:
    """The digest of everything a page's kept parts depend on."""
    text = json.dumps(
        [
            salt,
            live.post_id,
            live.ref,
            live.slug,
            live.revision,
            live.content_hash,
            live.published_at.isoformat(),
            live.updated_at.isoformat(),
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FragmentQueue:
    """Rendered parts and cards waiting to be kept, per worker; a background thread writes
    them every ``interval`` seconds in one transaction (and once more at shutdown). Until
    then the worker serves them from here, so it renders a page once, not once per flush."""

    def __init__(self, engine: Engine, interval: float = FLUSH_SECONDS) -> None:
        self.engine = engine
        self._parts: OrderedDict[int, tuple[str, Parts]] = OrderedDict()
        self._cards: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._periodic = Periodic("alphanode-fragments", interval, self.flush, final=True)
        self.written = 0

    def parts(self, post_id: int, key: str) -> Parts | None:
        with self._lock:
            found = self._parts.get(post_id)
        return found[1] if found is not None and found[0] == key else None

    def keep_parts(self, post_id: int, key: str, parts: Parts) -> None:
        with self._lock:
            self._parts[post_id] = (key, parts)
            self._parts.move_to_end(post_id)
            while len(self._parts) > MAX_PENDING:
                self._parts.popitem(last=False)

    def card(self, slug: str, version: str) -> bytes | None:
        with self._lock:
            found = self._cards.get(slug)
        return found[1] if found is not None and found[0] == version else None

    def keep_card(self, slug: str, version: str, png: bytes) -> None:
        with self._lock:
            self._cards[slug] = (version, png)
            self._cards.move_to_end(slug)
            while len(self._cards) > MAX_PENDING:
                self._cards.popitem(last=False)

    def pending(self) -> int:
        with self._lock:
            return len(self._parts) + len(self._cards)

    def flush(self) -> int:
        """Write what waits; returns the rows written. A failed write is logged and dropped:
        the parts are a cache, the next view renders them again."""
        with self._lock:
            parts, self._parts = self._parts, OrderedDict()
            kept_cards, self._cards = self._cards, OrderedDict()
        if not parts and not kept_cards:
            return 0
        try:
            with writing(self.engine) as conn:
                written = fragments.save(conn, [(p, k, v) for p, (k, v) in parts.items()])
                written += fragments.save_cards(
                    conn, [(s, v, png) for s, (v, png) in kept_cards.items()]
                )
        except Exception:
            log.exception(
                "could not keep %d page fragments; they will be rendered again", len(parts)
            )
            return 0
        self.written += written
        return written

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()


def article_page(
    site: Site,
    slug: str,
    render: Renderer,
    salt: str,
    queue: FragmentQueue | None,
    *,
    db: Engine | None = None,
) -> ArticlePage | None:
    """The live post's page: its kept parts when their key matches, else parts rendered now
    (and queued to be kept when ``queue`` is given); None when no live post has ``slug``.
    Read from ``db`` (a replica for public reads), else the site's primary."""
    with reading(db or site.engine) as conn:
        live = fragments.live_page(conn, slug)
        if live is None:
            return None
        key = page_key(salt, live)
        parts = live.kept if queue is not None and live.kept_key == key else None
        if parts is None and queue is not None:
            parts = queue.parts(live.post_id, key)
        text: str | None = None
        terms: list[tuple[str, str, str]] = []
        if parts is None:
            text = fragments.document(conn, live.post_id, live.revision)
            terms = public.terms_of(conn, live.post_id)
        shown = site_service.similar_of(conn, live.post_id)
        views = state.views_of(conn, live.post_id)
    rendered = parts is None
    if parts is None:
        if text is None:  # the join above found the revision in this same transaction
            return None
        doc = site.parsed.get(live.post_id, live.revision, text)
        article = site_service.Article(
            live.ref,
            live.slug,
            live.revision,
            live.published_at,
            live.updated_at,
            doc,
            cards.reading_time(doc),
            terms,
        )
        parts = render(article)
        if queue is not None:
            queue.keep_parts(live.post_id, key, parts)
    return ArticlePage(live.ref, live.slug, live.updated_at, parts, shown, views, rendered)


def card(
    site: Site, slug: str, version: str, draw: Callable[[str], bytes], queue: FragmentQueue | None
) -> bytes:
    """A post's link-preview card: kept, or drawn now (and queued to be kept)."""
    if queue is None:
        return draw(slug)
    png = queue.card(slug, version)
    if png is None:
        with reading(site.engine) as conn:
            png = fragments.card(conn, slug, version)
    if png is None:
        png = draw(slug)
        queue.keep_card(slug, version, png)
    return png
