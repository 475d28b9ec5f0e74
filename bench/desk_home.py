"""The desk's home figures (services/deskstats.home) with a large queue, against the queue's
own count in the same run (one pass over the waiting posts): the ratio says what the charts
cost beyond counting the queue once.

.venv/bin/python bench/desk_home.py [--count 200000] [--db URL]

Rows are written straight into a fresh database (posts, pending revisions spread over 60
days, a tenth of them decided in the last 30 days by five reviewers), not imported: the
figures read only times, states and the review log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from alphanode.services import deskstats, review
from alphanode.settings import Settings
from alphanode.store.engine import writing
from alphanode.store.migrate import open_database
from alphanode.store.schema import posts, review_log, revisions

BATCH = 10_000


def fill(url: str, count: int, now: dt.datetime) -> None:
    engine = open_database(Settings.load(env={}, database_url=url))
    for first in range(0, count, BATCH):
        ids = range(first + 1, min(count, first + BATCH) + 1)
        entered = {i: now - dt.timedelta(seconds=(i * 5_184_000) // count) for i in ids}
        decided = [i for i in ids if i % 10 == 0 and entered[i] > now - dt.timedelta(days=30)]
        chosen = set(decided)
        with writing(engine) as conn:
            conn.execute(
                posts.insert(),
                [
                    {
                        "id": i,
                        "ref": f"bench-{i}",
                        "slug": f"bench-{i}",
                        "status": "approved" if i in chosen else "pending_review",
                        "title": f"post {i}",
                        "current_revision": 1,
                        "content_hash": "x",
                        "created_at": entered[i],
                        "updated_at": entered[i],
                    }
                    for i in ids
                ],
            )
            conn.execute(
                revisions.insert(),
                [
                    {
                        "post_id": i,
                        "number": 1,
                        "content_hash": "x",
                        "document": "{}",
                        "created_at": entered[i],
                        "review_state": "approved" if i in chosen else "pending",
                    }
                    for i in ids
                ],
            )
            if decided:
                conn.execute(
                    review_log.insert(),
                    [
                        {
                            "post_id": i,
                            "revision": 1,
                            "action": "approve",
                            "actor": f"reviewer{i % 5}",
                            "note": "",
                            "created_at": min(now, entered[i] + dt.timedelta(hours=6)),
                        }
                        for i in decided
                    ],
                )
    engine.dispose()


def best(work: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'desk.db'}"
        fill(url, args.count, now)
        engine = open_database(Settings.load(env={}, database_url=url))
        pending = review.count_matching(engine, ())
        baseline = best(lambda: review.count_matching(engine, ()))
        home = best(lambda: deskstats.home(engine, now))
        figures = deskstats.home(engine, now)
        engine.dispose()
    assert figures.queue_size[-1] == pending, (figures.queue_size[-1], pending)
    print(f"{args.count:,} posts, {pending:,} pending, {engine.dialect.name}")
    print(f"queue count (baseline): {baseline * 1000:8.1f} ms")
    print(f"desk home figures:      {home * 1000:8.1f} ms")
    print(f"ratio {home / baseline:.1f}x the queue count")


if __name__ == "__main__":
    main()
