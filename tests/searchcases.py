"""Search cases: a small synthesized corpus, imported and approved, on each database and backend.

Shared by the backend tests (tests/store/search) and the service tests (tests/services): their
conftest.py files import the fixtures below (``case``, ``case_url``, ``corpus``, ``small``).

``Case`` names the database and the ``search_backend`` setting. The default (``auto``) is what
someone gets by changing ``database_url`` alone: SQLite searches in a tantivy index beside its
file, PostgreSQL in its own tsvector columns; PostgreSQL with an explicit tantivy index (a
directory on each app server) is the third way a site can run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.services import importer, review
from alphanode.services.runtime import Site
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.synth import generate
from tests.conftest import make_site, postgres_database


@dataclass(frozen=True)
class Case:
    database: str  # sqlite or postgresql
    backend: str  # the search_backend setting
    expected: str  # the backend that setting resolves to

    @property
    def stems(self) -> bool:
        """Both backends stem English words: "pinning" also finds "pinned"."""
        return True


SQLITE = Case("sqlite", "auto", "tantivy")
POSTGRES = Case("postgresql", "auto", "postgres")
POSTGRES_TANTIVY = Case("postgresql", "tantivy", "tantivy")
CASES = [
    pytest.param(SQLITE, id="sqlite-tantivy"),
    pytest.param(POSTGRES, id="postgresql-postgres", marks=pytest.mark.postgres),
    pytest.param(POSTGRES_TANTIVY, id="postgresql-tantivy", marks=pytest.mark.postgres),
]


@dataclass
class Corpus:
    engine: Engine
    settings: Settings
    truth: dict[str, dict[str, object]]  # ref → problem, stack
    site: Site
    case: Case = SQLITE


def write_pages(directory: Path, count: int, seed: int = 1) -> dict[str, dict[str, object]]:
    directory.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict[str, object]] = {}
    for item in generate(count, seed):
        if item.rejected or item.hostile or item.near_duplicate_of:
            continue
        meta = item.document.meta
        truth[str(meta["reference"])] = {
            "problem": meta["ai_outline"]["problem"],
            "stack": meta["ai_outline"]["stack"],
        }
        (directory / f"{item.seed}.txt").write_text(item.to_text(), "utf-8")
    return truth


def case_settings(tmp: Path, database_url: str, case: Case = SQLITE) -> Settings:
    """The case's settings: only a tantivy index on PostgreSQL needs a directory named."""
    tantivy_on_postgres = case.database == "postgresql" and case.expected == "tantivy"
    index = str(tmp / "index") if tantivy_on_postgres else ""
    return Settings.load(
        env={}, database_url=database_url, search_backend=case.backend, search_index_path=index
    )


def make_corpus(tmp: Path, database_url: str, count: int, case: Case = SQLITE) -> Corpus:
    settings = case_settings(tmp, database_url, case)
    engine = open_database(settings)
    site = make_site(settings, engine)
    assert site.backend().name == case.expected
    truth = write_pages(tmp / "pages", count)
    importer.import_sources(engine, settings, resolve([str(tmp / "pages")]))
    review.approve_all_pending(engine, "tester", "corpus")
    site.index_pending()
    return Corpus(engine, settings, truth, site, case)


@contextmanager
def case_database(case: Case, tmp: Path, postgres_admin: Engine | None) -> Iterator[str]:
    if case.database == "sqlite":
        yield f"sqlite:///{tmp / 'alphanode.db'}"
        return
    with postgres_database(postgres_admin) as url:
        yield url


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    value: Case = request.param
    return value


@pytest.fixture
def case_url(case: Case, tmp_path: Path, postgres_admin: Engine | None) -> Iterator[str]:
    """A fresh, empty database of the case's kind."""
    with case_database(case, tmp_path, postgres_admin) as url:
        yield url


@pytest.fixture
def corpus(tmp_path: Path, case: Case, case_url: str) -> Iterator[Corpus]:
    c = make_corpus(tmp_path, case_url, 60, case)
    yield c
    c.engine.dispose()


@pytest.fixture(scope="module", params=CASES)
def small(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin: Engine | None,
) -> Iterator[Corpus]:
    """A read-only corpus shared by a module's tests, once per case."""
    case: Case = request.param
    tmp = tmp_path_factory.mktemp("small")
    with case_database(case, tmp, postgres_admin) as url:
        c = make_corpus(tmp, url, 20, case)
        yield c
        c.engine.dispose()
