"""Pseudo-relevance feedback (RM3) as pure functions, and the PostgreSQL candidate bound."""

from __future__ import annotations

import pytest

from alphanode.services.feedback import Feedback, expand, likeliest, relevance_model
from alphanode.store.search import Hit
from alphanode.store.search.postgres import rarest
from alphanode.store.search.query import ParsedQuery

FB = Feedback(docs=2, terms=2, weight=0.3, max_df=0.5)
QUESTION = ParsedQuery(words=("heat", "transfer", "hypersonic", "cone"))


def test_relevance_model_weighs_words_by_share_and_result_by_score() -> None:
    hits = [Hit(1, 3.0, ""), Hit(2, 1.0, "")]
    terms = {1: {"ablat": 1, "heat": 3}, 2: {"ablat": 2, "nozzl": 2}}
    model = relevance_model(hits, terms)
    assert model["heat"] == pytest.approx(0.75 * 0.75)
    assert model["ablat"] == pytest.approx(0.25 * 0.75 + 0.5 * 0.25)
    assert model["nozzl"] == pytest.approx(0.5 * 0.25)
    assert sum(model.values()) == pytest.approx(1.0)


def test_expansion_keeps_distinctive_stems_and_holds_its_share() -> None:
    model = {"ablat": 0.4, "the": 0.3, "nozzl": 0.2, "42": 0.05, "x": 0.05}
    dfs = {"ablat": 10, "the": 90, "nozzl": 20, "42": 1, "x": 1}
    out = expand(QUESTION, model, dfs, 100, FB)
    stems = dict(out.expansion)
    assert list(stems) == ["ablat", "nozzl"]  # "the" is in 90% of posts; numbers, 1 letter
    # (1 - λ) / λ × |Q|: the stems together weigh 0.3 / 0.7 of the four typed words
    assert sum(stems.values()) == pytest.approx(0.3 / 0.7 * 4, abs=1e-3)
    assert stems["ablat"] == pytest.approx(2 * stems["nozzl"], abs=1e-3)
    assert out.ranked() == QUESTION.ranked()  # the typed words are unchanged


def test_only_questions_are_expanded() -> None:
    assert FB.applies(QUESTION)
    assert not FB.applies(ParsedQuery(words=("kafka", "consumer", "lag")))
    assert not FB.applies(ParsedQuery(words=("to", "be", "or", "not")))
    assert not Feedback(0, 10, 0.3, 0.1).applies(QUESTION)
    assert expand(QUESTION, {}, {}, 100, FB) == QUESTION


def test_likeliest_asks_for_a_bounded_number_of_stems() -> None:
    model = {f"stem{n:03d}": 1.0 / (n + 1) for n in range(100)}
    assert likeliest(model, FB) == [f"stem{n:03d}" for n in range(8 * FB.terms)]


def test_candidates_are_bounded_by_the_rarest_terms() -> None:
    dfs = [("flow", 900), ("cone", 40), ("hypersonic", 15), ("heat", 300)]
    assert rarest(dfs, 100) == ["hypersonic", "cone"]
    assert rarest(dfs, 400) == ["hypersonic", "cone", "heat"]
    assert rarest([("flow", 900), ("heat", 800)], 100) == ["heat"]  # always one


def test_a_query_of_common_words_ranks_only_the_newest_matches() -> None:
    from alphanode.store.search.postgres import Stats, match

    query = ParsedQuery(words=("system", "error"))
    common = match(query, {}, Stats({"system": 5000, "error": 4000}, {}, 10_000), 1000)
    assert common.newest == 1000 and not common.selective
    rare = match(query, {}, Stats({"system": 5000, "error": 40}, {}, 10_000), 1000)
    assert rare.newest == 0 and rare.selective
    few = match(query, {}, Stats({"system": 500, "error": 400}, {}, 10_000), 1000)
    assert few.newest == 0 and not few.selective
