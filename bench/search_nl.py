"""Search latency with natural-language questions at scale: a judged collection's queries
replayed over a synthesized corpus, on both backends (tantivy and PostgreSQL).

    .venv/bin/python bench/search_nl.py [COLLECTION_DIR] --postgres URL [--count 100000]
        [--queries 0] [--keep NAME] [--backends postgres,tantivy]

One PostgreSQL database (made for the run, dropped after it) receives ``--count``
synthesized posts through the real importer and review; then each backend's index is built
from it alone (``search_documents`` for postgres, a tantivy directory for tantivy; no
Similar Posts lists, which this bench does not measure), and every query of the collection
(Cranfield's 225 by default) goes through the real search service (``services.search.
search``: parsing, feedback, ranking, facet counts, snippets, the live check; 10 results)
once to warm up and once timed. Printed per backend: service p50/p99 and the backend's own
p50/p99 for the same queries (``backend.search`` of the parsed query, facets included),
beside SQLite FTS5 bm25 over the same posts with the words OR-ed, in the same run.

Without ``--postgres`` the posts are in a SQLite file and only tantivy is measured (the
default site, as ``make run`` makes it); ``--keep DIR`` then keeps that file in DIR.

``--keep NAME`` uses (and keeps) the database NAME instead: created and filled on the first
run, reused as it is on the next ones (the import is the slow part: 15–30 minutes for
100,000 posts on a small machine), so one import can be replayed many times; drop it with
``DROP DATABASE NAME`` when done. A kept database whose PostgreSQL index holds every
post is replayed without rebuilding it (the tantivy index is always built afresh).
``--backends`` names the backends to measure, a comma list (both by default).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from _corpus import build, pct  # noqa: E402
from _judged import load  # noqa: E402
from alphanode.services import indexing, search  # noqa: E402
from alphanode.services.runtime import Site  # noqa: E402
from alphanode.settings import Settings  # noqa: E402
from alphanode.store import outbox  # noqa: E402
from alphanode.store.engine import reading  # noqa: E402
from alphanode.store.migrate import open_database  # noqa: E402
from alphanode.store.search import query as parser  # noqa: E402
from relevance import DEFAULT, postgres  # noqa: E402

_WORDS = re.compile(r"[^\W_]+")  # the words of the query reader


def index_only(site: Site) -> tuple[int, float]:
    """The backend's index from the live posts, nothing else (reindex's first stage)."""
    started = time.perf_counter()
    backend = site.backend()
    with reading(site.engine) as conn:
        ids = outbox.live_ids(conn)
    with backend.writing() as writer:
        writer.clear()
        for at in range(0, len(ids), indexing.BATCH):
            with reading(site.engine) as conn:
                docs = outbox.live_documents(conn, ids[at : at + indexing.BATCH])
            writer.upsert([indexing.index_doc(pid, text)[0] for pid, text in docs.items()])
        writer.commit()
    backend.refresh()
    return len(ids), time.perf_counter() - started


@contextmanager
def kept(admin_url: str, name: str) -> Iterator[str]:
    """The database ``name`` (created when absent), kept after the run."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if found.first() is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()


@contextmanager
def _database(args: argparse.Namespace, tmp: Path) -> Iterator[str]:
    """PostgreSQL (a kept or a temporary database) or a SQLite file (kept in ``--keep``)."""
    if args.postgres:
        with kept(args.postgres, args.keep) if args.keep else postgres(args.postgres) as url:
            yield url
        return
    where = Path(args.keep) if args.keep else tmp
    where.mkdir(parents=True, exist_ok=True)
    yield f"sqlite:///{where / 'site.db'}"


def corpus(tmp: Path, count: int, url: str) -> Engine:
    """The database's posts: imported and approved unless it already holds posts."""
    engine = open_database(Settings.load(env={}, database_url=url, search_sync_seconds=0))
    with reading(engine) as conn:
        live = len(outbox.live_ids(conn))
    if live:
        print(f"corpus: {live} posts already in the database", flush=True)
        return engine
    engine.dispose()
    return build(tmp, count, url)[0]


def vacuum(url: str) -> float:
    """VACUUM ANALYZE the search tables, as autovacuum does some time after a bulk load:
    the planner's statistics, and the visibility map that lets postings be read from their
    index alone."""
    started = time.perf_counter()
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for table in ("search_documents", "search_postings", "search_terms"):
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    engine.dispose()
    return time.perf_counter() - started


