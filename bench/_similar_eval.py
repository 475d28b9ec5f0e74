"""Similar Posts on a judged collection: the other documents judged relevant to the same query
are a document's ground truth; precision@5 and nDCG@5 beside a TF-IDF cosine baseline."""

from __future__ import annotations

import math
import re
from collections import Counter

from sqlalchemy.engine import Engine

from _judged import Collection
from alphanode.services import indexing, search
from alphanode.services.runtime import Site
from alphanode.settings import Settings

_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
DEPTH = 5


def tfidf_lists(c: Collection, wanted: set[str]) -> dict[str, list[str]]:
    """Plain TF-IDF cosine (raw tf, smooth idf, l2 norm) over title and text."""
    counts = {d.id: Counter(_WORD.findall(f"{d.title} {d.text}".lower())) for d in c.docs}
    df: Counter[str] = Counter()
    for found in counts.values():
        df.update(found.keys())
    n = len(counts)
    vectors: dict[str, dict[str, float]] = {}
    for doc, found in counts.items():
        v = {t: k * (math.log((1 + n) / (1 + df[t])) + 1) for t, k in found.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors[doc] = {t: x / norm for t, x in v.items()}
    postings: dict[str, list[tuple[str, float]]] = {}
    for doc, v in vectors.items():
        for t, x in v.items():
            postings.setdefault(t, []).append((doc, x))
    out: dict[str, list[str]] = {}
    for doc in wanted:
        acc: dict[str, float] = {}
        for t, x in vectors[doc].items():
            for other, y in postings[t]:
                if other != doc:
                    acc[other] = acc.get(other, 0.0) + x * y
        out[doc] = [d for d, _ in sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[:DEPTH]]
    return out


def _score(
    lists: dict[str, list[str]], pairs: list[tuple[str, str]], c: Collection
) -> tuple[float, float]:
    p_total, n_total = 0.0, 0.0
    for q, doc in pairs:
        gains = {d: g for d, g in c.qrels[q].items() if g > 0 and d != doc}
        ranked = lists.get(doc, [])[:DEPTH]
        p_total += sum(1 for d in ranked if d in gains) / DEPTH
        dcg = sum(gains.get(d, 0) / math.log2(k + 1) for k, d in enumerate(ranked, 1))
        ideal = sorted(gains.values(), reverse=True)[:DEPTH]
        idcg = sum(g / math.log2(k + 1) for k, g in enumerate(ideal, 1))
        n_total += dcg / idcg if idcg else 0.0
    return p_total / len(pairs), n_total / len(pairs)


def run(engine: Engine, settings: Settings, c: Collection, refs: dict[str, str]) -> None:
    indexing.reindex(
        Site(settings, engine=engine)
    )  # as `alphanode reindex`: every vector on one idf
    pairs = [
        (q, d)
        for q, judged in c.qrels.items()
        if sum(1 for g in judged.values() if g > 0) >= 2
        for d, g in judged.items()
        if g > 0
    ]
    docs = {d for _, d in pairs}
    ref_of = {doc: ref for ref, doc in refs.items()}
    ours: dict[str, list[str]] = {}
    for doc in docs:
        _, found = search.similar_to(engine, ref_of[doc], DEPTH)
        ours[doc] = [refs[s.card.ref] for s in found if s.card.ref in refs]
    base = tfidf_lists(c, docs)
    p_ours, n_ours = _score(ours, pairs, c)
    p_base, n_base = _score(base, pairs, c)
    print(f"  similar posts ({len(pairs)} judged pairs, {len(docs)} documents):")
    print(
        f"    precision@5 alphanode {p_ours:.4f}   TF-IDF cosine {p_base:.4f}   "
        f"ratio {p_ours / p_base:.3f}x"
    )
    print(
        f"    nDCG@5      alphanode {n_ours:.4f}   TF-IDF cosine {n_base:.4f}   "
        f"ratio {n_ours / n_base:.3f}x"
    )
    for name, odd in (("odd", 1), ("even", 0)):
        half = [(q, d) for q, d in pairs if int(q) % 2 == odd]
        (p_o, n_o), (p_b, n_b) = _score(ours, half, c), _score(base, half, c)
        print(
            f"    {name} queries ({len(half)} pairs): precision@5 {p_o:.4f} vs {p_b:.4f} "
            f"({p_o / p_b:.3f}x), nDCG@5 {n_o:.4f} vs {n_b:.4f} ({n_o / n_b:.3f}x)"
        )
