"""Similar Posts at scale: the full ``reindex`` rate beside a bare sparse TF-IDF top-n product.

    .venv/bin/python bench/similar_build.py [--count 3000] [--approvals 50]

Synthesizes, imports and approves ``--count`` posts, then times ``indexing.reindex`` (search
index, Similar Posts features, their weights and the vectorised build of every list) and, in
the same run, the baseline: scipy TF-IDF (raw tf, smooth idf, l2) of the same bodies and the
top 10 of each row of their product, a block of rows at a time (what a bare "sparse top-n"
does). Then approves ``--approvals`` more posts one by one, each followed by the incremental
sync (index + Similar Posts), and prints its p50 and p99. Ratios are posts/s over baseline.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

from _corpus import build, pct  # noqa: E402
from alphanode.formats.render import render  # noqa: E402
from alphanode.services import (  # noqa: E402
    importer,
    indexing,
    review,
    similar_build,
    similar_latent,
)
from alphanode.services.runtime import Site  # noqa: E402
from alphanode.services.sources import resolve  # noqa: E402
from alphanode.store import outbox, similar_basis  # noqa: E402
from alphanode.store.engine import reading  # noqa: E402
from alphanode.store.schema import posts  # noqa: E402
from alphanode.synth import synthesize  # noqa: E402

_WORD = re.compile(r"(?u)\b\w\w+\b")
TOP = 10
CELLS = 4_000_000


def bare_topn(texts: list[str]) -> float:
    """Seconds for TF-IDF of ``texts`` and each row's top ``TOP`` by cosine (itself left out)."""
    started = time.perf_counter()
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, text in enumerate(texts):
        for t, k in Counter(_WORD.findall(text.lower())).items():
            rows.append(r)
            cols.append(vocab.setdefault(t, len(vocab)))
            vals.append(float(k))
    x = sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocab)))
    df = np.bincount(x.indices, minlength=len(vocab))
    idf = np.log((1 + len(texts)) / (1 + df)) + 1
    x = sp.csr_matrix(x @ sp.diags(idf))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sp.csr_matrix(sp.diags(1 / np.where(norms > 0, norms, 1)) @ x)
    xt = sp.csr_matrix(x.T)
    step = max(1, min(1000, CELLS // len(texts)))
    for lo in range(0, len(texts), step):
        block = (x[lo : lo + step] @ xt).toarray()
        block[np.arange(len(block)), np.arange(lo, lo + len(block))] = -1.0
        np.argpartition(-block, TOP, axis=1)[:, :TOP]
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--approvals", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="alphanode-similar-build-") as tmp:
        engine, settings, _ = build(Path(tmp), args.count)
        settings = settings.replace(search_index_path=str(Path(tmp) / "index"))
        site = Site(settings, engine=engine)
        lists_s: list[float] = []
        real_build = similar_build.build

        def timed(*a: object, **k: object) -> int:
            t0 = time.perf_counter()
            n = real_build(*a, **k)  # type: ignore[arg-type]
            lists_s.append(time.perf_counter() - t0)
            return n

        fit_s: list[float] = []
        real_fit = similar_build.fit

        def timed_fit(*a: object, **k: object) -> tuple[dict[str, bytes], np.ndarray]:
            t0 = time.perf_counter()
            fitted = real_fit(*a, **k)  # type: ignore[arg-type]
            fit_s.append(time.perf_counter() - t0)
            return fitted

        similar_build.build = timed
        similar_build.fit = timed_fit
        started = time.perf_counter()
        report = indexing.reindex(site)
        reindex_s = time.perf_counter() - started
        similar_build.build = real_build
        similar_build.fit = real_fit
        with reading(engine) as conn:
            ids = outbox.live_ids(conn)
            texts = [text for _, text in sorted(outbox.live_documents(conn, ids).items())]
        bodies = [" ".join(str(b.get("text", "")) for b in json.loads(t)["body"]) for t in texts]
        base_s = bare_topn(
            [json.loads(t)["title"] + " " + b for t, b in zip(texts, bodies, strict=True)]
        )
        # The incremental path: one approval at a time, each drained at once.
        extra = Path(tmp) / "extra"
        extra.mkdir()
        refs = []
        for seed in range(10_000_000, 10_000_000 + args.approvals):
            doc = synthesize(seed)
            (extra / f"{seed}.txt").write_text(render(doc), "utf-8")
            refs.append(str(doc.meta["reference"]))
        importer.import_sources(engine, settings, resolve([str(extra)]))
        with reading(engine) as conn:
            known = set(conn.scalars(sa.select(posts.c.ref).where(posts.c.ref.in_(refs))))
        each: list[float] = []
        folding: list[float] = []  # the latent part of each approval: rows read and fold-in
        real_rows, real_fold = similar_basis.rows, similar_latent.fold

        def timed_rows(*a: object, **k: object) -> dict[str, bytes]:
            t0 = time.perf_counter()
            found = real_rows(*a, **k)  # type: ignore[arg-type]
            folding[-1] += (time.perf_counter() - t0) * 1000
            return found

        def timed_fold(*a: object, **k: object) -> list[float]:
            t0 = time.perf_counter()
            z = real_fold(*a, **k)  # type: ignore[arg-type]
            folding[-1] += (time.perf_counter() - t0) * 1000
            return z

        similar_basis.rows, similar_latent.fold = timed_rows, timed_fold
        for ref in refs:
            if ref not in known:
                continue
            folding.append(0.0)
            t0 = time.perf_counter()
            review.approve(engine, ref, "bench", "bench")
            site.index_pending()
            each.append((time.perf_counter() - t0) * 1000)
        similar_basis.rows, similar_latent.fold = real_rows, real_fold
        n = len(ids)
        result = {
            "posts": n,
            "reindex_seconds": round(reindex_s, 1),
            "reindex_posts_per_s": round(n / reindex_s, 1),
            "similar_lists_build_seconds": round(sum(lists_s), 1),
            "similar_lists_posts_per_s": round(n / max(sum(lists_s), 1e-9), 1),
            "latent_fit_seconds (before the lists build)": round(sum(fit_s), 1),
            "lists": report.lists,
            "baseline_bare_tfidf_topn_seconds": round(base_s, 1),
            "baseline_posts_per_s": round(n / base_s, 1),
            "ratio_reindex_over_baseline": round(base_s / reindex_s, 3),
            "ratio_lists_over_baseline": round(base_s / max(sum(lists_s), 1e-9), 3),
            "approve_one_and_sync_ms": {
                "n": len(each),
                "p50": round(pct(each, 0.5), 1) if each else None,
                "p99": round(pct(each, 0.99), 1) if each else None,
            },
            "latent_fold_in_per_approval_ms": {
                "p50": round(pct(folding, 0.5), 2) if folding else None,
                "p99": round(pct(folding, 0.99), 2) if folding else None,
            },
        }
        print(json.dumps(result, indent=2))
        engine.dispose()


if __name__ == "__main__":
    main()
