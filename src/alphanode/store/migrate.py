"""Schema migrations with Alembic, run from code (no alembic.ini to keep in step).

Alembic (and the scripts it reads) loads only to migrate: a serving worker checks that its
database is at ``HEAD`` with one plain query, as Alembic itself would.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.settings import Settings
from alphanode.store.engine import connect

if TYPE_CHECKING:
    from alembic.config import Config

_SCRIPTS = Path(__file__).parent / "migrations"
# The newest migration's id; a test holds it equal to the scripts' head (``scripts_head``).
HEAD = "0020"


def _config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.attributes["engine"] = engine
    return cfg


def head() -> str:
    """The schema this code needs."""
    return HEAD


def scripts_head() -> str:
    """The head of the migration scripts, as Alembic reads them (``HEAD`` must equal it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    found = ScriptDirectory.from_config(cfg).get_current_head()
    assert found is not None  # noqa: S101 - the package ships its migrations
    return found


def current(engine: Engine) -> str | None:
    """The database's schema version: Alembic's one-row table, read as Alembic reads it
    (``None`` before the first migration)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:  # branches: this project's chain has one head, so never here
        raise RuntimeError(f"the database has several schema heads: {sorted(rows)}")
    return str(rows[0]) if rows else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_config(engine), revision)


def downgrade(engine: Engine, revision: str = "-1") -> None:
    from alembic import command

    command.downgrade(_config(engine), revision)


def ensure_current(engine: Engine) -> None:
    """Upgrade to head when behind; one cheap version look-up when already there."""
    if current(engine) != head():
        upgrade(engine)


def open_database(settings: Settings) -> Engine:
    """Connect, and bring the schema to head when ``auto_migrate`` is on."""
    engine = connect(settings)
    if settings.auto_migrate:
        ensure_current(engine)
    return engine
