"""Search: alphanode (tantivy, field-weighted BM25) beside SQLite FTS5 bm25 on the same docs.

    .venv/bin/python bench/search.py [--count 10000] [--queries 300]

Prints build docs/s, top-10 latency p50/p99 (the backend alone, and the whole service call
with parsing, snippets, facets and the live check), and precision@10 of results for a
problem's name (the share of the top 10 whose ground-truth ``ai_outline.problem`` is that
problem), each with the ratio to FTS5 measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _corpus import build, pct  # noqa: E402
from alphanode.services import indexing, search  # noqa: E402
from alphanode.services.runtime import Site  # noqa: E402
from alphanode.store import outbox  # noqa: E402
from alphanode.store.engine import reading  # noqa: E402
from alphanode.store.search import query as parser  # noqa: E402


def fts5(db: Path, docs: Sequence[tuple[int, object]]) -> tuple[sqlite3.Connection, float]:
    conn = sqlite3.connect(db)
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, topic, tags, body)")
    started = time.perf_counter()
    conn.executemany(
        "INSERT INTO fts (rowid, title, topic, tags, body) VALUES (?, ?, ?, ?, ?)",
        [(pid, d.title, d.topic, d.tags, d.body) for pid, d in docs],  # type: ignore[attr-defined]
    )
    conn.commit()
    return conn, time.perf_counter() - started


def fts_query(text: str) -> str:
    return " ".join('"' + w.replace('"', "") + '"' for w in text.split())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        engine, settings, truth = build(tmp, args.count)
        started = time.perf_counter()
        site = Site(settings, engine=engine)
        report = indexing.reindex(site)
        ours_build = time.perf_counter() - started
        with reading(engine) as conn:
            ids = outbox.live_ids(conn)
            texts = outbox.live_documents(conn, ids)
            ref_of = {
                int(r[0]): str(r[1]) for r in conn.exec_driver_sql("SELECT id, ref FROM posts")
            }
        docs = [(pid, indexing.index_doc(pid, texts[pid])[0]) for pid in ids]
        fconn, fts_build = fts5(tmp / "fts.db", docs)
        n = len(docs)
        print(
            f"build (index + similar lists): alphanode {n / ours_build:,.0f} docs/s "
            f"({report.lists} lists); FTS5 index only {n / fts_build:,.0f} docs/s"
        )
        backend = site.backend()
        problems = sorted({t["problem"] for t in truth.values()})
        rnd = random.Random(1)
        queries = [rnd.choice(problems) for _ in range(args.queries)]
        ours, ours_service, theirs = [], [], []
        p_ours, p_theirs = [], []
        for q in queries:
            parsed = parser.parse(q, backend.analyze, 500)
            t0 = time.perf_counter()
            found = backend.search(parsed, {}, 0, 10, facets=False)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            search.search(site, q)
            ours_service.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rows = fconn.execute(
                "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 4, 2, 1.5, 1) LIMIT 10",
                (fts_query(q),),
            ).fetchall()
            theirs.append(time.perf_counter() - t0)
            p_ours.append(_precision([ref_of[h.post_id] for h in found.hits], q, truth))
            p_theirs.append(_precision([ref_of[r[0]] for r in rows], q, truth))
        result: dict[str, Any] = {
            "docs": n,
            "build_docs_per_s": {"alphanode": round(n / ours_build), "fts5": round(n / fts_build)},
            "p50_ms": {
                "alphanode": _ms(pct(ours, 0.5)),
                "service": _ms(pct(ours_service, 0.5)),
                "fts5": _ms(pct(theirs, 0.5)),
            },
            "p99_ms": {
                "alphanode": _ms(pct(ours, 0.99)),
                "service": _ms(pct(ours_service, 0.99)),
                "fts5": _ms(pct(theirs, 0.99)),
            },
            "precision_at_10": {"alphanode": _avg(p_ours), "fts5": _avg(p_theirs)},
        }
        result["ratios"] = {
            "p99_fts5_over_alphanode": round(
                result["p99_ms"]["fts5"] / max(result["p99_ms"]["alphanode"], 1e-3), 2
            ),
            "precision_alphanode_over_fts5": round(_avg(p_ours) / max(_avg(p_theirs), 1e-9), 3),
        }
        print(json.dumps(result, indent=2))
        fconn.close()
        engine.dispose()


def _precision(refs: list[str], problem: str, truth: dict[str, dict[str, str]]) -> float:
    return sum(truth[r]["problem"] == problem for r in refs[:10]) / 10 if refs else 0.0


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _avg(values: list[float]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


if __name__ == "__main__":
    main()
