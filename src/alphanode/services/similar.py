"""Similar Posts: text vectors plus weighted taxonomy overlap, top-k kept up to date per post.

score(P, Q) = w_text·cos(P, Q) + w_latent·cos(z_P, z_Q) + w_problem·[same problem]
              + w_stack·J(stack) + w_tools·J(tools) + w_entities·J(entities)

(J: Jaccard overlap). The text vector is Similar Posts' own, computed here in Python the same
way on every database (``content.terms``: English stems without stop words, and each pair of
adjacent stems as a phrase): each term weighs BM25's saturated term frequency times its idf
over the live posts (a phrase ``BIGRAM_WEIGHT`` of its idf); terms held by more than
``DF_CAP`` of the posts are left out (they say nothing about a subject), and the top
``TEXT_TERMS`` are kept, normalised. z is the post's latent-topic vector, the text vector
folded into the projection fitted at the last full build (``services.similar_latent``).
Candidates are the posts sharing most weight of a post's ``PROBE_TERMS`` most distinctive
terms and its tags, read from the top ``POSTINGS`` postings of each term by weight
(``store.similar.sharing``: impact-bounded, so a tag held by half the site costs no more
than a rare word).

The score is symmetric, so when P changes only P's list is computed in full; P is then
offered to each candidate's list, and lists that named P before are redone. ``reindex``
builds every list at once with the same rules (``services.similar_build``, sparse matrices).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import tantivy
from sqlalchemy.engine import Connection

from alphanode.content.terms import analyzer, terms
from alphanode.settings import Settings
from alphanode.store import fingerprints, similar, similar_basis
from alphanode.store.search import IndexDoc, SearchBackend

K = 10  # stored per post; pages show the first 5
CANDIDATES = 100
TEXT_TERMS = 200  # a post's text vector (words and phrases) keeps its top terms
PROBE_TERMS = 60  # of which the top ones find its candidates (``similar_terms``)
BIGRAM_WEIGHT = 0.5  # a phrase of two stems weighs this share of its idf
POSTINGS = 200  # of each probe term, only its heaviest postings are read for candidates
TEXT_REASON = 0.15  # cosine above which "similar text" is given as a reason
DF_CAP = 0.25  # terms in more than this share of the posts are not compared on
MIN_POSTS_FOR_CAP = 50  # below, every share is noise: no cap
K1 = 2.0  # tf saturates later: on Cranfield 1.2 → 2.0 took precision@5 0.98× → 1.02×
TITLE_COUNT = 2
TAG_WEIGHTS = {"problem": 1.0, "stack": 0.5, "tools": 0.25}


@dataclass(frozen=True)
class Weights:
    text: float
    latent: float
    problem: float
    stack: float
    tools: float
    entities: float
    near_duplicate: float  # body similarity at which a candidate is left out altogether

    @classmethod
    def of(cls, settings: Settings) -> Weights:
        return cls(
            settings.similar_weight_text,
            settings.similar_weight_latent,
            settings.similar_weight_problem,
            settings.similar_weight_stack,
            settings.similar_weight_tools,
            settings.similar_weight_entities,
            settings.near_duplicate_threshold,
        )


def _phrased(stems: list[str]) -> Counter[str]:
    """Each stem, and each pair of adjacent stems as one phrase term ("shock wave")."""
    found = Counter(stems)
    found.update(f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False))
    return found


def _counts(doc: IndexDoc, using: tantivy.TextAnalyzer | None = None) -> Counter[str]:
    """Term counts of a post's text: the title counts twice, as readers weigh it."""
    # Prose and code: the words Similar Posts read before code had a field of its own (inline
    # code, in both, now counts twice).
    found = _phrased(terms(doc.body + "\n" + doc.code, using))
    for t, n in _phrased(terms(doc.title, using)).items():
        found[t] += TITLE_COUNT * n
    return found


def _vector(counts: Counter[str], df: Mapping[str, int], total: int) -> dict[str, float]:
    """The top terms by BM25 weight (saturated tf · idf), normalised to length 1."""
    if not counts:
        return {}
    cap = DF_CAP * total if total >= MIN_POSTS_FOR_CAP else float("inf")
    weights = {
        t: (n * (K1 + 1) / (n + K1))
        * math.log(1 + (total - df.get(t, 1) + 0.5) / (df.get(t, 1) + 0.5))
        * (BIGRAM_WEIGHT if " " in t else 1.0)
        for t, n in counts.items()
        if df.get(t, 1) <= cap
    }
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:TEXT_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {t: round(w / norm, 5) for t, w in top if w > 0}


