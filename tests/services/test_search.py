"""Search, on each database and backend: only live posts, field weights, prefixes and phrases,
safe snippets, facets and filters, pages, and hostile queries that never become a 500."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from alphanode.errors import AlphanodeError
from alphanode.services import importer, review, search
from alphanode.services.runtime import Site
from alphanode.services.sources import resolve
from alphanode.store import outbox, public
from alphanode.store.engine import reading
from alphanode.store.search.query import QueryError, parse
from tests.conftest import SEED, make_site
from tests.helpers import variant
from tests.searchcases import Corpus


def _import(corpus: Corpus, tmp: Path, pages: dict[str, str]) -> None:
    tmp.mkdir(exist_ok=True)
    for name, text in pages.items():
        (tmp / f"{name}.txt").write_text(text, "utf-8")
    importer.import_sources(corpus.engine, corpus.settings, resolve([str(tmp)]))


def refs(corpus: Corpus, q: str, **filters: str) -> list[str]:
    return [h.card.ref for h in search.search(corpus.site, q, filters).hits]


def ref(n: int) -> str:
    return f"anp-ref-{n:06d}-0000"


needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="the shared seed page is missing")


@needs_seed
def test_pending_rejected_and_retracted_posts_are_never_found(
    corpus: Corpus, tmp_path: Path
) -> None:
    e, site = corpus.engine, corpus.site
    _import(
        corpus,
        tmp_path / "x",
        {
            "p": variant(901, title="quokka pending qsecret"),
            "r": variant(902, title="quokka rejected qsecret"),
            "l": variant(903, title="quokka live post"),
        },
    )
    review.reject(e, ref(902), "t", "no")
    site.index_pending()
    review.approve(e, ref(903), "t")
    site.index_pending()
    for q in ("quokka", "quok", "quokka ", "quokka pending", '"quokka rejected"', "qsecr*"):
        assert refs(corpus, q) in ([ref(903)], []), q
    assert refs(corpus, "quokka") == [ref(903)]
    assert refs(corpus, "qsecret") == []
    review.retract(e, ref(903), "t", "gone")
    site.index_pending()
    assert refs(corpus, "quokka") == []
    assert site.backend().post_ids() == set(_live_ids(corpus))


def _live_ids(corpus: Corpus) -> list[int]:
    with reading(corpus.engine) as conn:
        return outbox.live_ids(conn)


@needs_seed
def test_title_match_ranks_above_body_match(corpus: Corpus, tmp_path: Path) -> None:
    _import(
        corpus,
        tmp_path / "x",
        {
            "body": variant(911, title="a plain title", extra_paragraph="the narwhal is here."),
            "title": variant(912, title="narwhal in the title"),
        },
    )
    review.approve_all_pending(corpus.engine, "t", "")
    corpus.site.index_pending()
    assert refs(corpus, "narwhal") == [ref(912), ref(911)]
    assert refs(corpus, "narwh*") == [ref(912), ref(911)]


@needs_seed
def test_prefix_phrase_and_escaped_snippets(corpus: Corpus, tmp_path: Path) -> None:
    _import(
        corpus,
        tmp_path / "x",
        {
            "a": variant(
                921,
                extra_paragraph='<script>alert(1)</script> wombatfood rules ok; 1 < 2 & "q".',
            ),
            "b": variant(922, extra_paragraph="rules wombatfood ok."),
        },
    )
    review.approve_all_pending(corpus.engine, "t", "")
    corpus.site.index_pending()
    both = {ref(921), ref(922)}
    assert set(refs(corpus, "wombatf*")) == both
    assert set(refs(corpus, "wombatfo")) == both  # the last word is a prefix as you type
    assert refs(corpus, "wombatfo ") == []  # ... but not once a space follows it
    assert set(refs(corpus, "WOMBATFOOD")) == both
    assert refs(corpus, '"wombatfood rules"') == [ref(921)]
    assert refs(corpus, '"rules wombatfood"') == [ref(922)]
    assert refs(corpus, '"ok wombatfood"') == []
    (hit,) = search.search(corpus.site, '"wombatfood rules" ok').hits
    assert "<mark>wombatfood</mark>" in hit.snippet
    # Everything but the marks is escaped text (PostgreSQL's parser drops tag-shaped text
    # such as <script>…</script> outright; tantivy keeps it, escaped).
    assert "<script>" not in hit.snippet and "1 &lt; 2 &amp; &quot;q&quot;" in hit.snippet
    assert not re.search(r"[<>]", re.sub(r"</?mark>", "", hit.snippet))
    if corpus.case.expected == "tantivy":
        assert "&lt;script&gt;" in hit.snippet


@needs_seed
def test_prefixes_are_not_broken_by_stemming(corpus: Corpus, tmp_path: Path) -> None:
    """English stems "pinning" to "pin": a prefix must still find the word as written."""
    _import(
        corpus,
        tmp_path / "x",
        {
            "a": variant(931, extra_paragraph="we keep zorbpinning the versions."),
            "b": variant(932, extra_paragraph="the versions stay zorbpinned for a year."),
            "c": variant(
                933, title="crème brûlée services", extra_paragraph="two zorbpins, one brûlée."
            ),
        },
    )
    review.approve_all_pending(corpus.engine, "t", "")
    corpus.site.index_pending()
    for q in ("zorbpinnin*", "zorbpinn*", "zorbpinnin", "zorbpinning", "zorbpinning*"):
        assert ref(931) in refs(corpus, q), q
    assert set(refs(corpus, "zorbpin*")) == {ref(931), ref(932), ref(933)}
    assert refs(corpus, "zorbpinx*") == []
    # Plain words keep stemming where the backend stems: one form finds the others (and a
    # prefix that is a whole word finds that word's other forms too).
    every = {ref(931), ref(932), ref(933)}
    assert set(refs(corpus, "zorbpinning ")) == (every if corpus.case.stems else {ref(931)})
    assert set(refs(corpus, "zorbpinned*")) == (every if corpus.case.stems else {ref(932)})
    assert set(refs(corpus, '"zorbpinning the versions"')) == {ref(931)}
    # Accented words are found whole, as a prefix, and highlighted.
    for q in ("brûlée", "brûl", "crème brû", '"crème brûlée"'):
        assert refs(corpus, q) == [ref(933)], q
    assert refs(corpus, "zorbpinning ")[0] == ref(931)  # the word as written ranks first
    hits = search.search(corpus.site, "zorbpinn").hits
    snippets = {h.card.ref: h.snippet for h in hits}
    assert set(snippets) == {ref(931), ref(932)}
    assert "<mark>zorbpinning</mark>" in snippets[ref(931)]
    assert "<mark>zorbpinned</mark>" in snippets[ref(932)]
    for q in ("brûlée", "brûl"):
        (hit,) = search.search(corpus.site, q).hits
        assert "<mark>brûlée</mark>" in hit.snippet, q


@needs_seed
def test_stop_words_still_have_to_match(corpus: Corpus, tmp_path: Path) -> None:
    _import(corpus, tmp_path / "x", {"a": variant(941, title="to be or not to be quux")})
    review.approve_all_pending(corpus.engine, "t", "")
    corpus.site.index_pending()
    assert refs(corpus, '"to be or not to be"') == [ref(941)]
    assert ref(941) in refs(corpus, "to be or not to be ")
    assert search.search(corpus.site, "the ").total > 0


def test_facets_count_and_filters_narrow(corpus: Corpus) -> None:
    page = search.search(corpus.site, "the")
    stacks = dict(page.facets["stack"])
    assert stacks and sum(dict(page.facets["difficulty"]).values()) == page.total
    value, count = next(iter(stacks.items()))
    narrowed = search.search(corpus.site, "the", {"stack": value})
    assert narrowed.total == count
    assert all(value in [s.lower() for s in h.card.stack] for h in narrowed.hits)
    difficulty, n = page.facets["difficulty"][0]
    both = search.search(corpus.site, "the", {"stack": value, "difficulty": difficulty})
    assert both.total <= min(count, n)
    assert all(h.card.difficulty.lower() == difficulty for h in both.hits)
    # Filters alone, without words, list every live post they match.
    assert search.search(corpus.site, "", {"stack": value}).total >= count
    assert search.search(corpus.site, "the", {"stack": "no such"}).total == 0


def test_pages_cover_every_match_once(corpus: Corpus) -> None:
    site = corpus.site
    first = search.search(site, "the", page=1, size=7)
    assert first.total > 14 and first.pages == -(-first.total // 7) and len(first.hits) == 7
    seen: list[str] = []
    for page in range(1, first.pages + 1):
        found = search.search(site, "the", page=page, size=7)
        assert found.total == first.total
        seen += [h.card.ref for h in found.hits]
    assert len(seen) == len(set(seen)) == first.total
    assert [h.score for h in first.hits] == sorted((h.score for h in first.hits), reverse=True)
    assert search.search(site, "the", page=first.pages + 1, size=7).hits == []
    with pytest.raises(QueryError):
        search.search(site, "the", page=0)


def test_problem_name_finds_its_posts(corpus: Corpus) -> None:
    problem = str(next(iter(corpus.truth.values()))["problem"])
    found = refs(corpus, problem)
    assert found and all(corpus.truth[r]["problem"] == problem for r in found[:3])


def test_too_long_query_is_a_clear_400(small: Corpus) -> None:
    with pytest.raises(QueryError) as info:
        search.search(small.site, "x" * 501)
    assert info.value.code == "AN-SEARCH-001" and info.value.http_status == 400


HOSTILE = [
    "NEAR(a b",
    '"unclosed',
    "* OR *",
    "a AND NOT b",
    "title:x^3",
    "-",
    "'; DROP",
    "\x00",
    "'",
    "''",
    "\\",
    "\\'",
    "a:*",
    "a:* & b:*",
    "!a | b",
    "a <-> b <2> c",
    "(a & (b | c)",
    "'a':AB*",
    "to be or not to be",
    "the",
    "*",
    "a*",
    "\u0301",
    "ﬁle x² ＡＢＣ",
    "😀 🚀",
    "שלום עולם",
    "x" * 45 + " " + "y" * 45,
    '"' + "a " * 200 + '"',
    " ".join(f"w{n}" for n in range(100)),
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_answer(small: Corpus, q: str) -> None:
    page = search.search(small.site, q)
    assert page.total >= len(page.hits)


@given(st.text(max_size=600))
@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_returns_results_or_a_clear_error(small: Corpus, q: str) -> None:
    try:
        search.search(small.site, q)
    except AlphanodeError as exc:
        assert exc.http_status == 400 and exc.code == "AN-SEARCH-001"


@pytest.mark.parametrize("q", ["how do i fix slow queries in production", "python"])
def test_uncounted_search_returns_the_same_hits(small: Corpus, q: str) -> None:
    """Feedback's first pass asks for hits only (``counted=False``): the same hits, in the
    same order, as the counted search; its total is their number and it says nothing of
    which words matched."""
    backend = small.site.backend()
    parsed = parse(q, backend.analyze, 500)
    full = backend.search(parsed, {}, 0, 10, facets=False, snippets=False)
    bare = backend.search(parsed, {}, 0, 10, facets=False, snippets=False, counted=False)
    assert full.hits, q
    assert [(h.post_id, round(h.score, 4)) for h in bare.hits] == [
        (h.post_id, round(h.score, 4)) for h in full.hits
    ]
    assert bare.total == len(bare.hits) <= full.total
    assert bare.matched == ""


def _bounded(corpus: Corpus, search_candidates: int = 1000, search_count_up_to: int = 0) -> Site:
    settings = dataclasses.replace(
        corpus.settings,
        search_candidates=search_candidates,
        search_count_up_to=search_count_up_to,
    )
    return make_site(settings, corpus.engine)


@pytest.mark.parametrize("candidates", [1000, 3])  # 3: every word is common (postings' count)
def test_a_total_past_the_bound_says_more_and_its_pages_still_work(
    corpus: Corpus, candidates: int
) -> None:
    exact = search.search(_bounded(corpus, search_candidates=candidates), "the", size=3)
    assert exact.total > 8 and not exact.more
    bound = exact.total // 2
    site = _bounded(corpus, search_candidates=candidates, search_count_up_to=bound)
    first = search.search(site, "the", size=3)
    assert first.more and first.total == bound and first.pages == -(-bound // 3)
    assert [h.card.ref for h in first.hits] == [h.card.ref for h in exact.hits]
    seen: list[str] = []
    for page in range(1, first.pages + 1):
        found = search.search(site, "the", page=page, size=3)
        assert found.more and found.total == bound
        seen += [h.card.ref for h in found.hits]
    assert len(seen) == len(set(seen)) >= bound
    # Below the bound the total is exact, filters and phrases (counted otherwise) too.
    roomy = _bounded(corpus, search_candidates=candidates, search_count_up_to=exact.total)
    assert search.search(roomy, "the").total == exact.total
    assert not search.search(roomy, "the").more
    # With a filter (3 candidates: counted through the GIN indexes, up to the bound).
    stack = search.search(corpus.site, "the").facets["stack"][0][0]
    n = search.search(_bounded(corpus, search_candidates=candidates), "the", {"stack": stack}).total
    assert n > 1
    tight = _bounded(corpus, search_candidates=candidates, search_count_up_to=n - 1)
    narrowed = search.search(tight, "the", {"stack": stack})
    assert narrowed.more and narrowed.total == n - 1
    enough = _bounded(corpus, search_candidates=candidates, search_count_up_to=n)
    assert search.search(enough, "the", {"stack": stack}).total == n
    assert not search.search(enough, "the", {"stack": stack}).more


@pytest.mark.parametrize("words", [2, 3])
def test_a_search_that_requires_every_word_says_all_of_its_matches(
    small: Corpus, words: int
) -> None:
    """Each match of a query that requires every word holds them all: "all" with any match,
    and never more matches than the same words with none required."""
    with reading(small.engine) as conn:
        title = public.cards(conn, limit=1)[0].card["title"]
    q = " ".join(sorted(set(re.findall(r"[a-z]{5,}", title.lower())), key=len)[-words:])
    backend = small.site.backend()
    parsed = dataclasses.replace(parse(q, backend.analyze, 500), require_all=True)
    assert len(parsed.ranked()) == words, q
    strict = backend.search(parsed, {}, 0, 10, facets=False, snippets=False)
    assert strict.total, q
    assert strict.matched == "all"
    loose = backend.search(dataclasses.replace(parsed, require_all=False), {}, 0, 10)
    assert strict.total <= loose.total
