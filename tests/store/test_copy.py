"""db copy: SQLite → PostgreSQL → SQLite gives identical exports and checksums."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.errors import UsageError
from alphanode.services import accounts, dbcopy, importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.engine import connect
from alphanode.store.migrate import open_database
from tests.conftest import Cli
from tests.helpers import write_variants


def _site(url: str, tmp_path: Path) -> Engine:
    settings = Settings.load(env={}, database_url=url)
    engine = open_database(settings)
    write_variants(tmp_path / "in", 12)
    importer.import_sources(engine, settings, resolve([str(tmp_path / "in")]))
    review.approve(engine, "anp-ref-000001-0000", "rita", "ok")
    review.reject(engine, "anp-ref-000002-0000", "rita", "no")
    accounts.add_user(engine, "rita", "reviewer", "a long password here")
    accounts.create_token(engine, "ci", ["import"])
    return engine


@pytest.mark.postgres
def test_round_trip_sqlite_postgres_sqlite(tmp_path: Path, postgres_url: str) -> None:
    database_url = postgres_url
    first = f"sqlite:///{tmp_path / 'first.db'}"
    last = f"sqlite:///{tmp_path / 'last.db'}"
    engine = _site(first, tmp_path)
    engine.dispose()
    cli = Cli(first)
    there = cli("db", "copy", "--from", first, "--to", database_url, "--json")
    assert there.exit_code == 0, there.output
    back = cli("db", "copy", "--from", database_url, "--to", last)
    assert back.exit_code == 0, back.output
    assert "every table's checksum matches" in back.stdout
    assert Cli(first)("export").stdout == Cli(last)("export").stdout
    assert Cli(first)("export").stdout == Cli(database_url)("export").stdout
    # A non-empty target is refused without --force.
    again = cli("db", "copy", "--from", first, "--to", database_url)
    assert again.exit_code == 2 and "not empty" in again.stderr
    assert cli("db", "copy", "--from", first, "--to", database_url, "--force").exit_code == 0
    # Ids continue above the copied ones on PostgreSQL.
    pg = connect(Settings.load(env={}, database_url=database_url))
    accounts.add_user(pg, "newcomer", "reviewer", "another long password")
    pg.dispose()


def test_copy_refuses_non_empty_target(tmp_path: Path) -> None:
    a = _site(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)
    b = open_database(Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'b.db'}"))
    report = dbcopy.copy(a, b)
    assert report.ok and report.tables["posts"]["rows"] == 12
    with pytest.raises(UsageError, match="not empty"):
        dbcopy.copy(a, b)
    a.dispose()
    b.dispose()
