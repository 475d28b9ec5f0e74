"""Ranking on a human-judged collection: alphanode's search (and Similar Posts) beside plain
baselines over the same documents, in the same run.

    .venv/bin/python bench/relevance.py [COLLECTION_DIR] [--postgres URL] [--similar]
        [--queries N]

COLLECTION_DIR holds a SMART/TREC-layout collection (see bench/_judged.py); the default is
../shared/real/cranfield beside the repository. The documents go through the real importer
(JSONL), review (approve all) and indexing; every query goes through the real search service
(``services.search.search``, 100 results). Printed: MAP@100, nDCG@10 (graded) and recall@100
for alphanode and for SQLite FTS5 bm25 with the query's words OR-ed, with the ratio; how many
queries returned nothing. ``--postgres URL`` (an admin URL, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) measures the PostgreSQL backend too,
in a database made for the run and dropped after it.

``--similar``: for each document judged relevant to a query, the other documents judged
relevant to the same query are its ground truth; precision@5 and nDCG@5 of its Similar Posts
beside a TF-IDF cosine baseline (scikit-learn style, computed here).
"""

from __future__ import annotations

import argparse
import math
import re
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from _judged import Collection, load, write_jsonl  # noqa: E402
from alphanode.services import importer, review, search  # noqa: E402
from alphanode.services.runtime import Site  # noqa: E402
from alphanode.services.sources import resolve  # noqa: E402
from alphanode.settings import Settings  # noqa: E402
from alphanode.store.migrate import open_database  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO.parent / "shared" / "real" / "cranfield"
DEPTH = 100
_WORD = re.compile(r"[^\W_]+")


# -- metrics -------------------------------------------------------------------------------


def average_precision(ranked: Sequence[str], gains: dict[str, int], depth: int) -> float:
    relevant = {d for d, g in gains.items() if g > 0}
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for k, d in enumerate(ranked[:depth], 1):
        if d in relevant:
            hits += 1
            total += hits / k
    return total / len(relevant)


def ndcg(ranked: Sequence[str], gains: dict[str, int], depth: int) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(k + 1) for k, d in enumerate(ranked[:depth], 1))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:depth]
    idcg = sum(g / math.log2(k + 1) for k, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def recall(ranked: Sequence[str], gains: dict[str, int], depth: int) -> float:
    relevant = {d for d, g in gains.items() if g > 0}
    return len(relevant & set(ranked[:depth])) / len(relevant) if relevant else 0.0


def precision(ranked: Sequence[str], gains: dict[str, int], depth: int) -> float:
    return sum(1 for d in ranked[:depth] if gains.get(d, 0) > 0) / depth


def scores(runs: dict[str, list[str]], c: Collection) -> dict[str, float]:
    judged = [q for q in runs if c.qrels.get(q)]
    n = max(1, len(judged))
    return {
        "MAP@100": sum(average_precision(runs[q], c.qrels[q], DEPTH) for q in judged) / n,
        "nDCG@10": sum(ndcg(runs[q], c.qrels[q], 10) for q in judged) / n,
        "recall@100": sum(recall(runs[q], c.qrels[q], DEPTH) for q in judged) / n,
        "empty": float(sum(1 for q in runs if not runs[q])),
    }


# -- the baseline: SQLite FTS5 bm25, words OR-ed ----------------------------------------------


def fts5_runs(c: Collection, queries: dict[str, str], tmp: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(tmp / "fts.db")
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body)")
    conn.executemany(
        "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)",
        [(int(d.id), d.title, d.text) for d in c.docs],
    )
    conn.commit()
    out: dict[str, list[str]] = {}
    for q, text in queries.items():
        words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
        match = " OR ".join(f'"{w}"' for w in words)
        rows = conn.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?", (match, DEPTH)
        ).fetchall()
        out[q] = [str(r[0]) for r in rows]
    conn.close()
    return out


# -- alphanode ----------------------------------------------------------------------------


