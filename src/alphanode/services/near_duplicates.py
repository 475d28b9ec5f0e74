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
from collections.abc import Sequence, Set

from sqlalchemy.engine import Connection, Engine

from alphanode.content.fingerprint import Fingerprint, best_match, fingerprint
from alphanode.formats import jsonl
from alphanode.store import fingerprints, posts
from alphanode.store.engine import reading, writing

log = logging.getLogger(__name__)

FACET = ("near_duplicate", "yes")


def detect(
    conn: Connection,
    bodies: Sequence[tuple[int, Fingerprint | None]],
    threshold: float,
    fresh: Set[int] = frozenset(),
) -> dict[int, tuple[int, float]]:
    """Find and store the near-duplicate (if any) of each ``(post_id, fingerprint)``.

    ``bodies`` are in import order: a body is compared with the stored posts and with the
    bodies before it in ``bodies``, never with itself. ``fresh`` ids were inserted in this
    transaction (nothing stored to replace). Returns ``{post_id: (other_id, similarity)}``.
    """
    keys = {pid: fp.bands() for pid, fp in bodies if fp is not None}
    stored = fingerprints.sharing(conn, (k for ks in keys.values() for k in ks))
    mine = dict(bodies)
    wanted = {o for ks in keys.values() for k in ks for o in stored.get(k, ())} - set(mine)
    pool: dict[int, Fingerprint] = fingerprints.signatures(conn, wanted)
    earlier: dict[int, list[int]] = {}  # band key -> bodies of this batch seen so far
    found: dict[int, tuple[int, float]] = {}
    for pid, fp in bodies:
        if fp is None:
            continue
        candidates: set[int] = set()
        for key in keys[pid]:
            candidates.update(o for o in stored.get(key, ()) if o not in mine)
            candidates.update(earlier.get(key, ()))
            earlier.setdefault(key, []).append(pid)
        candidates.discard(pid)
        others = [(o, pool[o] if o in pool else mine[o]) for o in sorted(candidates)]
        match = best_match(fp, [(o, f) for o, f in others if f is not None], threshold)
        if match is not None:
            found[pid] = match
    fingerprints.replace(conn, mine, found, set(fresh))
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

        def judge() -> int:
            bodies = [(pid, fp) for pid, _, fp in chunk]
            found = detect(conn, bodies, threshold, fresh={pid for pid, _ in bodies})
            fingerprints.set_facets(conn, {pid: n for pid, n, _ in chunk}, set(found), FACET)
            return len(found)

        for row, document in posts.iter_current(conn):
            doc = jsonl.from_object(json.loads(document)).document
            chunk.append((row.id, row.current_revision, fingerprint(doc)))
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
