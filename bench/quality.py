"""Measured quality: near-duplicates, Similar Posts precision@5, search MRR, beside baselines.

    .venv/bin/python bench/quality.py [--count 20000] [--near-duplicates 0.05] [--sample 1000]
                                      [--queries 500] [--seed 1] [--size normal] [--json]

The corpus is ``--count`` synthesized ``--size`` pages (seeds ``--seed`` onwards, a
``--near-duplicates`` share of them light edits of an earlier document of the run) whose
ground truth is known: each document's problem and stack (``meta.ai_outline``) and which
documents are near-duplicates of which (``SynthItem.near_duplicate_of``). They are written
as one JSONL file in seed order, imported with the real importer into a temporary SQLite
database (the near-duplicate detection runs there), all approved, then ``indexing.reindex``
builds the search index and every Similar Posts list. Measured, for alphanode and for a
baseline in the same run:

- near-duplicates: recall and precision of the ``near_duplicates`` rows (a row is correct when
  its post is a ground-truth near-duplicate; it is also told whether the row names the true
  original, another copy of the same original, or an unrelated post). Baseline: exact
  duplicate bodies — the same sha256 of the body text as an earlier post (what a platform
  without near-duplicate detection catches).
- Similar Posts precision@5 on ``--sample`` live posts: the share of the first five suggestions
  shown (``store.similar.shown``; missing ones count as wrong) about the same problem or the
  same stack, and about the same problem. Baseline: ``baseline()`` of bench/similar.py — any
  post sharing a stack or tools tag, newest first (Ghost themes, Forem). Also counted:
  suggestions that are a detected near-duplicate pair (a ``near_duplicates`` row either way;
  must be 0), and suggestions that are ground-truth copies of the same original.
- search MRR over the top 10 of the real ``services.search.search``, three query sets:
  ``--queries`` posts' exact titles (relevant: that post, or another copy of the same original,
  since copies keep the title; also shown: MRR when any post with that exact title counts, and
  the ceiling H_k/k where k distinct posts share the title and no ranking can tell them apart),
  every problem's name, and ``--queries`` topics "<problem> / <stack>" (relevant: any post about
  that problem). Baseline: titles only — ``title LIKE '%word%'`` for every word (``\\w+``) of
  the query, all required, live posts newest first.

Targets: near-duplicate recall ≥ 0.95 at precision ≥ 0.95; precision@5 (same problem or same
stack) ≥ 0.9; no near-duplicate pair suggested; MRR ≥ 0.8. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

sys.path.insert(0, str(Path(__file__).parent))

from _corpus import pct  # noqa: E402
from alphanode.content.fingerprint import (  # noqa: E402
    SHINGLE,
    Fingerprint,
    body_text,
    fingerprint_words,
    words_of,
)
from alphanode.formats import jsonl  # noqa: E402
from alphanode.services import importer, indexing, review, search  # noqa: E402
from alphanode.services.runtime import Site  # noqa: E402
from alphanode.services.sources import resolve  # noqa: E402
from alphanode.settings import Settings  # noqa: E402
from alphanode.store import outbox  # noqa: E402
from alphanode.store import similar as similar_store  # noqa: E402
from alphanode.store.engine import reading  # noqa: E402
from alphanode.store.migrate import open_database  # noqa: E402
from alphanode.store.schema import near_duplicates, posts, similar_posts  # noqa: E402
from alphanode.synth import SIZES, Size, SynthOptions, generate  # noqa: E402
from similar import baseline as tags_baseline  # noqa: E402

SHOWN = 5
TOP = 10
_WORD = re.compile(r"\w+")
_STARTED = time.perf_counter()
TARGETS = {"precision_at_5": 0.9, "near_recall": 0.95, "near_precision": 0.95, "mrr": 0.8}


def note(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Truth:
    problem: str
    stack: str
    title: str
    seed: int
    original: str | None  # the reference this document is a light edit of

    @property
    def topic(self) -> str:
        return f"{self.problem} / {self.stack}"


@dataclass
class Corpus:
    engine: Engine
    settings: Settings
    truth: dict[str, Truth]  # by reference
    ref_of: dict[int, str]  # post id -> reference
    live: list[int]  # live post ids
    imported: dict[str, Any]

    def group(self, ref: str) -> str:
        """The original of a copy; a post that copies nothing is its own group."""
        return self.truth[ref].original or ref


def _ratio(a: int | float, b: int | float) -> float | None:
    return round(a / b, 3) if b else None


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


# --- the corpus ------------------------------------------------------------------------------


def build(tmp: Path, count: int, rate: float, seed: int, size: Size = "normal") -> Corpus:
    source = tmp / "corpus.jsonl"
    truth: dict[str, Truth] = {}
    with source.open("w", encoding="utf-8") as out:
        for item in generate(count, seed, SynthOptions(size, near_duplicates=rate)):
            if item.rejected:
                continue
            meta = item.document.meta
            outline = meta["ai_outline"]
            truth[str(meta["reference"])] = Truth(
                str(outline["problem"]),
                str(outline["stack"]),
                item.document.title,
                item.seed,
                item.near_duplicate_of,
            )
            out.write(item.to_json() + "\n")
    copies = sum(t.original is not None for t in truth.values())
    note(f"synthesized {len(truth)} documents ({copies} near-duplicates) in seed order")
    settings = Settings.load(
        env={},
        database_url=f"sqlite:///{tmp / 'quality.db'}",
        search_sync_seconds=0,
        search_index_path=str(tmp / "index"),
    )
    engine = open_database(settings)
    report = importer.import_sources(engine, settings, resolve([str(source)]))
    note(
        f"imported {report.imported} (rejected {report.rejected}) in {report.seconds:.1f} s, "
        "near-duplicate detection included"
    )
    review.approve_all_pending(engine, "bench", "bench")
    note("approved all; building the search index and every Similar Posts list (reindex)")
    started = time.perf_counter()
    step = [0]

    def progress(done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if tenth > step[0]:
            step[0] = tenth
            note(f"reindex {tenth * 10} % ({time.perf_counter() - started:.0f} s)")

    indexing.reindex(Site(settings, engine=engine), progress)
    with reading(engine) as conn:
        ref_of = {r.id: r.ref for r in conn.execute(sa.select(posts.c.id, posts.c.ref))}
        live = outbox.live_ids(conn)
    note(f"reindex done in {time.perf_counter() - started:.0f} s: {len(live)} live posts")
    imported = {
        "imported": report.imported,
        "rejected": report.rejected,
        "import_seconds": round(report.seconds, 1),
        "reindex_seconds": round(time.perf_counter() - started, 1),
    }
    return Corpus(engine, settings, truth, ref_of, live, imported)


# --- near-duplicates -------------------------------------------------------------------------


def _shingles(doc_body: str) -> set[tuple[str, ...]]:
    words = words_of(doc_body)
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _bodies(conn: Connection, corpus: Corpus) -> dict[str, str]:
    """Every live post's body text (as the detection reads it), by reference."""
    docs = outbox.live_documents(conn, corpus.live)
    return {
        corpus.ref_of[pid]: body_text(jsonl.from_object(json.loads(text)).document)
        for pid, text in docs.items()
    }


