"""The review queue's first page at N pending posts, over HTTP, beside a bare SQL baseline.

    nice .venv/bin/python bench/review_queue.py [--count 1000000] [--repeat 40] [--json]

Fills a fresh SQLite database (the real, migrated schema) with ``--count`` pending posts by
set-based INSERT ... SELECT statements straight in SQL (a recursive counter), not through
the importer: at a million posts the importer would be the benchmark, and the queue only
reads the tables it fills (posts, revisions with their queue keys, revision_facets). One
post in ten is an update (revision 1 live, revision 2 pending); revisions enter the queue
in batches of 1,000 with one time stamp each (as an import writes them), so sort keys tie
and the post id breaks ties; documents are a short JSON text (the queue never reads them).

Then one `alphanode serve` worker answers the queue's pages to a signed-in reviewer over
HTTP (httpx, keep-alive, one request at a time): first page sorted by age (the default),
by score, by title and by source, with and without a filter, and a page deep in the keyset;
p50/p99 of ``--repeat`` requests each after a warm-up request. Baseline, same run: the bare
``SELECT ... ORDER BY <key> LIMIT 50`` of the same rows through sqlite3. The facet counts
(queue length and every facet's values) are timed in process, cold (recounted) and warm
(the cache ``services.queue.QueueCounts`` answers until the queue changes).
"""

# ruff: noqa: S608 - the SQL here is built from this file's constants and --count (an int)
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from alphanode.services import accounts, review
from alphanode.services.queue import QueueCounts
from alphanode.services.runtime import Site
from alphanode.settings import Settings
from alphanode.store.migrate import open_database

BENCH = Path(__file__).resolve().parent
BATCH = 1000  # revisions per time stamp (an import batch)
WORDS = tuple(
    (
        "caching,queues,retries,timeouts,indexes,migrations,logging,metrics,tracing,backups,"
        "secrets,deploys,pooling,sharding,locking,batching,paging,search,feeds,limits"
    ).split(",")
)
ORIGINS = ("", "wordpress / publish", "wordpress / draft", "ghost / published", "feed / ")
FLAGS = ("needs_human_review", "has_images", "image_heavy")
TOPICS = 40
STACKS = 12


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sibling(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None  # noqa: S101
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _case(values: tuple[str, ...], expr: str) -> str:
    """A SQL CASE choosing ``values[expr % len(values)]`` (the values are constants above)."""
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"(CASE ({expr}) % {len(values)} {whens} END)"


def fill(db: Path, count: int) -> dict[str, float]:
    """N queued posts, set-based; returns seconds per step."""
    times: dict[str, float] = {}
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
    base = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    counter = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})"
    stamp = (
        f"strftime('%Y-%m-%d %H:%M:%S', '{base:%Y-%m-%d %H:%M:%S}', "
        f"'+' || ((i - 1) / {BATCH}) || ' minutes') || '.000000'"
    )
    title = f"{_case(WORDS, 'i * 7')} || ' in practice ' || printf('%07d', (i * 7919) % {count})"
    steps = {
        "posts": f"""{counter}
            INSERT INTO posts (id, ref, slug, status, title, current_revision, content_hash,
                               created_at, updated_at, live_revision)
            SELECT i, 'bench-' || i, 'bench-post-' || i,
                   CASE WHEN i % 10 = 0 THEN 'approved' ELSE 'pending_review' END,
                   {title}, CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END, printf('%064x', i),
                   {stamp}, {stamp}, CASE WHEN i % 10 = 0 THEN 1 ELSE NULL END
            FROM n""",
        "revisions": f"""{counter}, r(i, number) AS (
                SELECT i, 1 FROM n UNION ALL SELECT i, 2 FROM n WHERE i % 10 = 0)
            INSERT INTO revisions (post_id, number, content_hash, document, warnings, source,
                                   created_at, review_state, title, score, scores, origin)
            SELECT i, number, printf('%064x', i * 2 + number),
                   json_object('title', {title}, 'body', json_array(), 'meta', json_object()),
                   '[]', 'bench', {stamp},
                   CASE WHEN number = 1 AND i % 10 = 0 THEN 'approved' ELSE 'pending' END,
                   {title}, CASE WHEN i % 13 = 0 THEN -1 ELSE 30 + (i * 37) % 71 END,
                   CASE WHEN i % 13 = 0 THEN '' ELSE
                     'quality ' || (30 + (i * 37) % 71) || ' · depth ' || (40 + i % 61) END,
                   {_case(ORIGINS, "i * 3")}
            FROM r""",
        "facets": f"""{counter}, f(i, kind, value) AS (
                SELECT i, 'flag', 'ai_generated_style' FROM n
                UNION ALL SELECT i, 'flag', 'needs_human_review' FROM n WHERE i % 2 = 0
                UNION ALL SELECT i, 'flag', 'has_images' FROM n WHERE i % 3 = 0
                UNION ALL SELECT i, 'flag', 'image_heavy' FROM n WHERE i % 17 = 0
                UNION ALL SELECT i, 'generator', 'anp-synth' FROM n
                UNION ALL SELECT i, 'topic', 'topic ' || (i * 11) % {TOPICS} FROM n
                UNION ALL SELECT i, 'stack', 'stack ' || (i * 5) % {STACKS} FROM n
                UNION ALL SELECT i, 'near_duplicate', 'yes' FROM n WHERE i % 20 = 7
                UNION ALL SELECT i, 'source_status', 'draft' FROM n WHERE i % 5 = 2)
            INSERT INTO revision_facets (post_id, number, kind, value)
            SELECT i, CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END, kind, value FROM f""",
    }
    for name, sql in steps.items():
        started = time.perf_counter()
        conn.execute(sql)
        conn.commit()
        times[name] = time.perf_counter() - started
        log(f"fill: {name} in {times[name]:.1f} s")
    started = time.perf_counter()
    conn.execute("ANALYZE")
    conn.commit()
    times["analyze"] = time.perf_counter() - started
    conn.close()
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Any, repeat: int) -> dict[str, float]:
    fn()  # warm-up
    got = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        got.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(got), 2), "p99_ms": round(pct(got, 0.99), 2)}


