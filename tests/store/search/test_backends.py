"""Which backend a site gets, and the PostgreSQL backend's migration to unstemmed prefixes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from alphanode.errors import ConfigError
from alphanode.services import importer, indexing, review, search
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store import migrate
from alphanode.store.search import backend_name, index_path
from alphanode.store.search.query import parse
from alphanode.store.search.tantivy_index import TantivyBackend
from tests.conftest import SEED, make_site
from tests.helpers import variant
from tests.searchcases import POSTGRES, POSTGRES_TANTIVY, Corpus, make_corpus

PG = "postgresql+psycopg://alphanode@db.example/alphanode"


@pytest.mark.parametrize(
    ("url", "backend", "expected"),
    [
        ("sqlite:///site.db", "auto", "tantivy"),
        (PG, "auto", "postgres"),
        ("postgresql://alphanode@db.example/alphanode", "auto", "postgres"),
        ("sqlite:///site.db", "tantivy", "tantivy"),
        (PG, "tantivy", "tantivy"),
        (PG, "postgres", "postgres"),
    ],
)
def test_auto_follows_the_database_and_explicit_values_win(
    url: str, backend: str, expected: str
) -> None:
    assert backend_name(Settings.load(env={}, database_url=url, search_backend=backend)) == (
        expected
    )


def test_default_is_auto_with_the_index_beside_a_sqlite_file(tmp_path: Path) -> None:
    settings = Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'site.db'}")
    assert settings.search_backend == "auto"
    assert index_path(settings) == tmp_path / "site.db.search"
    chosen = settings.replace(search_index_path=str(tmp_path / "elsewhere"))
    assert index_path(chosen) == tmp_path / "elsewhere"


def test_impossible_choices_are_clear_config_errors() -> None:
    with pytest.raises(ConfigError) as info:
        backend_name(
            Settings.load(env={}, database_url="sqlite:///x.db", search_backend="postgres")
        )
    assert info.value.code == "AN-SEARCH-003" and "not PostgreSQL" in info.value.what
    with pytest.raises(ConfigError) as info:
        index_path(Settings.load(env={}, database_url=PG, search_backend="tantivy"))
    assert info.value.code == "AN-SEARCH-003"


def _vectors(corpus: Corpus) -> tuple[int, int, int]:
    """Rows; rows whose unstemmed vector has topic (B) words; search outbox rows."""
    with corpus.engine.connect() as conn:
        return (
            int(conn.scalar(sa.text("SELECT count(*) FROM search_documents")) or 0),
            int(
                conn.scalar(
                    sa.text(
                        "SELECT count(*) FROM search_documents "
                        "WHERE length(ts_filter(unstemmed, '{b}')) > 0"
                    )
                )
                or 0
            ),
            int(conn.scalar(sa.text("SELECT count(*) FROM search_outbox")) or 0),
        )


@pytest.mark.postgres
@pytest.mark.skipif(not SEED.is_file(), reason="the shared seed page is missing")
def test_migration_0007_gives_an_indexed_site_its_prefixes(
    tmp_path: Path, postgres_url: str
) -> None:
    corpus = make_corpus(tmp_path, postgres_url, 20, POSTGRES)
    e, s, site = corpus.engine, corpus.settings, corpus.site
    try:
        pages = tmp_path / "x"
        pages.mkdir()
        (pages / "a.txt").write_text(variant(951, extra_paragraph="zorbpinning it."), "utf-8")
        importer.import_sources(e, s, resolve([str(pages)]))
        review.approve_all_pending(e, "t", "")
        site.index_pending()
        rows, with_topic, queued = _vectors(corpus)
        assert rows == with_topic and queued == 0
        # A site indexed before 0007: no unstemmed vector at all.
        migrate.downgrade(e, "0006")
        with e.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("search_documents")}
        assert "unstemmed" not in columns
        migrate.upgrade(e)
        # Prefixes work at once from the columns the table keeps; every row is queued ...
        assert [h.card.ref for h in search.search(site, "zorbpinn").hits] == ["anp-ref-000951-0000"]
        rows, with_topic, queued = _vectors(corpus)
        assert with_topic == 0 and queued == rows
        # ... and the next sync writes them whole (topic and entities too).
        report = indexing.sync(site)
        assert report.indexed == rows and _vectors(corpus) == (rows, rows, 0)
    finally:
        e.dispose()


@pytest.mark.postgres
def test_a_postgres_site_on_the_old_tantivy_default_moves_to_postgres_search(
    tmp_path: Path, postgres_url: str
) -> None:
    """Before ``auto``, PostgreSQL sites searched with tantivy; after upgrading they get the
    postgres backend, and the migration queues every live post for it."""
    corpus = make_corpus(tmp_path, postgres_url, 20, POSTGRES_TANTIVY)
    e = corpus.engine
    try:
        migrate.downgrade(e, "0006")
        migrate.upgrade(e)
        upgraded = corpus.settings.replace(search_backend="auto")
        site = make_site(upgraded, e)
        assert site.backend().name == "postgres"
        assert _vectors(corpus) == (0, 0, len(corpus.truth))
        indexing.sync(site)
        assert _vectors(corpus) == (len(corpus.truth), len(corpus.truth), 0)
        problem = str(next(iter(corpus.truth.values()))["problem"])
        assert search.search(site, problem).hits
    finally:
        e.dispose()


def _tantivy_corpus(tmp: Path) -> Corpus:
    return make_corpus(tmp, f"sqlite:///{tmp / 'alphanode.db'}", 60)


def test_facets_past_the_bound_are_those_of_the_best_pool(tmp_path: Path) -> None:
    """More matches than ``count_up_to``: the facets (and "every word") are those of the
    best ``pool`` posts, so a question of common words costs the same at any size; the
    page and the total are those of every match."""
    corpus = _tantivy_corpus(tmp_path)
    exact = corpus.site.backend()
    parsed = parse("the problem", exact.analyze, 500)
    every = exact.search(parsed, {}, 0, 100, snippets=False)
    assert every.total > 12 and sum(n for _, n in every.facets["difficulty"]) == every.total
    bounded = TantivyBackend(index_path(corpus.settings), count_up_to=10, pool=7)
    page = bounded.search(parsed, {}, 0, 3, snippets=False)
    assert page.total == every.total
    assert [h.post_id for h in page.hits] == [h.post_id for h in every.hits[:3]]
    best = {h.post_id for h in every.hits[:7]}
    expected = {}
    for value, _ in every.facets["difficulty"]:
        held = exact.search(parsed, {"difficulty": value}, 0, 100, facets=False, snippets=False)
        if n := len(best & {h.post_id for h in held.hits}):
            expected[value] = n
    assert dict(page.facets["difficulty"]) == expected
    assert sum(expected.values()) == 7
    # At or under the bound, every match is counted.
    roomy = TantivyBackend(index_path(corpus.settings), count_up_to=every.total, pool=7)
    assert roomy.search(parsed, {}, 0, 3).facets == every.facets
    corpus.engine.dispose()


def test_the_first_stage_matches_the_same_posts(tmp_path: Path) -> None:
    """Feedback's first pass ranks by the stems alone (``first_stage``): the same posts
    match as with the full query (the words as typed and their proximity only rank)."""
    corpus = _tantivy_corpus(tmp_path)
    backend = corpus.site.backend()
    for q in ["how do i fix slow queries in production", "pinned caching problem"]:
        parsed = parse(q, backend.analyze, 500)
        full = backend.search(parsed, {}, 0, 100, facets=False, snippets=False, counted=False)
        first = backend.search(
            parsed, {}, 0, 100, facets=False, snippets=False, counted=False, first_stage=True
        )
        assert full.hits and {h.post_id for h in first.hits} == {h.post_id for h in full.hits}
    corpus.engine.dispose()