def vector(backend: SearchBackend | None, body: str, total: int) -> dict[str, float]:
    """A text's vector against ``total`` posts all holding none of its terms (a probe)."""
    return _vector(_phrased(terms(body)), {}, total)


def probe_terms(feats: Mapping[str, Any]) -> dict[str, float]:
    """What a post is found by: its vector's top ``PROBE_TERMS`` terms and its tags."""
    out = dict(sorted(feats["v"].items(), key=lambda kv: (-kv[1], kv[0]))[:PROBE_TERMS])
    if feats.get("problem"):
        out["problem:" + feats["problem"]] = TAG_WEIGHTS["problem"]
    for name in ("stack", "tools"):
        for value in feats.get(name, []):
            out[f"{name}:{value}"] = TAG_WEIGHTS[name]
    return out


def features(
    doc: IndexDoc,
    vec: dict[str, float],
    entities: list[str],
    held: Mapping[str, int] | None = None,
    latent: list[float] | None = None,
) -> dict[str, Any]:
    return {
        "v": vec,
        "z": list(latent or []),  # latent topics ([]: no projection fitted yet)
        "t": dict(held or {}),  # every term's count: document frequencies and reweighing
        "problem": doc.problem,
        "stack": list(doc.stack),
        "tools": list(doc.tools),
        "entities": entities,
    }


def _jaccard(a: list[str], b: list[str]) -> tuple[float, list[str]]:
    sa_, sb = set(a), set(b)
    if not sa_ or not sb:
        return 0.0, []
    shared = [x for x in a if x in sb]
    return len(shared) / len(sa_ | sb), shared


def latent_cosine(a: list[float], b: list[float]) -> float:
    """Two stored latent vectors' cosine (0 when either post has none; both are unit length)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


def score(a: Mapping[str, Any], b: Mapping[str, Any], w: Weights) -> tuple[float, tuple[str, ...]]:
    va, vb = a["v"], b["v"]
    cos = sum(x * vb[t] for t, x in va.items() if t in vb)
    topics = latent_cosine(a.get("z", []), b.get("z", []))
    same = bool(a["problem"]) and a["problem"] == b["problem"]
    j_stack, stack = _jaccard(a["stack"], b["stack"])
    j_tools, tools = _jaccard(a["tools"], b["tools"])
    j_ent, _ = _jaccard(a["entities"], b["entities"])
    total = (
        w.text * cos
        + w.latent * topics
        + w.problem * float(same)
        + w.stack * j_stack
        + w.tools * j_tools
        + w.entities * j_ent
    )
    return round(total, 6), _why(same, stack, tools, cos)


def _why(same: bool, stack: list[str], tools: list[str], cos: float) -> tuple[str, ...]:
    why: list[str] = []
    if same:
        why.append("shared problem")
    if stack:
        why.append("shared stack: " + ", ".join(stack[:3]))
    if tools:
        why.append("shared tools: " + ", ".join(tools[:3]))
    if cos >= TEXT_REASON:
        why.append("similar text")
    return tuple(why)


def reasons(a: Mapping[str, Any], b: Mapping[str, Any], cos: float) -> tuple[str, ...]:
    """``score``'s reasons for two posts whose text cosine is ``cos`` (computed elsewhere)."""
    same = bool(a["problem"]) and a["problem"] == b["problem"]
    return _why(same, _jaccard(a["stack"], b["stack"])[1], _jaccard(a["tools"], b["tools"])[1], cos)


