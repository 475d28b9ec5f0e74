"""Near-duplicate detection: at import, a new or changed body is checked against every post.

Candidates are the posts sharing an LSH band key with the body (``store.fingerprints``),
plus earlier bodies of the same batch; each is then compared on the whole signature and the
best at or above the ``near_duplicate_threshold`` setting is recorded. Only the later post
is marked (the earlier one is the original). Reviewers see the mark and can filter on it;
Similar Posts never suggests one post of a pair on the other's page.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from functools import partial

from sqlalchemy.engine import Connection, Engine

from alphanode.content.fingerprint import (
    Fingerprint,
    best_match,
    body_text,
    fingerprint,
    jaccard,
    words_of,
)
from alphanode.formats import jsonl
from alphanode.store import fingerprints, posts
from alphanode.store.engine import reading, writing

log = logging.getLogger(__name__)

FACET = ("near_duplicate", "yes")


class _Words:
    """Body words of posts, loaded only for the rare estimate that needs an exact check."""

    def __init__(self, conn: Connection, documents: Mapping[int, str]) -> None:
        self.conn = conn
        self.documents = documents  # this batch's documents (not yet readable from the store)
        self.cache: dict[int, list[str]] = {}

    def __call__(self, post_id: int) -> list[str] | None:
        if post_id not in self.cache:
            text = self.documents.get(post_id)
            if text is None:
                text = posts.documents(self.conn, [post_id]).get(post_id)
            if text is None:
                return None
            doc = jsonl.from_object(json.loads(text)).document
            self.cache[post_id] = words_of(body_text(doc))
        return self.cache[post_id]

    def exact(self, a: int, b: int) -> float | None:
        wa, wb = self(a), self(b)
        return None if wa is None or wb is None else jaccard(wa, wb)


CANDIDATES = 64  # at most this many posts sharing a single band key are compared
BAND_POSTS = 256  # per band key, only its most recent holders are read (see fingerprints)


def _closest(shared: Counter[int]) -> list[int]:
    """Candidates to compare: every post sharing two or more band keys (a real copy shares
    about 16·J⁴ of 16, 3.8 at J = 0.7), and of those sharing one, the most recent up to
    ``CANDIDATES``. Template-heavy corpora make single shared keys common between unrelated
    posts; without the bound their number grows with the site."""
    strong = sorted(o for o, n in shared.items() if n >= 2)
    weak = sorted((o for o, n in shared.items() if n == 1), reverse=True)
    return strong + weak[: max(0, CANDIDATES - len(strong))]


def detect(
    conn: Connection,
    bodies: Sequence[tuple[int, Fingerprint | None]],
    threshold: float,
    fresh: Set[int] = frozenset(),
    documents: Mapping[int, str] | None = None,
) -> dict[int, tuple[int, float]]:
    """Find and store the near-duplicate (if any) of each ``(post_id, fingerprint)``.

    ``bodies`` are in import order: a body is compared with the stored posts and with the
    bodies before it in ``bodies``, never with itself. ``fresh`` ids were inserted in this
    transaction (nothing stored to replace). ``documents`` holds the canonical JSON of
    ``bodies`` not yet stored, for exact checks of borderline estimates. Returns
    ``{post_id: (other_id, similarity)}``.
    """
    words = _Words(conn, documents or {})
    keys = {pid: fp.bands() for pid, fp in bodies if fp is not None}
    mine = dict(bodies)
    # Stored holders of this batch's keys, bounded per key (BAND_POSTS), this batch's own
    # posts left out once here rather than per key and body.
    stored = {
        key: [o for o in held if o not in mine]
        for key, held in fingerprints.sharing(
            conn, (k for ks in keys.values() for k in ks), BAND_POSTS
        ).items()
    }
    earlier: dict[int, list[int]] = {}  # band key -> bodies of this batch seen so far
    chosen: list[tuple[int, Fingerprint, list[int]]] = []
    for pid, fp in bodies:
        if fp is None:
            continue
        hits: list[int] = []
        for key in keys[pid]:
            hits += stored.get(key, ())
            hits += earlier.get(key, ())
            earlier.setdefault(key, []).append(pid)
        shared = Counter(hits)  # one count in C per body, not one update per key
        shared.pop(pid, None)
        chosen.append((pid, fp, _closest(shared)))
    # Signatures of the chosen candidates only (not of every post sharing some key).
    pool: dict[int, Fingerprint] = fingerprints.signatures(
        conn, {o for _, _, others in chosen for o in others if o not in mine}
    )
    found: dict[int, tuple[int, float]] = {}
    for pid, fp, others in chosen:
        candidates = [(o, pool[o] if o in pool else mine[o]) for o in others]
        match = best_match(
            fp,
            [(o, f) for o, f in candidates if f is not None],
            threshold,
            partial(words.exact, pid),
        )
        if match is not None:
            found[pid] = match
    fingerprints.replace(conn, mine, keys, found, set(fresh))
    return found


def scan(engine: Engine, threshold: float, batch: int = 500) -> tuple[int, int]:
    """Fingerprint and judge every post's current body again, oldest first, in one transaction.

    For posts imported before detection existed, or after the threshold changed. Each post's
    current revision gets (or loses) the ``near_duplicate`` review facet. Returns (posts
    scanned, near-duplicates found).
    """
    scanned = marked = 0
    with writing(engine) as conn:
        fingerprints.clear(conn)
        chunk: list[tuple[int, int, Fingerprint | None]] = []
        texts: dict[int, str] = {}

        def judge() -> int:
            bodies = [(pid, fp) for pid, _, fp in chunk]
            found = detect(conn, bodies, threshold, {pid for pid, _ in bodies}, texts)
            texts.clear()
            fingerprints.set_facets(conn, {pid: n for pid, n, _ in chunk}, set(found), FACET)
            return len(found)

        for row, document in posts.iter_current(conn):
            doc = jsonl.from_object(json.loads(document)).document
            chunk.append((row.id, row.current_revision, fingerprint(doc)))
            texts[row.id] = document
            if len(chunk) >= batch:
                marked += judge()
                scanned += len(chunk)
                chunk = []
        if chunk:
            marked += judge()
            scanned += len(chunk)
    log.info("near-duplicate scan: %d posts, %d near-duplicates", scanned, marked)
    return scanned, marked


def listing(engine: Engine, limit: int = 1000) -> tuple[list[fingerprints.Pair], int]:
    with reading(engine) as conn:
        return fingerprints.listing(conn, limit)
