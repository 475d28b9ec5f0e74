"""Import speed: alphanode end to end beside a bare sqlite3 executemany of the same rows.

    .venv/bin/python bench/import.py [--count 100000] [--format text|jsonl] [--workers 1]
        [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]

Prints docs/s for: the baseline (sqlite3.executemany of the final post and revision rows into
the same tables, nothing else), a full alphanode import (read, parse, validate, hash,
serialise, slug, store, revisions), and a re-import of the same input (all unchanged), with
the ratio of each to the baseline. The documents come from the anp content synthesizer
(seeds 1..N, normal documents).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alphanode.formats import jsonl
from alphanode.formats.scraped import parse
from alphanode.services import importer
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.synth import generate


def documents(count: int) -> Iterator[tuple[str, str]]:
    """(name, page text) for ``count`` distinct documents."""
    for item in generate(count, 1):
        yield f"anp-{item.seed:06d}", item.to_text()


def write_input(directory: Path, count: int, fmt: str) -> int:
    total = 0
    if fmt == "jsonl":
        with (directory / "docs.jsonl").open("w", encoding="utf-8") as fh:
            for _, page in documents(count):
                line = jsonl.dumps(parse(page).document) + "\n"
                fh.write(line)
                total += len(line)
        return total
    for name, page in documents(count):
        (directory / f"{name}.txt").write_text(page, encoding="utf-8")
        total += len(page)
    return total


def baseline(db_path: Path, rows: list[tuple[str, str, str, str, str]]) -> float:
    """Bare sqlite3: the same posts and revisions rows, one executemany per table."""
    settings = Settings.load(env={}, database_url=f"sqlite:///{db_path}")
    open_database(settings).dispose()  # the same schema, made by the migrations
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    stamp = dt.datetime.now(dt.UTC).isoformat()
    start = time.perf_counter()
    with con:
        con.executemany(
            "INSERT INTO posts (ref, slug, status, title, current_revision, content_hash, "
            "created_at, updated_at) VALUES (?, ?, 'pending_review', ?, 1, ?, ?, ?)",
            ((r[0], r[1], r[2], r[3], stamp, stamp) for r in rows),
        )
        con.executemany(
            "INSERT INTO revisions (post_id, number, content_hash, document, warnings, source, "
            "created_at) SELECT id, 1, ?, ?, '[]', '', ? FROM posts WHERE ref = ?",
            ((r[3], r[4], stamp, r[0]) for r in rows),
        )
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def baseline_postgres(url: str, rows: list[tuple[str, str, str, str, str]]) -> float:
    """Bare psycopg: the same rows, one executemany per table, in one transaction."""
    import psycopg

    open_database(Settings.load(env={}, database_url=url)).dispose()
    stamp = dt.datetime.now(dt.UTC)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con:
        start = time.perf_counter()
        with con.cursor() as cur:
            cur.executemany(
                "INSERT INTO posts (ref, slug, status, title, current_revision, content_hash, "
                "created_at, updated_at) VALUES (%s, %s, 'pending_review', %s, 1, %s, %s, %s)",
                [(r[0], r[1], r[2], r[3], stamp, stamp) for r in rows],
            )
            cur.executemany(
                "INSERT INTO revisions (post_id, number, content_hash, document, warnings, "
                "source, created_at) SELECT id, 1, %s, %s, '[]', '', %s FROM posts WHERE ref = %s",
                [(r[3], r[4], stamp, r[0]) for r in rows],
            )
        con.commit()
        return time.perf_counter() - start


@contextmanager
def postgres_db(admin_url: str) -> Iterator[str]:
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"alphanode_bench_{os.getpid()}_{time.monotonic_ns() % 100000}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run_postgres(admin_url: str, src: Path, count: int, workers: int) -> dict[str, float]:
    with postgres_db(admin_url) as url:
        settings = Settings.load(env={}, database_url=url).replace(import_workers=workers)
        engine = open_database(settings)
        found = resolve([str(src)])
        report = importer.import_sources(engine, settings, found)
        assert report.imported == count, report.to_dict()
        again = importer.import_sources(engine, settings, found)
        assert again.unchanged == count, again.to_dict()
        import sqlalchemy as sa

        with engine.connect() as conn:
            rows = [
                tuple(r)
                for r in conn.execute(
                    sa.text(
                        "SELECT p.ref, p.slug, p.title, p.content_hash, r.document FROM posts p "
                        "JOIN revisions r ON r.post_id = p.id AND r.number = 1 ORDER BY p.id"
                    )
                )
            ]
        engine.dispose()
    with postgres_db(admin_url) as url:
        base = baseline_postgres(url, rows)
    base_rate = count / base
    return {
        "baseline_psycopg_executemany_docs_s": round(base_rate),
        "import_docs_s": round(count / report.seconds),
        "import_ratio": round((count / report.seconds) / base_rate, 3),
        "reimport_unchanged_docs_s": round(count / again.seconds),
        "reimport_ratio": round((count / again.seconds) / base_rate, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--format", choices=("text", "jsonl"), default="text")
    ap.add_argument("--workers", type=int, default=1, help="import_workers (0 = inline)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        help="also run against PostgreSQL (a server URL allowed to CREATE DATABASE), e.g. "
        "postgresql+psycopg://postgres@127.0.0.1/postgres",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="alphanode-bench-"))
    try:
        src = work / "in"
        src.mkdir()
        t0 = time.perf_counter()
        size = write_input(src, args.count, args.format)
        print(
            f"input: {args.count} documents, {size / 1e6:.1f} MB ({args.format}) "
            f"written in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )

        settings = Settings.load(env={}, database_url=f"sqlite:///{work / 'an.db'}").replace(
            import_workers=args.workers
        )
        engine = open_database(settings)
        found = resolve([str(src)])
        report = importer.import_sources(engine, settings, found)
        assert report.imported == args.count, report.to_dict()
        again = importer.import_sources(engine, settings, found)
        assert again.unchanged == args.count, again.to_dict()

        rows = []
        with sqlite3.connect(work / "an.db") as con:
            query = (
                "SELECT p.ref, p.slug, p.title, p.content_hash, r.document FROM posts p "
                "JOIN revisions r ON r.post_id = p.id AND r.number = 1 ORDER BY p.id"
            )
            rows = list(con.execute(query))
        engine.dispose()
        base = baseline(work / "base.db", rows)

        base_rate = args.count / base
        results: dict[str, Any] = {
            "count": args.count,
            "format": args.format,
            "workers": args.workers,
            "input_mb": round(size / 1e6, 1),
            "baseline_executemany_docs_s": round(base_rate),
            "import_docs_s": round(args.count / report.seconds),
            "import_ratio": round((args.count / report.seconds) / base_rate, 3),
            "reimport_unchanged_docs_s": round(args.count / again.seconds),
            "reimport_ratio": round((args.count / again.seconds) / base_rate, 3),
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "rows_sha256": hashlib.sha256(json.dumps(rows[:100]).encode()).hexdigest()[:12],
        }
        print(f"baseline sqlite3.executemany : {base_rate:>9,.0f} docs/s")
        print(
            f"alphanode import (new)       : {results['import_docs_s']:>9,} docs/s  "
            f"ratio {results['import_ratio']}"
        )
        print(
            f"alphanode re-import (same)   : {results['reimport_unchanged_docs_s']:>9,} docs/s  "
            f"ratio {results['reimport_ratio']}"
        )
        if args.postgres:
            pg = run_postgres(args.postgres, src, args.count, args.workers)
            results["postgres"] = pg
            for label, key in (
                ("PostgreSQL baseline executemany", "baseline_psycopg_executemany_docs_s"),
                ("PostgreSQL alphanode import    ", "import_docs_s"),
                ("PostgreSQL alphanode re-import ", "reimport_unchanged_docs_s"),
            ):
                print(f"{label}: {pg[key]:>9,} docs/s")
        print(json.dumps(results))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