def explain(a: Mapping[str, Any], b: Mapping[str, Any], w: Weights) -> list[tuple[str, str, float]]:
    """(term, part, share of the score), largest first: what two posts' score is made of."""
    va, vb = a["v"], b["v"]
    out = [(t, "text", round(w.text * x * vb[t], 4)) for t, x in va.items() if t in vb]
    topics = w.latent * latent_cosine(a.get("z", []), b.get("z", []))
    if topics:
        out.append(("latent topics", "latent", round(topics, 4)))
    if a["problem"] and a["problem"] == b["problem"]:
        out.append((a["problem"], "problem", w.problem))
    for name, weight in (("stack", w.stack), ("tools", w.tools), ("entities", w.entities)):
        j, shared = _jaccard(a[name], b[name])
        if j:
            out.append((", ".join(shared), name, round(weight * j, 4)))
    return sorted(out, key=lambda c: -c[2])


def _compute(
    conn: Connection, backend: SearchBackend, pid: int, mine: Mapping[str, Any], w: Weights
) -> list[similar.Entry]:
    ids = similar.sharing(conn, pid, probe_terms(mine), CANDIDATES, POSTINGS)
    ids = _distinct(conn, {pid: ids}, w.near_duplicate)[pid]
    return _scored(mine, similar.features(conn, ids), w)


def _distinct(
    conn: Connection, candidates: dict[int, list[int]], threshold: float
) -> dict[int, list[int]]:
    """Each post's candidates without its near-duplicates.

    Left out: a body at or above ``threshold`` by the stored signatures, and any post of
    the same family as marked at import (a copy, its original, another copy of that
    original), so two copies of one original never suggest each other even when they
    differ from each other more than from the original.
    """
    ids = set(candidates).union(*candidates.values())
    prints = fingerprints.signatures(conn, ids)
    original = fingerprints.originals(conn, ids)
    out: dict[int, list[int]] = {}
    for pid, others in candidates.items():
        mine = prints.get(pid)
        family = original.get(pid, pid)
        out[pid] = [
            c
            for c in others
            if original.get(c, c) != family
            and (mine is None or c not in prints or mine.similarity(prints[c]) < threshold)
        ]
    return out


def one_per_family(
    conn: Connection, lists: dict[int, list[similar.Entry]]
) -> dict[int, list[similar.Entry]]:
    """Each list keeps only the best of a near-duplicate family (an original and its copies
    as marked at import), so a page never suggests the same article twice."""
    original = fingerprints.originals(conn, {e.other_id for es in lists.values() for e in es})
    out: dict[int, list[similar.Entry]] = {}
    for pid, entries in lists.items():
        seen: set[int] = set()
        kept = []
        for e in entries:
            family = original.get(e.other_id, e.other_id)
            if family not in seen:
                seen.add(family)
                kept.append(e)
        out[pid] = kept
    return out


def _scored(
    mine: Mapping[str, Any], theirs: Mapping[int, Mapping[str, Any]], w: Weights
) -> list[similar.Entry]:
    scored = []
    for other, feats in theirs.items():
        s, why = score(mine, feats, w)
        if s > 0:
            scored.append(similar.Entry(other, s, why))
    scored.sort(key=lambda e: (-e.score, e.other_id))
    return scored


def vectors(
    conn: Connection,
    backend: SearchBackend | None,
    changed: Mapping[int, tuple[IndexDoc, list[str]]],
) -> dict[int, dict[str, Any]]:
    """Compute and store the features of ``changed``, keeping the term counts up to date
    (``backend`` is not used: the vectors are Similar Posts' own)."""
    using = analyzer()
    counts = {pid: _counts(doc, using) for pid, (doc, _) in changed.items()}
    old = similar.features(conn, changed)
    change: Counter[str] = Counter()
    for feats in old.values():
        change.subtract(dict.fromkeys(feats.get("t", {}), 1))
    for found in counts.values():
        change.update(found.keys())
    similar.add_doc_freqs(conn, change)
    total = similar.post_count(conn) + len(set(changed) - set(old))
    df = similar.doc_freqs(conn, set().union(*counts.values())) if counts else {}
    vecs = {pid: _vector(counts[pid], df, total) for pid in changed}
    basis = similar_basis.rows(conn, {t for v in vecs.values() for t in v})
    from alphanode.services import similar_latent  # NumPy: loaded by the first approval

    mine = {
        pid: features(
            doc,
            vecs[pid],
            ents,
            dict(sorted(counts[pid].items())),
            similar_latent.fold(vecs[pid], basis),
        )
        for pid, (doc, ents) in changed.items()
    }
    similar.put_features_many(conn, mine)
    similar.put_terms(conn, {pid: probe_terms(f) for pid, f in mine.items()})
    return mine