BARE = {
    "age": "r.created_at, r.post_id",
    "score": "r.score DESC, r.post_id DESC",
    "title": "r.title, r.post_id",
    "source": "r.origin, r.post_id",
}
BARE_SQL = (
    "SELECT r.post_id, p.ref, r.title, r.created_at, r.score, r.origin "
    "FROM revisions r JOIN posts p ON p.id = r.post_id AND p.current_revision = r.number "
    "WHERE r.review_state = 'pending'{where} ORDER BY {order} LIMIT 50"
)
FILTER_SQL = (
    " AND EXISTS (SELECT 1 FROM revision_facets f WHERE f.post_id = r.post_id"
    " AND f.number = r.number AND f.kind = 'flag' AND f.value = 'needs_human_review')"
)


def bare(db: Path, sort: str, filtered: bool, repeat: int) -> dict[str, float]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    sql = BARE_SQL.format(where=FILTER_SQL if filtered else "", order=BARE[sort])
    try:
        return timed(lambda: conn.execute(sql).fetchall(), repeat)
    finally:
        conn.close()


def session(settings: Settings, reuse: bool) -> str:
    site = Site(settings)
    try:
        if not reuse:
            accounts.add_user(site, "bench", "reviewer", "bench password 1")
        token, _ = accounts.login(site, "bench", "bench password 1", "127.0.0.1")
        return token
    finally:
        site.close()


def counts(settings: Settings, repeat: int) -> dict[str, Any]:
    """The queue length and facet counts: recounted (a fresh cache) and cached."""
    engine = open_database(settings)
    try:
        cold = []
        for _ in range(2):
            started = time.perf_counter()
            fresh = QueueCounts()
            fresh.large = sys.maxsize  # counted here, in the call (not in the background)
            fresh.get(engine, (), "", dt.datetime.now(dt.UTC))
            cold.append((time.perf_counter() - started) * 1000)
        cache = QueueCounts()
        cache.large = sys.maxsize
        filters = review.parse_filters(["flag=needs_human_review"])
        warm = timed(lambda: cache.get(engine, (), "", dt.datetime.now(dt.UTC)), repeat)
        warm_filtered = timed(
            lambda: cache.get(engine, filters, "", dt.datetime.now(dt.UTC)), repeat
        )
        log(f"counts: recounted {[round(c) for c in cold]} ms, cached p50 {warm['p50_ms']} ms")
        return {
            "recounted_p50_ms": round(statistics.median(cold), 1),
            "recounted_max_ms": round(max(cold), 1),
            "cached": warm,
            "cached_filtered": warm_filtered,
        }
    finally:
        engine.dispose()


