"""Search for readers: parse the query, ask the backend, keep only posts that are live now."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import Engine

from alphanode.errors import NotFound, UsageError
from alphanode.services import feedback
from alphanode.services import similar as similar_service
from alphanode.services.runtime import Site
from alphanode.services.site import CardView, Similar, card_view
from alphanode.store import public, similar
from alphanode.store.engine import reading
from alphanode.store.search import FACETS, Contribution, Results, SearchBackend
from alphanode.store.search import query as parser

PAGE_SIZE = 10
_WORD = re.compile(r"[^\W_]+")
MAX_PAGE = 100  # deep pages cost more and help nobody; the filters narrow instead


@dataclass(frozen=True)
class SearchHit:
    card: CardView
    score: float
    snippet: str  # escaped HTML with <mark>


@dataclass(frozen=True)
class SearchPage:
    query: str
    filters: dict[str, str]
    hits: list[SearchHit]
    total: int
    page: int
    pages: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # "all": results hold every word; "some": no post holds them all, results are ranked by
    # how many and how well they match; "" for one word
    matched: str = ""
    suggestion: str = ""  # "did you mean": the query with misspelt words corrected
    # True: more than ``total`` posts match (search_count_up_to); counting stopped there
    more: bool = False


def clean_filters(raw: Mapping[str, str | None]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in FACETS:
        value = raw.get(name)
        if value is not None and value.strip():
            if len(value) > 200:
                raise UsageError(f"filter {name} is {len(value)} characters", "at most 200")
            out[name] = " ".join(value.split()).lower()
    return out


def search(
    site: Site,
    q: str,
    filters: Mapping[str, str | None] | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> SearchPage:
    """One page of results, best first, with facet counts over every match."""
    chosen = clean_filters(filters or {})
    if page < 1 or page > MAX_PAGE:
        raise parser.QueryError(f"page {page}", f"a page from 1 to {MAX_PAGE}")
    backend = site.backend()
    parsed = parser.parse(q, backend.analyze, site.settings.search_max_query_chars)
    if parsed.empty and not chosen:
        return SearchPage(q, chosen, [], 0, 1, 1)
    found = _found(backend, _expanded(site, parsed, chosen), chosen, (page - 1) * size, size)
    ids = [h.post_id for h in found.hits]
    with reading(site.engine) as conn:
        # The index may lag a retraction by a moment: only what is live now is shown.
        by_id = public.cards_by_ids(conn, ids)
    hits = [
        SearchHit(card_view(by_id[h.post_id]), h.score, h.snippet)
        for h in found.hits
        if h.post_id in by_id
    ]
    # Counting stops at the bound on every backend alike (PostgreSQL stops one past it,
    # tantivy counts all): the same search says the same total on both.
    bound = site.settings.search_count_up_to
    more = bool(bound) and found.total > bound
    total = bound if more else found.total
    pages = max(1, min(MAX_PAGE, math.ceil(total / size)))
    suggestion = _did_you_mean(q, backend.suggest(parsed.all_terms())) if not total else ""
    return SearchPage(
        q, chosen, hits, total, page, pages, found.facets, found.matched, suggestion, more
    )


def _found(
    backend: SearchBackend,
    parsed: parser.ParsedQuery,
    chosen: dict[str, str],
    at: int,
    size: int,
    facets: bool = True,
) -> Results:
    """A short query asks for all its words first; when no post holds them all, for any."""
    if 1 < len(parsed.ranked()) <= parser.ALL_WORDS_UP_TO:
        strict = backend.search(replace(parsed, require_all=True), chosen, at, size, facets)
        if strict.total:
            return replace(strict, matched="all")
        return replace(backend.search(parsed, chosen, at, size, facets), matched="some")
    return backend.search(parsed, chosen, at, size, facets)


def _expanded(site: Site, parsed: parser.ParsedQuery, chosen: dict[str, str]) -> parser.ParsedQuery:
    """A question gains the stems its first results share (``services.feedback``)."""
    fb = feedback.Feedback.of(site.settings)
    if not fb.applies(parsed):
        return parsed
    backend = site.backend()
    first = backend.search(
        parsed, chosen, 0, fb.docs, facets=False, snippets=False, counted=False, first_stage=True
    )
    if not first.hits:
        return parsed
    model = feedback.relevance_model(first.hits, backend.doc_terms([h.post_id for h in first.hits]))
    dfs, total = backend.doc_freqs(feedback.likeliest(model, fb))
    return feedback.expand(parsed, model, dfs, total, fb)


def _did_you_mean(q: str, corrections: Mapping[str, str]) -> str:
    if not corrections:
        return ""

    def fix(m: re.Match[str]) -> str:
        return corrections.get(m.group().lower(), m.group())

    return _WORD.sub(fix, q)


def explain(
    site: Site, q: str, limit: int = PAGE_SIZE
) -> list[tuple[SearchHit, list[Contribution]]]:
    """The first results with what each term scored in each field (``search --explain``)."""
    backend = site.backend()
    parsed = parser.parse(q, backend.analyze, site.settings.search_max_query_chars)
    if parsed.empty:
        return []
    # The same query the search ran, feedback stems included, so the parts add up to it.
    parsed = _expanded(site, parsed, {})
    found = _found(backend, parsed, {}, 0, limit, facets=False)
    with reading(site.engine) as conn:
        by_id = public.cards_by_ids(conn, [h.post_id for h in found.hits])
    live = [h for h in found.hits if h.post_id in by_id]
    parts = backend.explain(parsed, [h.post_id for h in live])
    return [
        (SearchHit(card_view(by_id[h.post_id]), h.score, h.snippet), parts.get(h.post_id, []))
        for h in live
    ]


def similar_to(engine: Engine, ref_or_slug: str, limit: int = 10) -> tuple[CardView, list[Similar]]:
    """A live post's precomputed similar posts, with scores and reasons."""
    with reading(engine) as conn:
        live = public.live_post(conn, ref=ref_or_slug) or public.live_post(conn, slug=ref_or_slug)
        if live is None:
            raise NotFound(f"no published post {ref_or_slug!r}", "the ref or slug of a live post")
        entries = similar.shown(conn, live.post_id, limit)
        by_id = public.cards_by_ids(conn, [live.post_id, *(e.other_id for e in entries)])
    return card_view(by_id[live.post_id]), [
        Similar(card_view(by_id[e.other_id]), e.score, e.why)
        for e in entries
        if e.other_id in by_id
    ]


def similar_explained(
    site: Site, ref_or_slug: str, limit: int = 10
) -> tuple[CardView, list[tuple[Similar, list[tuple[str, str, float]]]]]:
    """``similar --explain``: each similar post with the terms and tags its score came from."""
    engine = site.engine
    post, found = similar_to(engine, ref_or_slug, limit)
    with reading(engine) as conn:
        live = public.live_post(conn, ref=post.ref)
        if live is None:  # retracted a moment ago
            return post, []
        entries = similar.shown(conn, live.post_id, limit)
        feats = similar.features(conn, [live.post_id, *(e.other_id for e in entries)])
    w = similar_service.Weights.of(site.settings)
    mine = feats.get(live.post_id)
    parts = {
        e.other_id: similar_service.explain(mine, feats[e.other_id], w)
        for e in entries
        if mine is not None and e.other_id in feats
    }
    by_ref = {card.ref: pid for pid, card in _cards(engine, list(parts)).items()}
    return post, [(s, parts.get(by_ref.get(s.card.ref, -1), [])) for s in found]


def _cards(engine: Engine, ids: list[int]) -> dict[int, CardView]:
    with reading(engine) as conn:
        return {pid: card_view(c) for pid, c in public.cards_by_ids(conn, ids).items()}
