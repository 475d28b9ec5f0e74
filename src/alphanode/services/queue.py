"""The review queue at a glance: a sorted page, its counts (cached, invalidated by any change
to the queue) and actions on several posts at once (selected, or all matching)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import Connection, Engine

from alphanode.errors import AlphanodeError, UsageError
from alphanode.services import review
from alphanode.store import accounts, queue
from alphanode.store.engine import reading, writing

logger = logging.getLogger("alphanode.queue")
ACTIONS = ("approve", "reject", "assign")
SCOPES = ("selected", "matching")
CHUNK = 1000
MAX_SELECTED = 500  # a page holds 50; a form with more picks than this is not ours


@dataclass(frozen=True)
class Counts:
    """The queue's length and facet counts, counted at ``as_of``; ``stale``: the queue has
    changed since and a recount is running (see ``QueueCounts``)."""

    total: int | None  # None: not counted yet (the first count is running)
    facets: dict[str, list[tuple[str, int]]]
    as_of: dt.datetime
    stale: bool = False


@dataclass
class _Kept:
    version: tuple[int, int]
    counts: Counts
    took: float  # seconds the count took
    refreshing: bool = False


class QueueCounts:
    """The queue's length and facet counts per filter set, kept until the queue changes.

    Counting a million pending rows takes seconds, so a request never recounts what it can
    reuse: each entry holds ``store.queue.version`` (the newest revision and review-log row:
    every import, edit, decision, assignment, claim and "not a duplicate" moves one), so
    every process sees any change on its next request. When the queue has changed, a count
    that took under ``slow`` seconds is redone in the request (exact; always so on a small
    queue); a slower one is redone in a background thread while requests get the previous
    counts marked ``stale`` with their time, so a page never waits for a million-row count.
    The first count of a large queue (``large`` revisions or more, read from the version) or
    of any filter set once counts have proved slow (a count of ``small`` pending posts or
    more that took ``slow`` seconds: a small queue counted slowly only shows a loaded
    machine) also runs in the background, and the request waits up to ``slow`` seconds for
    it (``wait``); only past that does the page say it is counting (``total`` None).
    A ``claimed`` filter adds the minute to the key, since claims expire without a write.
    A bounded LRU, one per ``Site``.
    """

    slow = 0.25  # seconds
    large = 50_000  # revisions
    small = 1_000  # pending posts: a count this small is never "slow", however long it took
    wait = 0.25  # seconds a request waits for a first count running in the background

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.items: OrderedDict[tuple[object, ...], _Kept] = OrderedDict()
        self.lock = threading.Lock()
        self.recounts = 0
        self.slow_seen = False

    def get(self, engine: Engine, filters: review.Filters, claimed: str, at: dt.datetime) -> Counts:
        with reading(engine) as conn:
            version = queue.version(conn)
        minute = at.replace(second=0, microsecond=0) if claimed else None
        key = (tuple(filters), claimed, minute)
        worker = None
        with self.lock:
            kept = self.items.get(key)
            if kept is not None:
                self.items.move_to_end(key)
                if kept.version == version:
                    return kept.counts
                if kept.took >= self.slow and not self._small(kept.counts):
                    if not kept.refreshing:
                        kept.refreshing = True
                        self._background(engine, key, filters, claimed, version)
                    return replace(kept.counts, stale=True)
            elif version[0] >= self.large or self.slow_seen:
                first = Counts(None, {}, dt.datetime.now(dt.UTC), stale=True)
                self.items[key] = _Kept((-1, -1), first, float("inf"), refreshing=True)
                worker = self._background(engine, key, filters, claimed, version)
        if worker is None:
            return self._recount(engine, key, filters, claimed, version)
        if self.wait <= 0:
            return first  # not waited for: the page says it is counting
        worker.join(self.wait)
        with self.lock:
            kept = self.items.get(key)
            return first if kept is None or kept.version != version else kept.counts

    def _small(self, counts: Counts) -> bool:
        """A kept count of under ``small`` posts: redone in the request however long it took
        (on a loaded machine even a 23-post count can take 0.25 s)."""
        return counts.total is not None and counts.total < self.small

    def _background(
        self,
        engine: Engine,
        key: tuple[object, ...],
        filters: review.Filters,
        claimed: str,
        version: tuple[int, int],
    ) -> threading.Thread:
        worker = threading.Thread(
            target=self._recount,
            args=(engine, key, filters, claimed, version),
            name="queue-counts",
            daemon=True,
        )
        worker.start()
        return worker

    def _recount(
        self,
        engine: Engine,
        key: tuple[object, ...],
        filters: review.Filters,
        claimed: str,
        version: tuple[int, int],
    ) -> Counts:
        started = time.perf_counter()
        as_of = dt.datetime.now(dt.UTC)
        try:
            with reading(engine) as conn:
                total = queue.count(conn, filters, claimed)
                counts = Counts(total, facet_counts(conn, filters), as_of)
        except Exception:
            with self.lock:
                kept = self.items.get(key)
                if kept is not None:
                    kept.refreshing = False
            raise
        took = time.perf_counter() - started
        with self.lock:
            self.recounts += 1
            self.slow_seen = self.slow_seen or (took >= self.slow and total >= self.small)
            self.items[key] = _Kept(version, counts, took)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return counts


FACET_VALUES = 200  # values shown per facet kind, most common first


def facet_counts(conn: Connection, filters: review.Filters) -> dict[str, list[tuple[str, int]]]:
    """Each facet kind's values in the queue, with counts within the active ``filters``; a
    kind's own filter is left out of its counts (choosing a value replaces it), so each
    count is the queue length that choosing the value gives. The kinds without a filter are
    counted together in one pass over the queue, each filtered kind in one more."""
    chosen = {kind for kind, _ in filters}
    passes = [([k for k in review.FILTER_KINDS if k not in chosen], list(filters))]
    passes += [([k], [f for f in filters if f[0] != k]) for k in review.FILTER_KINDS if k in chosen]
    found: dict[str, list[tuple[str, int]]] = {}
    for kinds, others in passes:
        if kinds:
            found.update(queue.facet_counts(conn, others, kinds))
    return {kind: found.get(kind, [])[:FACET_VALUES] for kind in review.FILTER_KINDS}


@dataclass(frozen=True)
class Listing:
    page: queue.Page
    counts: Counts
    reviewers: list[str] = field(default_factory=list)


def listing(
    engine: Engine,
    counts: QueueCounts,
    filters: review.Filters,
    order: queue.Order,
    *,
    claimed: str = "",
    after: int | None = None,
    before: int | None = None,
    limit: int = 50,
) -> Listing:
    """One page of the queue with its (cached) counts and the people it can be assigned to."""
    with reading(engine) as conn:
        found = queue.page(
            conn, filters, order, claimed=claimed, after=after, before=before, limit=limit
        )
    return Listing(
        found, counts.get(engine, filters, claimed, dt.datetime.now(dt.UTC)), reviewers(engine)
    )


def reviewers(engine: Engine) -> list[str]:
    """Who posts can be assigned to: every enabled account (all of them review)."""
    with reading(engine) as conn:
        return sorted(u.name for u in accounts.list_users(conn) if not u.disabled)


@dataclass(frozen=True)
class Pick:
    """A post chosen on a queue page, with the revision the reviewer saw."""

    ref: str
    revision: int

    @classmethod
    def parse(cls, value: str) -> Pick:
        """``"3 anp-ref-1"`` (revision, space, reference) as the queue's checkboxes send."""
        number, _, ref = value.partition(" ")
        if not number.isdigit() or not ref.strip() or len(ref) > 200:
            raise UsageError(f"selected post {value[:80]!r}", "REVISION REF from the queue page")
        return cls(ref.strip(), int(number))

    @property
    def value(self) -> str:
        return f"{self.revision} {self.ref}"


