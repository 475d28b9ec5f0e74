"""Similar Posts: text vectors plus weighted taxonomy overlap, top-k kept up to date per post.

score(P, Q) = w_text·cos(P, Q) + w_problem·[same problem] + w_stack·J(stack)
              + w_tools·J(tools) + w_entities·J(entities)

(J: Jaccard overlap). The score is symmetric, so when P changes only P's list is computed in
full; P is then offered to each candidate's list, and lists that named P before are redone.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from alphanode.settings import Settings
from alphanode.store import similar
from alphanode.store.search import IndexDoc, SearchBackend

K = 10  # stored per post; pages show the first 5
CANDIDATES = 50
VECTOR_TERMS = 30
TEXT_REASON = 0.15  # cosine above which "similar text" is given as a reason
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Weights:
    text: float
    problem: float
    stack: float
    tools: float
    entities: float

    @classmethod
    def of(cls, settings: Settings) -> Weights:
        return cls(
            float(settings.similar_weight_text),
            float(settings.similar_weight_problem),
            float(settings.similar_weight_stack),
            float(settings.similar_weight_tools),
            float(settings.similar_weight_entities),
        )


def vector(backend: SearchBackend, body: str, total: int) -> dict[str, float]:
    """The body's top terms by (1 + ln tf)·idf, normalised to length 1."""
    counts = Counter(t for t in backend.analyze(body) if len(t) > 2 and not _NUMBER.fullmatch(t))
    if not counts:
        return {}
    df = backend.doc_freqs(list(counts))
    weights = {
        t: (1 + math.log(n)) * math.log(1 + (total + 1) / (df.get(t, 0) + 1))
        for t, n in counts.items()
    }
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:VECTOR_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {t: round(w / norm, 5) for t, w in top}


def features(doc: IndexDoc, vec: dict[str, float], entities: list[str]) -> dict[str, Any]:
    return {
        "v": vec,
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


def score(a: Mapping[str, Any], b: Mapping[str, Any], w: Weights) -> tuple[float, tuple[str, ...]]:
    va, vb = a["v"], b["v"]
    cos = sum(x * vb[t] for t, x in va.items() if t in vb)
    same = bool(a["problem"]) and a["problem"] == b["problem"]
    j_stack, stack = _jaccard(a["stack"], b["stack"])
    j_tools, tools = _jaccard(a["tools"], b["tools"])
    j_ent, _ = _jaccard(a["entities"], b["entities"])
    total = (
        w.text * cos
        + w.problem * float(same)
        + w.stack * j_stack
        + w.tools * j_tools
        + w.entities * j_ent
    )
    why: list[str] = []
    if same:
        why.append("shared problem")
    if stack:
        why.append("shared stack: " + ", ".join(stack[:3]))
    if tools:
        why.append("shared tools: " + ", ".join(tools[:3]))
    if cos >= TEXT_REASON:
        why.append("similar text")
    return round(total, 6), tuple(why)


def _compute(
    conn: Connection, backend: SearchBackend, pid: int, mine: Mapping[str, Any], w: Weights
) -> list[similar.Entry]:
    doc = IndexDoc(pid, "", "", "", "", mine["problem"], tuple(mine["stack"]), tuple(mine["tools"]))
    ids = backend.candidates(pid, mine["v"], doc, CANDIDATES)
    theirs = similar.features(conn, ids)
    scored = []
    for other, feats in theirs.items():
        s, why = score(mine, feats, w)
        if s > 0:
            scored.append(similar.Entry(other, s, why))
    scored.sort(key=lambda e: (-e.score, e.other_id))
    return scored


def _offer(conn: Connection, holder: int, entry: similar.Entry) -> bool:
    """Put ``entry`` in ``holder``'s list if it beats the k-th; True when the list changed."""
    current = [e for e in similar.list_of(conn, holder) if e.other_id != entry.other_id]
    if len(current) >= K and entry.score <= current[-1].score:
        return False
    current.append(entry)
    current.sort(key=lambda e: (-e.score, e.other_id))
    similar.set_list(conn, holder, current[:K])
    return True


def refresh(
    conn: Connection,
    backend: SearchBackend,
    settings: Settings,
    changed: Mapping[int, tuple[IndexDoc, list[str]]],
    gone: set[int],
) -> int:
    """Bring the lists up to date after ``changed`` went live (or changed) and ``gone`` left.

    Runs after the index has committed those changes. Returns how many lists changed.
    """
    w = Weights.of(settings)
    total = backend.doc_count()
    for pid in gone:
        similar.drop(conn, pid)
    mine: dict[int, dict[str, Any]] = {}
    for pid, (doc, entities) in changed.items():
        mine[pid] = features(doc, vector(backend, doc.body, total), entities)
        similar.put_features(conn, pid, mine[pid])
    redo = similar.holders(conn, set(changed) | gone) - gone - set(changed)
    touched = 0
    for pid, feats in mine.items():
        scored = _compute(conn, backend, pid, feats, w)
        similar.set_list(conn, pid, scored[:K])
        touched += 1
        for e in scored:
            if e.other_id not in redo and e.other_id not in mine:
                touched += _offer(conn, e.other_id, similar.Entry(pid, e.score, e.why))
    for pid in redo:
        stored = similar.features(conn, [pid]).get(pid)
        if stored is not None:
            similar.set_list(conn, pid, _compute(conn, backend, pid, stored, w)[:K])
            touched += 1
    return touched + len(gone)