def exact_duplicates(corpus: Corpus, bodies: Mapping[str, str]) -> dict[str, str]:
    """Baseline: a body with the same sha256 as an earlier post's (import order) -> that post."""
    first: dict[str, str] = {}
    flagged: dict[str, str] = {}
    for ref in sorted(bodies, key=lambda r: corpus.truth[r].seed):
        digest = hashlib.sha256(bodies[ref].encode("utf-8")).hexdigest()
        if digest in first:
            flagged[ref] = first[digest]
        else:
            first[digest] = ref
    return flagged


def _judge(corpus: Corpus, flagged: Mapping[str, str], expected: set[str]) -> dict[str, Any]:
    correct = flagged.keys() & expected
    names_original = sum(flagged[r] == corpus.truth[r].original for r in correct)
    names_copy = sum(
        flagged[r] != corpus.truth[r].original
        and corpus.truth[flagged[r]].original == corpus.truth[r].original
        for r in correct
    )
    return {
        "flagged": len(flagged),
        "correct": len(correct),
        "recall": _ratio(len(correct), len(expected)),
        "precision": _ratio(len(correct), len(flagged)),
        "names_original": names_original,
        "names_other_copy": names_copy,
        "names_unrelated": len(correct) - names_original - names_copy,
    }


def _similarities(
    pairs: Iterable[tuple[str, str]], bodies: Mapping[str, str]
) -> tuple[list[float], list[float]]:
    """MinHash estimate and exact Jaccard of the 4-word shingles of each pair of bodies."""
    prints: dict[str, Fingerprint | None] = {}
    estimated, exact = [], []
    for a, b in pairs:
        for ref in (a, b):
            if ref not in prints:
                prints[ref] = fingerprint_words(words_of(bodies[ref]))
        fa, fb = prints[a], prints[b]
        estimated.append(fa.similarity(fb) if fa and fb else 0.0)
        sa_, sb = _shingles(bodies[a]), _shingles(bodies[b])
        exact.append(len(sa_ & sb) / len(sa_ | sb) if sa_ | sb else 0.0)
    return estimated, exact