@dataclass(frozen=True)
class Request:
    """One action on several posts: the selected ``picks`` or all matching ``filters``."""

    action: str
    scope: str
    picks: tuple[Pick, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    claimed: str = ""
    note: str = ""
    reviewer: str = ""

    def check(self) -> None:
        if self.action not in ACTIONS:
            raise UsageError(f"action {self.action!r}", "one of " + ", ".join(ACTIONS))
        if self.scope not in SCOPES:
            raise UsageError(f"scope {self.scope!r}", "one of " + ", ".join(SCOPES))
        if self.scope == "selected" and not self.picks:
            raise UsageError("no post selected", "tick at least one post, or choose all matching")
        if len(self.picks) > MAX_SELECTED:
            raise UsageError(f"{len(self.picks)} posts selected", f"at most {MAX_SELECTED}")
        if self.scope == "matching" and self.claimed:
            raise UsageError(
                "all matching with the claimed filter",
                "all matching on facet filters only (claims change while a bulk action runs)",
            )


@dataclass(frozen=True)
class Outcome:
    done: int
    skipped: list[tuple[str, str]]  # (ref, why) of selected posts not acted on


def how_many(engine: Engine, request: Request) -> int:
    """How many posts the action would apply to (what the confirmation page says)."""
    request.check()
    if request.scope == "selected":
        return len(request.picks)
    return review.count_matching(engine, request.filters)


def _check_reviewer(engine: Engine, name: str) -> None:
    with reading(engine) as conn:
        user = accounts.user_by_name(conn, name)
    if user is None or user.disabled:
        raise UsageError(f"reviewer {name[:100]!r}", "the name of an enabled account")


def carry_out(engine: Engine, request: Request, actor: str, address: str = "") -> Outcome:
    """Apply the action. All matching: the chunked set-based bulk path (approve, reject) or
    chunked assignment. Selected: each post on its own, only at the revision the reviewer
    saw; a post decided or changed meanwhile is skipped and said why, never acted on."""
    request.check()
    if request.action == "reject":
        review.need_note("reject", request.note)
    if request.action == "assign":
        _check_reviewer(engine, request.reviewer)
    if request.scope == "matching":
        return Outcome(_matching(engine, request, actor, address), [])
    done, skipped = 0, []
    for pick in request.picks:
        try:
            _one(engine, request, pick, actor, address)
            done += 1
        except AlphanodeError as exc:
            skipped.append((pick.ref, exc.what))
    logger.info("queue: %s %s %d selected (%d skipped)", actor, request.action, done, len(skipped))
    return Outcome(done, skipped)


def _matching(engine: Engine, request: Request, actor: str, address: str) -> int:
    if request.action == "approve":
        return review.approve_matching(engine, request.filters, actor, request.note)
    if request.action == "reject":
        return review.reject_matching(engine, request.filters, actor, request.note)
    done, after = 0, 0
    while True:
        with writing(engine) as conn:
            items = queue.targets(conn, request.filters, after, CHUNK)
            queue.assign(conn, items, request.reviewer, actor, request.note, address)
        done += len(items)
        if len(items) < CHUNK:
            return done
        after = items[-1].post_id


def _one(engine: Engine, request: Request, pick: Pick, actor: str, address: str) -> None:
    with reading(engine) as conn:
        found = queue.targets(conn, (), 0, 1, refs=[pick.ref])
    if not found or found[0].number != pick.revision:
        raise review.ReviewError(
            f"{pick.ref} revision {pick.revision} is no longer waiting for review",
            "reload the queue: it was decided or changed since the page was shown",
        )
    if request.action == "approve":
        review.approve(
            engine, pick.ref, actor, request.note, pick.revision, address, seen=pick.revision
        )
    elif request.action == "reject":
        review.reject(engine, pick.ref, actor, request.note, address, seen=pick.revision)
    else:
        with writing(engine) as conn:
            queue.assign(conn, found, request.reviewer, actor, request.note, address)


def selected(values: Sequence[str]) -> tuple[Pick, ...]:
    """The picks of a queue form, each once, in the order sent."""
    seen: dict[str, Pick] = {}
    for value in values:
        pick = Pick.parse(value)
        seen.setdefault(pick.ref, pick)
    return tuple(seen.values())
