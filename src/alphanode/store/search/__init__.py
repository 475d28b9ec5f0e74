"""One search interface (index, delete, search, facets, suggest, explain); backends.

``open_backend(engine, settings)`` picks the backend that ``backend_name`` resolves the
``search_backend`` setting to: ``tantivy_index.TantivyBackend`` (an embedded index in a
directory) or ``postgres.PostgresBackend`` (weighted ``tsvector`` columns, PostgreSQL only).
The default, ``auto``, follows the database: PostgreSQL searches in PostgreSQL, SQLite in a
tantivy index beside its file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine, make_url

from alphanode.errors import AlphanodeError, ConfigError
from alphanode.settings import Settings
from alphanode.store.search.query import ParsedQuery

FACETS = ("stack", "tools", "difficulty", "code_language")

# How much each field counts, said once for both backends: tantivy boosts each field's BM25
# by these; PostgreSQL weighs its A/B/C/D positions by them (divided by the largest).
# Feedback stems (ParsedQuery.expansion) are weighed the same way, times their own weight.
FIELD_WEIGHTS = {"title": 1.5, "topic": 0.5, "tags": 1.0, "body": 1.0, "code": 0.3}
# "code" is the text of code blocks: a word found only there ranks below the same word in
# prose. tantivy gives it a field of its own; PostgreSQL's four weight classes are all taken,
# so there code is in the as-typed vector only (class D), counting at EXACT_WEIGHT of body.
EXACT_WEIGHT = 0.1  # the word as typed, over its stem's other forms
PROXIMITY_WEIGHT = 0.15  # two query words near each other (within PROXIMITY_SLOP words)
PROXIMITY_SLOP = 3
ALL_WORDS_BONUS = 20.0  # a post holding every ranked word comes before those that do not
EXACT_TITLE_BONUS = 100.0  # the query is the post's whole title: it comes first


class IndexBusy(AlphanodeError):
    """Another process holds the index writer: it will drain the outbox, nothing is lost."""

    code = "AN-SEARCH-004"
    http_status = 503


@dataclass(frozen=True)
class IndexDoc:
    """What the index holds of one live revision (built by services.indexing)."""

    post_id: int
    title: str
    topic: str  # the problem, the topic line and the summary
    tags: str  # stack, tools and entity names
    body: str
    problem: str = ""
    stack: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    difficulty: str = ""
    code_language: str = ""
    code: str = ""  # Document.code_text(): code blocks and inline code (body is the prose)


@dataclass(frozen=True)
class Hit:
    post_id: int
    score: float
    snippet: str  # HTML: every character escaped, matches wrapped in <mark>


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # "all": some result holds every ranked word; "some": none does, results hold some of
    # them; "": a query of one word, or none.
    matched: str = ""


@dataclass(frozen=True)
class Contribution:
    """One term's share of a result's score, in one field (``phrase``, ``title`` for the
    proximity and exact-title boosts)."""

    term: str
    field: str
    score: float


class IndexWriter(Protocol):
    def upsert(self, docs: Sequence[IndexDoc]) -> None: ...

    def delete(self, post_ids: Sequence[int]) -> None: ...

    def clear(self) -> None: ...

    def commit(self) -> None: ...


class SearchBackend(Protocol):
    name: str

    def writing(self) -> AbstractContextManager[IndexWriter]:
        """The only writer (raises ``IndexBusy`` when another holds it); rolls back unless
        ``commit()`` was called."""
        ...

    def search(
        self,
        query: ParsedQuery,
        filters: Mapping[str, str],
        offset: int,
        limit: int,
        facets: bool = True,
        snippets: bool = True,
        counted: bool = True,
        first_stage: bool = False,
    ) -> Results:
        """The best ``limit`` matches after ``offset``. ``counted=False``: the caller reads
        only the hits (``total`` is then their number and ``matched`` is empty), so the
        backend need not visit every match to count them. A backend built with a count
        bound may stop counting past it: a ``total`` above the bound means "more than the
        bound" (``services.search`` says so), not an exact figure. ``first_stage=True``
        (with ``counted=False``): the hits may be ordered by a backend's cheap first stage
        alone (feedback's first pass); a backend of one stage ignores it."""
        ...

    def doc_terms(self, post_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Per post, how often each stem occurs in it (feedback's first results)."""
        ...

    def doc_freqs(self, stems: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many posts hold each stem, and how many posts there are."""
        ...

    def analyze(self, text: str) -> list[str]:
        """The query's words as the index holds them unstemmed (lowercased, folded)."""
        ...

    def suggest(self, words: Sequence[str]) -> dict[str, str]:
        """For each word the index does not hold, its most frequent term one edit away."""
        ...

    def explain(self, query: ParsedQuery, post_ids: Sequence[int]) -> dict[int, list[Contribution]]:
        """Per post, what each ranked term scored in each field."""
        ...

    def doc_count(self) -> int: ...

    def post_ids(self) -> set[int]: ...

    def refresh(self) -> None: ...

    def close(self) -> None: ...


def backend_name(settings: Settings) -> str:
    """``tantivy`` or ``postgres``: an explicit ``search_backend``, else what the database is."""
    chosen = settings.search_backend
    postgres = make_url(settings.database_url).get_backend_name() == "postgresql"
    if chosen == "auto":
        return "postgres" if postgres else "tantivy"
    if chosen == "postgres" and not postgres:
        raise ConfigError(
            "search_backend is postgres but the database is not PostgreSQL",
            "search_backend=auto or tantivy with a SQLite database",
            code="AN-SEARCH-003",
        )
    return chosen


def index_path(settings: Settings) -> Path:
    """``search_index_path``, else ``<database file>.search`` beside a SQLite file."""
    configured = settings.search_index_path
    if configured:
        return Path(configured)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".search")
    raise ConfigError(
        "search_index_path is empty and the database is not a SQLite file",
        "ALPHANODE_SEARCH_INDEX_PATH=/var/lib/alphanode/search (a local directory), or "
        "search_backend=auto (PostgreSQL databases search in PostgreSQL)",
        code="AN-SEARCH-003",
    )


def open_backend(engine: Engine, settings: Settings) -> SearchBackend:
    if backend_name(settings) == "postgres":
        from alphanode.store.search.postgres import PostgresBackend

        return PostgresBackend(
            engine,
            settings.search_candidates,
            settings.search_rerank,
            settings.search_postings_per_term,
            settings.search_count_up_to,
        )
    from alphanode.store.search.tantivy_index import TantivyBackend

    return TantivyBackend(index_path(settings), settings.search_count_up_to, settings.search_rerank)