def _spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "min": round(min(values), 3),
        "p5": round(pct(values, 0.05), 3),
        "median": round(pct(values, 0.5), 3),
        "max": round(max(values), 3),
    }


def near_duplicate_quality(corpus: Corpus, threshold: float) -> dict[str, Any]:
    with reading(corpus.engine) as conn:
        rows = conn.execute(
            sa.select(
                near_duplicates.c.post_id, near_duplicates.c.other_id, near_duplicates.c.similarity
            )
        ).all()
        bodies = _bodies(conn, corpus)
    found = {corpus.ref_of[p]: corpus.ref_of[o] for p, o, _ in rows}
    expected = {r for r, t in corpus.truth.items() if t.original and r in bodies}
    ours = _judge(corpus, found, expected)
    exact = _judge(corpus, exact_duplicates(corpus, bodies), expected)
    # Why: how similar the ground-truth pairs really are, and what was missed or wrong.
    truth_pairs = [(r, str(corpus.truth[r].original)) for r in sorted(expected)]
    est, jac = _similarities(truth_pairs, bodies)
    missed = [(r, o) for r, o in truth_pairs if r not in found]
    m_est, m_jac = _similarities(missed, bodies)
    wrong = [(r, found[r]) for r in sorted(found.keys() - expected)]
    w_est, w_jac = _similarities(wrong, bodies)
    ours["diagnosis"] = {
        "ground_truth_pairs": len(truth_pairs),
        "pair_similarity_minhash": _spread(est),
        "pair_jaccard_exact": _spread(jac),
        "missed": len(missed),
        "missed_at_or_above_threshold_minhash": sum(s >= threshold for s in m_est),
        "missed_similarity_minhash": _spread(m_est),
        "missed_jaccard_exact": _spread(m_jac),
        "missed_examples": [
            {"post": r, "original": o, "minhash": round(s, 3), "jaccard": round(j, 3)}
            for (r, o), s, j in list(zip(missed, m_est, m_jac, strict=True))[:5]
        ],
        "wrong": len(wrong),
        "wrong_similarity_minhash": _spread(w_est),
        "wrong_jaccard_exact": _spread(w_jac),
        "wrong_same_problem": sum(
            corpus.truth[r].problem == corpus.truth[o].problem for r, o in wrong
        ),
        "wrong_examples": [
            {"post": r, "names": o, "minhash": round(s, 3), "jaccard": round(j, 3)}
            for (r, o), s, j in list(zip(wrong, w_est, w_jac, strict=True))[:5]
        ],
    }
    return {"ground_truth": len(expected), "alphanode": ours, "baseline_exact_sha256": exact}


# --- Similar Posts -----------------------------------------------------------------------------


def _pairs(conn: Connection) -> set[frozenset[int]]:
    query = sa.select(near_duplicates.c.post_id, near_duplicates.c.other_id)
    return {frozenset((r.post_id, r.other_id)) for r in conn.execute(query)}


def _count(corpus: Corpus, pid: int, got: list[int], pairs: set[frozenset[int]]) -> Counter[str]:
    me_ref = corpus.ref_of[pid]
    me = corpus.truth[me_ref]
    c: Counter[str] = Counter(shown=len(got), short=len(got) < SHOWN)
    for other in got:
        ref = corpus.ref_of[other]
        them = corpus.truth[ref]
        c["same_problem"] += them.problem == me.problem
        c["problem_or_stack"] += them.problem == me.problem or them.stack == me.stack
        c["detected_pair"] += frozenset((pid, other)) in pairs
        c["copy_of_same_original"] += corpus.group(ref) == corpus.group(me_ref)
    return c


