"""One ranking suite, run on each backend: any-word matching, stemming, proximity and title
boosts, exclusions, "did you mean", Similar Posts on the text itself, and explanations."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from alphanode.services import importer, review, search
from alphanode.services.sources import resolve
from alphanode.store.migrate import open_database
from tests.conftest import make_site, need_shared
from tests.searchcases import Case, Corpus, case_settings

DOCS = {
    "r-01": ("Turbine blade vibrations", "The blades of a gas turbine vibrate at resonance."),
    "r-02": ("Boundary layer transition", "Laminar flow becomes turbulent along a flat plate."),
    "r-03": (
        "Transition of the boundary layer on cones",
        "Where laminar boundary layer flow on a cone becomes turbulent, and what trips it.",
    ),
    "r-04": ("Heat transfer in nozzles", "Convective heat flux measured in a rocket nozzle."),
    "r-05": ("Notes on flow", "Flow measurements, flow charts and flow of work in a lab."),
    "r-06": ("Heat shields", "Ablation protects a capsule from heat at reentry; flow is hot."),
    "r-07": (
        "Shock waves in nozzles",
        "Oblique shock waves form in an overexpanded nozzle at low pressure ratios.",
    ),
}


def _write(tmp: Path) -> Path:
    path = tmp / "ranking.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for ref, (title, text) in DOCS.items():
            doc = {
                "title": title,
                "body": [{"type": "paragraph", "text": text}],
                "meta": {"reference": ref},
            }
            out.write(json.dumps(doc) + "\n")
    return path


@pytest.fixture
def ranked(tmp_path: Path, case: Case, case_url: str) -> Iterator[Corpus]:
    settings = case_settings(tmp_path, case_url, case)
    engine = open_database(settings)
    importer.import_sources(engine, settings, resolve([str(_write(tmp_path))]))
    site = make_site(settings, engine)
    review.approve_all_pending(engine, "tester", "ranking")
    site.index_pending()
    yield Corpus(engine, settings, {}, site, case)
    engine.dispose()


def refs(c: Corpus, q: str) -> list[str]:
    return [h.card.ref for h in search.search(c.site, q).hits]


def test_several_words_rank_by_match_not_all_required(ranked: Corpus) -> None:
    page = search.search(ranked.site, "turbine resonance in a cone ")
    found = [h.card.ref for h in page.hits]
    assert found[0] == "r-01" and "r-03" in found
    assert page.matched == "some"
    short = search.search(ranked.site, "laminar turbulent ")
    assert short.matched == "all" and {h.card.ref for h in short.hits} == {"r-02", "r-03"}


def test_english_stemming_finds_other_forms(ranked: Corpus) -> None:
    assert refs(ranked, "vibrating ") == ["r-01"]
    assert refs(ranked, "nozzle ")[:2] in (["r-04", "r-07"], ["r-07", "r-04"])


def test_words_near_each_other_and_exact_title_rank_first(ranked: Corpus) -> None:
    assert refs(ranked, "boundary layer transition")[0] == "r-02"
    assert refs(ranked, "transition of the boundary layer on cones")[0] == "r-03"
    assert refs(ranked, "shock waves nozzles ")[0] == "r-07"


def test_exclusions_and_phrases_are_honoured(ranked: Corpus) -> None:
    assert "r-07" not in refs(ranked, "nozzle -shock ")
    assert "r-04" in refs(ranked, "nozzle -shock ")
    assert refs(ranked, '"heat flux"') == ["r-04"]
    assert refs(ranked, 'heat -"heat flux" ') == ["r-06"]


def test_nothing_found_suggests_the_index_own_words(ranked: Corpus) -> None:
    page = search.search(ranked.site, "turbnie ")
    assert page.total == 0 and page.suggestion == "turbine "
    assert search.search(ranked.site, "turbine ").suggestion == ""


def test_similar_posts_lead_with_the_same_subject(ranked: Corpus) -> None:
    _, found = search.similar_to(ranked.engine, "r-02")
    # r-03 is about boundary-layer transition too; r-05 shares only the common word "flow".
    assert found and found[0].card.ref == "r-03"


def test_explain_says_which_terms_and_fields_scored(ranked: Corpus) -> None:
    (first, parts), *_ = search.explain(ranked.site, "turbine blades ")
    assert first.card.ref == "r-01"
    # tantivy names the stem it matched ("turbin"), PostgreSQL the word as typed.
    assert any(c.term.startswith("turbin") and c.field == "title" for c in parts)
    assert all(c.score > 0 for c in parts)
    post, explained = search.similar_explained(ranked.site, "r-02")
    assert post.ref == "r-02" and explained[0][0].card.ref == "r-03"
    assert any(part == "text" for _, part, _ in explained[0][1])


@pytest.mark.slow
def test_cranfield_queries_all_find_something(tmp_path: Path, case: Case, case_url: str) -> None:
    """A slice of a human-judged collection: every natural-language question finds posts."""
    directory = need_shared("real/cranfield")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from _judged import load, write_jsonl

    collection = load(directory)
    settings = case_settings(tmp_path, case_url, case)
    engine = open_database(settings)
    try:
        source = tmp_path / "cran.jsonl"
        refs_of = write_jsonl(collection, source, "cran")
        importer.import_sources(engine, settings, resolve([str(source)]))
        site = make_site(settings, engine)
        review.approve_all_pending(engine, "tester", "cranfield")
        site.index_pending()
        assert site.backend().doc_count() == len(refs_of)
        for text in list(collection.queries.values())[:20]:
            assert search.search(site, text).hits, text
    finally:
        engine.dispose()


def test_feedback_expands_questions_and_explain_adds_up(ranked: Corpus) -> None:
    """A question gains stems from its first results; explain lists them, and its parts add
    up to the score the search gave (so it tells the truth about the expanded query)."""
    question = "where does laminar flow become turbulent on a cone "
    quiet = make_site(replace(ranked.settings, search_feedback_docs=0), ranked.engine)
    loud = make_site(
        replace(ranked.settings, search_feedback_docs=2, search_feedback_max_df=1.0),
        ranked.engine,
    )
    plain = search.explain(quiet, question)
    assert plain and not any("(feedback)" in c.term for _, parts in plain for c in parts)
    expanded = search.explain(loud, question)
    assert expanded[0][0].card.ref == "r-03"
    terms = {c.term for _, parts in expanded for c in parts}
    assert any(t.endswith(" (feedback)") and t.startswith("boundar") for t in terms)
    for hit, parts in expanded:
        assert sum(c.score for c in parts) == pytest.approx(hit.score, rel=1e-3, abs=1e-3)
    found = [h.card.ref for h in search.search(loud, question).hits]
    assert found[: len(expanded)] == [h.card.ref for h, _ in expanded]