CASES = (
    ("age", "", False),
    ("score", "sort=score", False),
    ("title", "sort=title", False),
    ("source", "sort=source", False),
    ("age", "flag=needs_human_review", True),
    ("score", "sort=score&flag=needs_human_review", True),
)


def over_http(db: Path, work: Path, token: str, repeat: int, count: int) -> list[dict[str, Any]]:
    serve = sibling("serve")
    env = {**os.environ, "ALPHANODE_DATABASE_URL": f"sqlite:///{db}"}
    env["ALPHANODE_LOG_FORMAT"] = "json"
    port = serve.free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = work / "serve.log"
    cmd = [sys.executable, "-m", "alphanode", "serve", "--port", str(port), "--workers", "1"]
    proc = serve.serve(cmd, env, log_file)
    rows = []
    try:
        serve.wait_up(base + "/healthz", proc, log_file)
        cookie = {"cookie": f"an_session={token}"}
        with httpx.Client(base_url=base, headers=cookie, timeout=600) as client:

            def get(query: str) -> None:
                r = client.get("/review?" + query)
                if r.status_code != 200 or "queue-table" not in r.text:
                    raise RuntimeError(f"/review?{query}: {r.status_code} {r.text[:300]}")

            for sort, query, filtered in CASES:
                started = time.perf_counter()
                get(query)  # the first request: the counts are not there yet
                first = (time.perf_counter() - started) * 1000
                # A large queue is counted in the background: wait for the figures, so the
                # timed requests below are the steady state (counts cached).
                while "Counting the pending posts" in client.get("/review?" + query).text:
                    time.sleep(0.5)
                counted = time.perf_counter() - started
                row: dict[str, Any] = {"case": f"/review?{query}", "sort": sort}
                row["filtered"] = filtered
                row |= timed(lambda q=query: get(q), repeat)
                row["first_ms"] = round(first, 1)
                row["counted_s"] = round(counted, 1)
                row["bare"] = bare(db, sort, filtered, repeat)
                row["ratio"] = round(row["p50_ms"] / max(row["bare"]["p50_ms"], 0.001), 1)
                rows.append(row)
                log(f"http: {row['case']} p50 {row['p50_ms']} ms p99 {row['p99_ms']} ms")
            deep = f"after={count // 2}"
            row = {"case": f"/review?{deep}", "sort": "age", "filtered": False}
            row |= timed(lambda: get(deep), repeat)
            rows.append(row)
    finally:
        serve.stop(proc)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="keep the database here")
    parser.add_argument(
        "--reuse", action="store_true", help="use the --keep database a previous run filled"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="anq-") as tmp:
        work = Path(tmp)
        db = args.keep or work / "queue.db"
        reuse = bool(args.reuse and args.keep and args.keep.exists())
        settings = Settings.load(env={}, database_url=f"sqlite:///{db}")
        open_database(settings).dispose()
        started = time.perf_counter()
        fill_times = {} if reuse else fill(db, args.count)
        fill_s = time.perf_counter() - started
        token = session(settings, reuse)
        result: dict[str, Any] = {
            "count": args.count,
            "fill_s": round(fill_s, 1),
            "fill": {k: round(v, 1) for k, v in fill_times.items()},
            "db_mib": round(db.stat().st_size / 2**20, 1),
            "reused": reuse,
            "counts": counts(settings, args.repeat),
            "pages": over_http(db, work, token, args.repeat, args.count),
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    filled = "reused database" if result["reused"] else f"fill {fill_s:.0f} s"
    print(f"review queue at {args.count:,} pending ({filled}, {result['db_mib']} MiB)")
    head = f"{'page':46} {'p50 ms':>8} {'p99 ms':>8} {'first':>8} {'counted s':>9}"
    print(head + f" {'bare p50':>9} {'ratio':>6}")
    for row in result["pages"]:
        b = row.get("bare", {})
        print(
            f"{row['case']:46} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} "
            f"{row.get('first_ms', 0):8.1f} {row.get('counted_s', 0):9.1f} "
            f"{b.get('p50_ms', 0):9.2f} {row.get('ratio', 0):6.1f}x"
        )
    c = result["counts"]
    print(
        f"counts: recounted p50 {c['recounted_p50_ms']} ms (max {c['recounted_max_ms']}), "
        f"cached p50 {c['cached']['p50_ms']} ms p99 {c['cached']['p99_ms']} ms, "
        f"cached with a filter p50 {c['cached_filtered']['p50_ms']} ms"
    )


if __name__ == "__main__":
    main()
