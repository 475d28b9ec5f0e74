"""Similar Posts quality and refresh cost, beside "any shared tag, newest first" (Ghost's way).

    .venv/bin/python bench/similar.py [--count 3000] [--sample 500]

On a synthesized corpus (ground truth: each document's problem and stack), prints
precision@5 of each post's suggestions — the share that are about the same problem, and
the share that share the problem or the stack — for alphanode's stored lists and for the
baseline measured in the same run, with the ratio; and the time to bring every list up to
date after one more post is approved (the incremental refresh).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

from _corpus import build  # noqa: E402
from alphanode.services import indexing, review  # noqa: E402
from alphanode.services.runtime import Site  # noqa: E402
from alphanode.store import similar  # noqa: E402
from alphanode.store.engine import reading  # noqa: E402
from alphanode.store.schema import post_terms, posts  # noqa: E402
from alphanode.synth import synthesize  # noqa: E402

SHOWN = 5


def baseline(conn: sa.Connection, post_id: int) -> list[int]:
    """Any post sharing a stack or tools tag, newest first (Ghost themes' related posts)."""
    mine = sa.select(post_terms.c.kind, post_terms.c.term).where(
        post_terms.c.post_id == post_id, post_terms.c.kind.in_(("stack", "tools"))
    )
    tags = [(k, t) for k, t in conn.execute(mine)]
    if not tags:
        return []
    match = sa.or_(*(sa.and_(post_terms.c.kind == k, post_terms.c.term == t) for k, t in tags))
    query = (
        sa.select(posts.c.id)
        .join(post_terms, post_terms.c.post_id == posts.c.id)
        .where(match, posts.c.id != post_id, posts.c.live_revision.is_not(None))
        .group_by(posts.c.id, posts.c.published_at)
        .order_by(posts.c.published_at.desc(), posts.c.id.desc())
        .limit(SHOWN)
    )
    return list(conn.scalars(query))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--sample", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="alphanode-similar-") as tmp:
        engine, settings, truth = build(Path(tmp), args.count)
        settings = settings.replace(search_index_path=str(Path(tmp) / "index"))
        started = time.perf_counter()
        site = Site(settings, engine=engine)
        indexing.reindex(site)
        build_s = time.perf_counter() - started
        with reading(engine) as conn:
            refs = dict(conn.execute(sa.select(posts.c.id, posts.c.ref)).all())
            ids = sorted(refs)
            sample = random.Random(7).sample(ids, min(args.sample, len(ids)))
            scores = {"alphanode": [0.0, 0.0], "baseline": [0.0, 0.0]}
            for pid in sample:
                me = truth[refs[pid]]
                ours = [e.other_id for e in similar.shown(conn, pid, SHOWN)]
                for name, got in (("alphanode", ours), ("baseline", baseline(conn, pid))):
                    them = [truth[refs[o]] for o in got]
                    same = sum(t["problem"] == me["problem"] for t in them)
                    near = sum(
                        t["problem"] == me["problem"] or t["stack"] == me["stack"] for t in them
                    )
                    scores[name][0] += same / SHOWN
                    scores[name][1] += near / SHOWN
        n = len(sample)
        # One more approval: the incremental refresh of every affected list.
        extra = Path(tmp) / "extra.txt"
        from alphanode.formats.render import render
        from alphanode.services import importer
        from alphanode.services.sources import resolve

        extra.write_text(render(synthesize(10_000_000)), "utf-8")
        importer.import_sources(engine, settings, resolve([str(extra)]))
        ref = str(synthesize(10_000_000).meta["reference"])
        started = time.perf_counter()
        review.approve(engine, ref, "bench", "bench")
        site.index_pending()
        refresh_ms = (time.perf_counter() - started) * 1000
        result = {
            "docs": len(ids),
            "sample": n,
            "precision_at_5_same_problem": {k: round(v[0] / n, 3) for k, v in scores.items()},
            "precision_at_5_problem_or_stack": {k: round(v[1] / n, 3) for k, v in scores.items()},
            "ratio_same_problem": round(
                scores["alphanode"][0] / max(scores["baseline"][0], 1e-9), 2
            ),
            "build_seconds_index_and_all_lists": round(build_s, 1),
            "approve_one_and_refresh_ms": round(refresh_ms, 1),
        }
        print(json.dumps(result, indent=2))
        engine.dispose()


if __name__ == "__main__":
    main()
