"""Schema migrations with Alembic, run from code (no alembic.ini to keep in step)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from alphanode.settings import Settings
from alphanode.store.engine import connect

_SCRIPTS = Path(__file__).parent / "migrations"


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.attributes["engine"] = engine
    return cfg


def head() -> str:
    script = ScriptDirectory.from_config(_config_for_scripts())
    current = script.get_current_head()
    assert current is not None  # noqa: S101 - the package ships its migrations
    return current


def _config_for_scripts() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    return cfg


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(_config(engine), revision)


def downgrade(engine: Engine, revision: str = "-1") -> None:
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