def build(
    c: Collection, url: str, tmp: Path, index: str = ""
) -> tuple[Engine, Settings, dict[str, str]]:
    settings = Settings.load(
        env={}, database_url=url, search_sync_seconds=0, search_index_path=index
    )
    engine = open_database(settings)
    source = tmp / "collection.jsonl"
    refs = write_jsonl(c, source, "doc")
    started = time.perf_counter()
    report = importer.import_sources(engine, settings, resolve([str(source)]))
    review.approve_all_pending(engine, "bench", "relevance")
    Site(settings, engine=engine).index_pending()
    print(
        f"  imported {report.imported} (rejected {len(report.errors)}), approved and indexed "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return engine, settings, refs


def alphanode_runs(
    engine: Engine, settings: Settings, refs: dict[str, str], queries: dict[str, str]
) -> tuple[dict[str, list[str]], float, float]:
    site = Site(settings, engine=engine)
    out: dict[str, list[str]] = {}
    took: list[float] = []
    for q, text in queries.items():
        started = time.perf_counter()
        page = search.search(site, text[:500], size=DEPTH)
        took.append(time.perf_counter() - started)
        out[q] = [refs[h.card.ref] for h in page.hits if h.card.ref in refs]
    took.sort()
    return out, took[len(took) // 2] * 1000, took[int(0.99 * (len(took) - 1))] * 1000


def report(name: str, ours: dict[str, float], base: dict[str, float]) -> None:
    print(f"  {name}:")
    for metric in ("MAP@100", "nDCG@10", "recall@100"):
        ratio = ours[metric] / base[metric] if base[metric] else float("inf")
        print(
            f"    {metric:<11} alphanode {ours[metric]:.4f}   FTS5 bm25 {base[metric]:.4f}"
            f"   ratio {ratio:.2f}x"
        )
    print(f"    queries with no result: alphanode {ours['empty']:.0f}, FTS5 {base['empty']:.0f}")


@contextmanager
def postgres(admin_url: str) -> Iterator[str]:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"alphanode_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run_backend(
    label: str,
    c: Collection,
    url: str,
    tmp: Path,
    queries: dict[str, str],
    base: dict[str, float],
    similar_too: bool,
) -> None:
    print(f"{label}:")
    engine, settings, refs = build(c, url, tmp)
    try:
        runs, p50, p99 = alphanode_runs(engine, settings, refs, queries)
        report("search", scores(runs, c), base)
        split = {
            name: scores({q: r for q, r in runs.items() if int(q) % 2 == odd}, c)
            for name, odd in (("odd", 1), ("even", 0))
        }
        for name, got in split.items():
            print(f"    {name} queries: MAP@100 {got['MAP@100']:.4f}  nDCG@10 {got['nDCG@10']:.4f}")
        print(f"    service p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(queries)} queries")
        if similar_too:
            import _similar_eval

            _similar_eval.run(engine, settings, c, refs)
    finally:
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("collection", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--postgres", metavar="URL", help="also measure the PostgreSQL backend")
    ap.add_argument("--similar", action="store_true", help="also score Similar Posts")
    ap.add_argument("--queries", type=int, default=0, help="only the first N queries")
    args = ap.parse_args()
    if not args.collection.is_dir():
        print(
            f"no judged collection at {args.collection}: pass a directory holding documents, "
            "queries and qrels (SMART/TREC layout), e.g. ../shared/real/cranfield",
            file=sys.stderr,
        )
        return 2
    c = load(args.collection)
    queries = {q: t for q, t in c.queries.items() if c.qrels.get(q)}
    if args.queries:
        queries = dict(list(queries.items())[: args.queries])
    print(f"{c.name}: {len(c.docs)} documents, {len(queries)} judged queries")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = scores(fts5_runs(c, queries, tmp), c)
        (tmp / "sqlite").mkdir()
        run_backend(
            "SQLite + tantivy",
            c,
            f"sqlite:///{tmp / 'sqlite' / 'a.db'}",
            tmp / "sqlite",
            queries,
            base,
            args.similar,
        )
        if args.postgres:
            (tmp / "pg").mkdir()
            with postgres(args.postgres) as url:
                run_backend("PostgreSQL", c, url, tmp / "pg", queries, base, args.similar)
    return 0


if __name__ == "__main__":
    sys.exit(main())