def similar_quality(corpus: Corpus, sample_size: int) -> dict[str, Any]:
    with reading(corpus.engine) as conn:
        pairs = _pairs(conn)
        sample = random.Random(7).sample(corpus.live, min(sample_size, len(corpus.live)))
        totals = {"alphanode": Counter[str](), "baseline": Counter[str]()}
        for pid in sample:
            ours = [e.other_id for e in similar_store.shown(conn, pid, SHOWN)]
            totals["alphanode"] += _count(corpus, pid, ours, pairs)
            totals["baseline"] += _count(corpus, pid, tags_baseline(conn, pid), pairs)
        stored = conn.execute(
            sa.select(similar_posts.c.post_id, similar_posts.c.other_id, similar_posts.c.rank)
        ).all()
    n = len(sample)
    result: dict[str, Any] = {"sample": n}
    for name, c in totals.items():
        result[name] = {
            "precision_at_5_problem_or_stack": round(c["problem_or_stack"] / (SHOWN * n), 3),
            "precision_at_5_same_problem": round(c["same_problem"] / (SHOWN * n), 3),
            "suggestions": c["shown"],
            "posts_with_fewer_than_5": c["short"],
            "detected_near_duplicate_pairs": c["detected_pair"],
            "copies_of_same_original": c["copy_of_same_original"],
        }
    in_top = [(p, o) for p, o, rank in stored if rank <= SHOWN]
    result["all_stored_lists"] = {
        "rows": len(stored),
        "detected_near_duplicate_pairs": sum(frozenset((p, o)) in pairs for p, o, _ in stored),
        "copies_of_same_original": sum(
            corpus.group(corpus.ref_of[p]) == corpus.group(corpus.ref_of[o]) for p, o, _ in stored
        ),
        "copies_of_same_original_in_first_5": sum(
            corpus.group(corpus.ref_of[p]) == corpus.group(corpus.ref_of[o]) for p, o in in_top
        ),
    }
    return result


# --- search ----------------------------------------------------------------------------------


def naive_search(conn: Connection, q: str) -> list[str]:
    """Baseline: live posts whose title contains every word of the query, newest first."""
    words = list(dict.fromkeys(_WORD.findall(q.lower())))
    if not words:
        return []
    query = (
        sa.select(posts.c.ref)
        .where(
            posts.c.status == "approved",
            posts.c.live_revision.is_not(None),
            *(posts.c.title.contains(w, autoescape=True) for w in words),
        )
        .order_by(posts.c.published_at.desc(), posts.c.id.desc())
        .limit(TOP)
    )
    return list(conn.scalars(query))


def _rr(refs: list[str], relevant: Callable[[str], bool]) -> float:
    for rank, ref in enumerate(refs[:TOP], 1):
        if relevant(ref):
            return 1 / rank
    return 0.0


@dataclass(frozen=True)
class Query:
    family: str
    text: str
    relevant: Callable[[str], bool]
    loose: Callable[[str], bool] | None = None  # titles: any post with that exact title


def _same(field: Callable[[str], str], value: str) -> Callable[[str], bool]:
    return lambda ref: field(ref) == value


def queries(corpus: Corpus, count: int) -> list[Query]:
    truth = corpus.truth
    live_refs = sorted(corpus.ref_of[pid] for pid in corpus.live)
    rnd = random.Random(11)
    out: list[Query] = []
    for ref in rnd.sample(live_refs, min(count, len(live_refs))):
        title = truth[ref].title
        out.append(
            Query(
                "title",
                title,
                _same(corpus.group, corpus.group(ref)),
                _same(lambda r: truth[r].title, title),
            )
        )
    problem_of: Callable[[str], str] = lambda r: truth[r].problem  # noqa: E731
    for problem in sorted({truth[r].problem for r in live_refs}):
        out.append(Query("problem", problem, _same(problem_of, problem)))
    topics = sorted({(truth[r].problem, truth[r].topic) for r in live_refs})
    for problem, topic in rnd.sample(topics, min(count, len(topics))):
        out.append(Query("topic", topic, _same(problem_of, problem)))
    return out


