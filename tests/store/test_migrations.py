"""Migrations: upgrade builds exactly the declared schema; downgrade removes it again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from alphanode.settings import Settings
from alphanode.store import migrate
from alphanode.store.engine import connect
from alphanode.store.schema import POSTGRES_ONLY_TABLES, metadata


def test_upgrade_matches_schema_and_downgrade_empties(settings: Settings) -> None:
    engine = connect(settings)
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    with engine.connect() as conn:
        opts = {"include_name": lambda name, kind, _: name not in POSTGRES_ONLY_TABLES}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
    assert diff == []
    migrate.downgrade(engine, "base")
    assert migrate.current(engine) is None
    tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    migrate.ensure_current(engine)
    assert set(sa.inspect(engine).get_table_names()) >= {"posts", "revisions", "rejects"}
    engine.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_settings: Settings) -> None:
    engine = migrate.open_database(sqlite_settings)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_auto_migrate_off_leaves_the_database_alone(sqlite_settings: Settings) -> None:
    engine = migrate.open_database(sqlite_settings.replace(auto_migrate=False))
    assert migrate.current(engine) is None
    engine.dispose()


def test_the_head_this_code_needs_is_the_scripts_head(settings: Settings) -> None:
    """``migrate.HEAD`` is said once in code so serving workers need not load Alembic; a new
    migration that does not move it fails here. ``current`` reads what Alembic reads."""
    assert migrate.HEAD == migrate.head() == migrate.scripts_head()
    engine = connect(settings)
    migrate.upgrade(engine, "0005")
    with engine.connect() as conn:
        assert migrate.current(engine) == MigrationContext.configure(conn).get_current_revision()
    assert migrate.current(engine) == "0005"
    migrate.ensure_current(engine)
    assert migrate.current(engine) == migrate.HEAD
    engine.dispose()
