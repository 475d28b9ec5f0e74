"""Import speed: alphanode end to end beside a bare sqlite3 executemany of the same rows.

    .venv/bin/python bench/import.py [--count 100000] [--format text|jsonl] [--workers 1]

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
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--format", choices=("text", "jsonl"), default="text")
    ap.add_argument("--workers", type=int, default=1, help="import_workers (0 = inline)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
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
        results = {
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
        print(json.dumps(results))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