def search_quality(corpus: Corpus, count: int) -> dict[str, Any]:
    rr: dict[tuple[str, str], list[float]] = defaultdict(list)
    latencies: list[float] = []
    titles_shared = 0
    ceiling: list[float] = []
    groups: dict[str, set[str]] = defaultdict(set)  # exact title -> groups (copies are one)
    for pid in corpus.live:
        ref = corpus.ref_of[pid]
        groups[corpus.truth[ref].title].add(corpus.group(ref))
    site = Site(corpus.settings, engine=corpus.engine)
    with reading(corpus.engine) as conn:
        for q in queries(corpus, count):
            started = time.perf_counter()
            page = search.search(site, q.text, size=TOP)
            latencies.append(time.perf_counter() - started)
            ours = [h.card.ref for h in page.hits]
            theirs = naive_search(conn, q.text)
            rr[(q.family, "alphanode")].append(_rr(ours, q.relevant))
            rr[(q.family, "baseline")].append(_rr(theirs, q.relevant))
            if q.loose is not None:
                rr[("title_any_same_title", "alphanode")].append(_rr(ours, q.loose))
                rr[("title_any_same_title", "baseline")].append(_rr(theirs, q.loose))
                k = len(groups[q.text])
                titles_shared += k > 1
                # k groups share the query's exact title: no ranking can tell which one was
                # meant; all k first in any order gives an expected reciprocal rank of H_k / k.
                ceiling.append(sum(1 / i for i in range(1, k + 1)) / k)
    result: dict[str, Any] = {"top": TOP}
    for family in ("title", "title_any_same_title", "problem", "topic"):
        result[family] = {
            "queries": len(rr[(family, "alphanode")]),
            "alphanode": _mean(rr[(family, "alphanode")]),
            "baseline": _mean(rr[(family, "baseline")]),
        }
    for name in ("alphanode", "baseline"):
        every = [v for f in ("title", "problem", "topic") for v in rr[(f, name)]]
        result.setdefault("all", {})[name] = _mean(every)
    result["all"]["queries"] = len(every)
    result["title"]["sharing_their_exact_title_with_another_post"] = titles_shared
    result["title"]["ceiling_identical_titles"] = _mean(ceiling)
    result["service_latency_ms"] = {
        "p50": round(pct(latencies, 0.5) * 1000, 2),
        "p99": round(pct(latencies, 0.99) * 1000, 2),
    }
    return result


# --- the report --------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _row(
    label: str, ours: float | None, theirs: float | None, target: str, met: bool | None
) -> str:
    ratio = "–" if ours is None or not theirs else f"{ours / theirs:.2f}×"
    verdict = "" if met is None else ("met" if met else "**missed**")
    return f"| {label} | {_fmt(ours)} | {_fmt(theirs)} | {ratio} | {target} | {verdict} |"


