"""Search: only live posts, field weights, prefixes and phrases, safe snippets, facets, and
hostile queries that never become a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from alphanode.errors import AlphanodeError
from alphanode.services import importer, indexing, review, search
from alphanode.services.sources import resolve
from alphanode.store import outbox
from alphanode.store.engine import reading
from alphanode.store.search.query import QueryError
from tests.conftest import SEED
from tests.helpers import variant
from tests.search.conftest import Corpus, make_corpus


def _import(corpus: Corpus, tmp: Path, pages: dict[str, str]) -> None:
    tmp.mkdir(exist_ok=True)
    for name, text in pages.items():
        (tmp / f"{name}.txt").write_text(text, "utf-8")
    importer.import_sources(corpus.engine, corpus.settings, resolve([str(tmp)]))


def refs(corpus: Corpus, q: str, **filters: str) -> list[str]:
    return [h.card.ref for h in search.search(corpus.engine, corpus.settings, q, filters).hits]


needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="the shared seed page is missing")


@needs_seed
def test_pending_rejected_and_retracted_posts_are_never_found(
    corpus: Corpus, tmp_path: Path
) -> None:
    e, s = corpus.engine, corpus.settings
    _import(
        corpus,
        tmp_path / "x",
        {
            "p": variant(901, title="quokka pending secret"),
            "r": variant(902, title="quokka rejected secret"),
            "l": variant(903, title="quokka live post"),
        },
    )
    review.reject(e, "anp-ref-000902-0000", "t", "no", s)
    review.approve(e, "anp-ref-000903-0000", "t", settings=s)
    assert refs(corpus, "quokka") == ["anp-ref-000903-0000"]
    review.retract(e, "anp-ref-000903-0000", "t", "gone", s)
    assert refs(corpus, "quokka") == []
    assert indexing.backend_for(e, s).post_ids() == set(_live_ids(corpus))


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
    review.approve_all_pending(corpus.engine, "t", "", corpus.settings)
    assert refs(corpus, "narwhal") == ["anp-ref-000912-0000", "anp-ref-000911-0000"]


@needs_seed
def test_prefix_phrase_and_escaped_snippets(corpus: Corpus, tmp_path: Path) -> None:
    _import(
        corpus,
        tmp_path / "x",
        {
            "a": variant(921, extra_paragraph="<script>alert(1)</script> wombatfood rules ok."),
            "b": variant(922, extra_paragraph="rules wombatfood ok."),
        },
    )
    review.approve_all_pending(corpus.engine, "t", "", corpus.settings)
    assert set(refs(corpus, "wombatf*")) == {"anp-ref-000921-0000", "anp-ref-000922-0000"}
    assert set(refs(corpus, "wombatfo")) == {"anp-ref-000921-0000", "anp-ref-000922-0000"}
    assert refs(corpus, '"wombatfood rules"') == ["anp-ref-000921-0000"]
    hit = search.search(corpus.engine, corpus.settings, "wombatfood alert").hits[0]
    assert "&lt;script&gt;" in hit.snippet and "<script>" not in hit.snippet
    assert "<mark>wombatfood</mark>" in hit.snippet


def test_facets_count_and_filters_narrow(corpus: Corpus) -> None:
    page = search.search(corpus.engine, corpus.settings, "the")
    stacks = dict(page.facets["stack"])
    assert stacks and sum(dict(page.facets["difficulty"]).values()) == page.total
    value, count = next(iter(stacks.items()))
    narrowed = search.search(corpus.engine, corpus.settings, "the", {"stack": value})
    assert narrowed.total == count
    assert all(value in [s.lower() for s in h.card.stack] for h in narrowed.hits)


def test_problem_name_finds_its_posts(corpus: Corpus) -> None:
    problem = str(next(iter(corpus.truth.values()))["problem"])
    found = refs(corpus, problem)
    assert found and all(corpus.truth[r]["problem"] == problem for r in found[:3])


def test_too_long_query_is_a_clear_400(corpus: Corpus) -> None:
    with pytest.raises(QueryError) as info:
        search.search(corpus.engine, corpus.settings, "x" * 501)
    assert info.value.code == "AN-SEARCH-001" and info.value.http_status == 400


HOSTILE = ["NEAR(a b", '"unclosed', "* OR *", "a AND NOT b", "title:x^3", "-", "'; DROP", "\x00"]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_answer(corpus: Corpus, q: str) -> None:
    search.search(corpus.engine, corpus.settings, q)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    tmp = tmp_path_factory.mktemp("hostile")
    return make_corpus(tmp, f"sqlite:///{tmp / 'h.db'}", 20)


@given(st.text(max_size=600))
@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_returns_results_or_a_clear_error(small: Corpus, q: str) -> None:
    try:
        search.search(small.engine, small.settings, q)
    except AlphanodeError as exc:
        assert exc.http_status == 400 and exc.code == "AN-SEARCH-001"