def fts5(tmp: Path, engine: Engine) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp / "fts.db")
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body)")
    with reading(engine) as db:
        ids = outbox.live_ids(db)
        for at in range(0, len(ids), 1000):
            docs = outbox.live_documents(db, ids[at : at + 1000])
            rows = []
            for pid, text in docs.items():
                d = indexing.index_doc(pid, text)[0]
                rows.append((pid, d.title, d.body))
            conn.executemany("INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", rows)
    conn.commit()
    return conn


def replay(site: Site, queries: list[str]) -> dict[str, float]:
    backend = site.backend()
    for q in queries:  # warm-up: caches, the index's files, PostgreSQL's buffers
        search.search(site, q)
    service, alone = [], []
    for q in queries:
        t0 = time.perf_counter()
        search.search(site, q)
        service.append(time.perf_counter() - t0)
        parsed = parser.parse(q, backend.analyze, site.settings.search_max_query_chars)
        t0 = time.perf_counter()
        backend.search(parsed, {}, 0, 10)
        alone.append(time.perf_counter() - t0)
    return {
        "service_p50_ms": round(pct(service, 0.5) * 1000, 2),
        "service_p99_ms": round(pct(service, 0.99) * 1000, 2),
        "backend_p50_ms": round(pct(alone, 0.5) * 1000, 2),
        "backend_p99_ms": round(pct(alone, 0.99) * 1000, 2),
    }


def fts_replay(conn: sqlite3.Connection, queries: list[str]) -> dict[str, float]:
    took = []
    for q in queries:
        words = list(dict.fromkeys(w.lower() for w in _WORDS.findall(q)))
        match = " OR ".join(f'"{w}"' for w in words)
        t0 = time.perf_counter()
        conn.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT 10", (match,)
        ).fetchall()
        took.append(time.perf_counter() - t0)
    return {
        "p50_ms": round(pct(took, 0.5) * 1000, 2),
        "p99_ms": round(pct(took, 0.99) * 1000, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("collection", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--postgres", metavar="URL", default="", help="an admin URL")
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=0, help="only the first N queries")
    ap.add_argument("--keep", metavar="NAME", default="", help="a database to fill once, keep")
    ap.add_argument("--import-only", action="store_true", help="with --keep: only fill it")
    ap.add_argument(
        "--backends",
        default="",
        help="a comma list: postgres, tantivy (default: both on PostgreSQL, tantivy on SQLite)",
    )
    args = ap.parse_args()
    chosen = args.backends or ("postgres,tantivy" if args.postgres else "tantivy")
    backends = [b.strip() for b in chosen.split(",") if b.strip()]
    allowed = {"postgres", "tantivy"} if args.postgres else {"tantivy"}
    unknown = sorted(set(backends) - allowed)
    if unknown or not backends:
        print(f"--backends: {unknown} not one of {sorted(allowed)}", file=sys.stderr)
        return 2
    if not args.collection.is_dir():
        print(f"no judged collection at {args.collection}", file=sys.stderr)
        return 2
    queries = [t[:500] for t in load(args.collection).queries.values()]
    if args.queries:
        queries = queries[: args.queries]
    out: dict[str, object] = {"posts": args.count, "queries": len(queries)}
    with tempfile.TemporaryDirectory() as tmp_name, _database(args, Path(tmp_name)) as url:
        tmp = Path(tmp_name)
        engine = corpus(tmp, args.count, url)
        with reading(engine) as conn:
            out["posts"] = len(outbox.live_ids(conn))
        if args.import_only:
            engine.dispose()
            return 0
        try:
            for name in backends:
                settings = Settings.load(
                    env={},
                    database_url=url,
                    search_sync_seconds=0,
                    search_backend=name,
                    search_index_path=str(tmp / "tantivy") if name == "tantivy" else "",
                )
                site = Site(settings, engine=engine)
                if name == "postgres" and args.keep and site.backend().doc_count() == out["posts"]:
                    # a kept database indexed by an earlier run (search_documents and
                    # search_postings): replayed as it is
                    print("postgres: index kept from an earlier run", flush=True)
                else:
                    n, took = index_only(site)
                    print(f"{name}: indexed {n} posts in {took:.1f} s", flush=True)
                    if name == "postgres":
                        print(f"postgres: vacuumed in {vacuum(url):.1f} s", flush=True)
                out[name] = replay(site, queries)
                print(json.dumps({name: out[name]}), flush=True)
            out["fts5"] = fts_replay(fts5(tmp, engine), queries)
        finally:
            engine.dispose()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