def reweigh(conn: Connection, post_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Recompute stored vectors against today's document frequencies (``reindex`` computes
    features a batch at a time, so the first batches saw few posts)."""
    mine = similar.features(conn, post_ids)
    total = similar.post_count(conn)
    df = similar.doc_freqs(conn, {t for f in mine.values() for t in f.get("t", {})})
    for feats in mine.values():
        feats["v"] = _vector(Counter(feats.get("t", {})), df, total)
    basis = similar_basis.rows(conn, {t for f in mine.values() for t in f["v"]})
    from alphanode.services import similar_latent  # NumPy: loaded by the first approval

    for feats in mine.values():
        feats["z"] = similar_latent.fold(feats["v"], basis)
    similar.put_features_many(conn, mine)
    similar.put_terms(conn, {pid: probe_terms(f) for pid, f in mine.items()})
    return mine


def forget(conn: Connection, gone: set[int]) -> None:
    """Posts that left: their term counts, features, terms and lists go."""
    change: Counter[str] = Counter()
    for feats in similar.features(conn, gone).values():
        change.subtract(dict.fromkeys(feats.get("t", {}), 1))
    similar.add_doc_freqs(conn, change)
    similar.drop_many(conn, gone)


def _lists(
    conn: Connection, backend: SearchBackend, mine: Mapping[int, Mapping[str, Any]], w: Weights
) -> dict[int, list[similar.Entry]]:
    """Each post's full ranked candidate list (callers keep the top ``K``).

    A near-duplicate of a post is never among its candidates (nor the post among its own).
    """
    candidates = {
        pid: similar.sharing(conn, pid, probe_terms(feats), CANDIDATES, POSTINGS)
        for pid, feats in mine.items()
    }
    candidates = _distinct(conn, candidates, w.near_duplicate)
    pool = similar.features(conn, {c for ids in candidates.values() for c in ids})
    return {
        pid: _scored(feats, {c: pool[c] for c in candidates[pid] if c in pool}, w)
        for pid, feats in mine.items()
    }


def refresh(
    conn: Connection,
    backend: SearchBackend,
    settings: Settings,
    changed: Mapping[int, tuple[IndexDoc, list[str]]],
    gone: set[int],
) -> int:
    """Bring the lists up to date after ``changed`` went live (or changed) and ``gone`` left.

    Runs after the index has committed those changes; does its reads and writes a batch at
    a time (one query for all document frequencies, one for all candidates' features, one
    write of every changed list). Returns how many lists changed.
    """
    w = Weights.of(settings)
    forget(conn, gone)
    mine = vectors(conn, backend, changed)
    redo = similar.holders(conn, set(changed) | gone) - gone - set(changed)
    lists: dict[int, list[similar.Entry]] = {}
    offers: dict[int, list[similar.Entry]] = {}
    for pid, scored in _lists(conn, backend, mine, w).items():
        lists[pid] = scored[:K]
        for e in scored:
            if e.other_id not in redo and e.other_id not in mine:
                offers.setdefault(e.other_id, []).append(similar.Entry(pid, e.score, e.why))
    for pid in redo:
        stored = similar.features(conn, [pid]).get(pid)
        if stored is not None:
            lists[pid] = _compute(conn, backend, pid, stored, w)[:K]
    # A full list whose last entry ranks above every offer made to it stays as it is (none
    # of these lists names a changed post: those are redone above), so only the others are
    # read whole.
    last = similar.last_of(conn, offers, K)
    offers = {
        holder: entries
        for holder, entries in offers.items()
        if holder not in last
        or any((-e.score, e.other_id) < (-last[holder][0], last[holder][1]) for e in entries)
    }
    current = similar.lists_of(conn, offers)
    for holder, entries in offers.items():
        offered = {e.other_id for e in entries}
        kept = [e for e in current.get(holder, []) if e.other_id not in offered]
        merged = sorted(kept + entries, key=lambda e: (-e.score, e.other_id))[:K]
        if merged != current.get(holder, []):
            lists[holder] = merged
    similar.set_lists(conn, one_per_family(conn, lists))
    return len(lists) + len(gone)