def table(result: dict[str, Any]) -> str:
    t = TARGETS
    nd = result["near_duplicates"]
    ours, exact = nd["alphanode"], nd["baseline_exact_sha256"]
    sim = result["similar"]
    sa_, sb = sim["alphanode"], sim["baseline"]
    srch = result["search"]
    near_ok = (ours["recall"] or 0) >= t["near_recall"] and (ours["precision"] or 0) >= t[
        "near_precision"
    ]
    pairs = (
        sa_["detected_near_duplicate_pairs"]
        + sim["all_stored_lists"]["detected_near_duplicate_pairs"]
    )
    lines = [
        "| measure | alphanode | baseline | ratio | target | |",
        "| --- | --- | --- | --- | --- | --- |",
        _row("near-duplicate recall", ours["recall"], exact["recall"], "≥ 0.95", near_ok),
        _row("near-duplicate precision", ours["precision"], exact["precision"], "≥ 0.95", near_ok),
        _row(
            "similar precision@5, same problem or stack",
            sa_["precision_at_5_problem_or_stack"],
            sb["precision_at_5_problem_or_stack"],
            "≥ 0.9",
            sa_["precision_at_5_problem_or_stack"] >= t["precision_at_5"],
        ),
        _row(
            "similar precision@5, same problem",
            sa_["precision_at_5_same_problem"],
            sb["precision_at_5_same_problem"],
            "",
            None,
        ),
        f"| similar: detected near-duplicate pairs suggested (sample; all stored lists) "
        f"| {sa_['detected_near_duplicate_pairs']}; "
        f"{sim['all_stored_lists']['detected_near_duplicate_pairs']} "
        f"| {sb['detected_near_duplicate_pairs']}; – | – | 0 "
        f"| {'met' if pairs == 0 else '**missed**'} |",
        f"| similar: copies of the same original suggested (sample; all stored lists) "
        f"| {sa_['copies_of_same_original']}; "
        f"{sim['all_stored_lists']['copies_of_same_original']} "
        f"| {sb['copies_of_same_original']}; – | – | | |",
    ]
    for family, label in (
        ("title", "search MRR@10, exact title (that post or a copy)"),
        ("title_any_same_title", "search MRR@10, exact title (any post with that title)"),
        ("problem", "search MRR@10, problem name"),
        ("topic", "search MRR@10, topic"),
    ):
        f = srch[family]
        target = family != "title_any_same_title"
        lines.append(
            _row(
                f"{label} ({f['queries']} queries)",
                f["alphanode"],
                f["baseline"],
                "≥ 0.8" if target else "",
                f["alphanode"] >= t["mrr"] if target else None,
            )
        )
    a = srch["all"]
    lines.append(
        _row(
            f"search MRR@10, all {a['queries']} queries",
            a["alphanode"],
            a["baseline"],
            "≥ 0.8",
            a["alphanode"] >= t["mrr"],
        )
    )
    return "\n".join(lines)


BASELINES = (
    "baselines (same run): near-duplicates = exact duplicate bodies (same sha256 of the body "
    "text as an earlier post); Similar Posts = any post sharing a stack or tools tag, newest "
    "first (bench/similar.py baseline(), Ghost/Forem style); search = titles only, "
    "title LIKE '%word%' for every word of the query (all required), newest first."
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--near-duplicates", type=float, default=0.05)
    ap.add_argument("--sample", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size", choices=SIZES, default="normal", help="synthesized page size")
    ap.add_argument("--json", action="store_true", help="print a JSON summary instead")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="alphanode-quality-") as tmp:
        corpus = build(Path(tmp), args.count, args.near_duplicates, args.seed, args.size)
        threshold = float(corpus.settings.near_duplicate_threshold)
        note("near-duplicates: judging the detected rows and the sha256 baseline")
        nd = near_duplicate_quality(corpus, threshold)
        note(f"Similar Posts: precision@5 on {args.sample} sampled posts")
        sim = similar_quality(corpus, args.sample)
        note("search: MRR of title, problem and topic queries")
        srch = search_quality(corpus, args.queries)
        corpus.engine.dispose()
    result = {
        "docs": len(corpus.live),
        "size": args.size,
        "near_duplicate_rate": args.near_duplicates,
        "near_duplicate_threshold": threshold,
        "corpus": corpus.imported,
        "near_duplicates": nd,
        "similar": sim,
        "search": srch,
        "baselines": BASELINES,
    }
    note("done")
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{len(corpus.live)} live posts ({args.size} pages), {nd['ground_truth']} ground-truth "
        f"near-duplicates (rate {args.near_duplicates}), detection threshold {threshold}"
    )
    print(table(result))
    print()
    print(BASELINES)
    d = nd["alphanode"]
    print(
        f"near-duplicate rows: {d['flagged']} ({d['correct']} correct: {d['names_original']} "
        f"name the original, {d['names_other_copy']} another copy of it, "
        f"{d['names_unrelated']} an unrelated post)"
    )
    print("diagnosis: " + json.dumps(d["diagnosis"]))
    print(
        f"title queries sharing their exact title with another post: "
        f"{srch['title']['sharing_their_exact_title_with_another_post']}"
        f"/{srch['title']['queries']} (ceiling of the title MRR, ties in random order: "
        f"{srch['title']['ceiling_identical_titles']}); "
        f"search service p50 {srch['service_latency_ms']['p50']} ms"
    )


if __name__ == "__main__":
    main()
