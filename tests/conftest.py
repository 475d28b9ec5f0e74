"""Shared fixtures: settings, a real database per test (SQLite file or PostgreSQL), the CLI."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from alphanode.services.runtime import Site
from alphanode.settings import Settings
from alphanode.store.migrate import open_database

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
# The project's own copies of the seed page and its hand-checked parse: a bare clone has no
# ../shared beside it. tests/formats/test_seed.py checks them against ../shared when it is there.
SEED = FIXTURES / "seed" / "000_aeb991cd76c60bdc.txt"
GOLDEN = FIXTURES / "seed" / "000_aeb991cd76c60bdc.json"
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "ALPHANODE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def cheap_hasher() -> PasswordHasher:
    """Real argon2 with the smallest costs: tests hash many passwords."""
    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def make_site(settings: Settings, engine: Engine | None = None) -> Site:
    """A test's ``Site``: its own engine (or the one given) and a cheap password hasher."""
    return Site(settings, hasher=cheap_hasher(), engine=engine)


def need_shared(relative: str) -> Path:
    """A path under ../shared (reference material): skip with a reason when it is absent.

    The conformance suite reads ../shared/peers and ../shared/real; CI has them, a bare clone
    does not, so these tests skip there (also under CI=true: the bare-clone run proves that
    the rest of the suite needs nothing outside the repository).
    """
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"conformance: {path} is not there (../shared beside the repository)")
    return path


def need(condition: bool, reason: str) -> None:
    """Skip locally when something outside the project is missing; fail under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture
def seed_path() -> Path:
    return SEED


def _postgres_admin() -> Engine | None:
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            return engine
    except sa.exc.OperationalError:
        engine.dispose()
        return None


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine | None]:
    engine = _postgres_admin()
    yield engine
    if engine is not None:
        engine.dispose()


@contextmanager
def postgres_database(postgres_admin: Engine | None) -> Iterator[str]:
    """A PostgreSQL database made for one test and dropped after it."""
    need(postgres_admin is not None, f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    assert postgres_admin is not None
    name = f"alphanode_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with postgres_admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: Engine | None
) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL database made for this test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'alphanode.db'}"
        return
    with postgres_database(postgres_admin) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_admin: Engine | None) -> Iterator[str]:
    with postgres_database(postgres_admin) as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.load(env={}, database_url=database_url)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'alphanode.db'}")


@pytest.fixture
def db(settings: Settings) -> Iterator[Engine]:
    engine = open_database(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def site(settings: Settings, db: Engine) -> Iterator[Site]:
    """The runtime around ``db``: its search backend, caches and a cheap password hasher."""
    made = make_site(settings, db)
    yield made
    made.close()


class Cli:
    """Runs ``alphanode`` in-process against one database, returning the click Result."""

    def __init__(self, database_url: str) -> None:
        from alphanode.cli.main import build_app

        self.app = build_app()
        self.database_url = database_url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None):  # type: ignore[no-untyped-def]
        return self.runner.invoke(
            self.app,
            ["--db", self.database_url, *args],
            input=input,
            catch_exceptions=False,
            obj=cheap_hasher(),  # the command's Site hashes passwords with it
        )


@pytest.fixture
def cli(database_url: str) -> Cli:
    return Cli(database_url)
