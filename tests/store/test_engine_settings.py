"""Engine options that come from settings."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alphanode.settings import Settings
from alphanode.store.engine import connect


@pytest.mark.postgres
def test_prepared_statements_can_be_switched_off_for_pgbouncer(postgres_url: str) -> None:
    on = connect(Settings.load(env={}, database_url=postgres_url))
    off = connect(
        Settings.load(env={}, database_url=postgres_url, postgres_prepared_statements=False)
    )
    try:
        with on.connect() as a, off.connect() as b:
            for _ in range(8):  # psycopg prepares after 5 executions by default
                a.execute(sa.text("SELECT 1 + :x"), {"x": 1})
                b.execute(sa.text("SELECT 1 + :x"), {"x": 1})
            count = "SELECT count(*) FROM pg_prepared_statements"
            assert a.scalar(sa.text(count)) >= 1
            assert b.scalar(sa.text(count)) == 0
    finally:
        on.dispose()
        off.dispose()
