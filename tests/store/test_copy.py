"""db copy: SQLite → PostgreSQL → SQLite gives identical exports and checksums; a live
source is copied from one snapshot."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alphanode.errors import UsageError
from alphanode.services import accounts, dbcopy, importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store import copy, state
from alphanode.store.engine import connect, reading, writing
from alphanode.store.migrate import open_database
from alphanode.store.schema import post_views, posts
from tests.conftest import Cli, make_site
from tests.helpers import write_variants


def _site(url: str, tmp_path: Path) -> Engine:
    settings = Settings.load(env={}, database_url=url)
    engine = open_database(settings)
    write_variants(tmp_path / "in", 12)
    importer.import_sources(engine, settings, resolve([str(tmp_path / "in")]))
    review.approve(engine, "anp-ref-000001-0000", "rita", "ok")
    review.reject(engine, "anp-ref-000002-0000", "rita", "no")
    accounts.add_user(make_site(settings, engine), "rita", "reviewer", "a long password here")
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
    pg_settings = Settings.load(env={}, database_url=database_url)
    pg = connect(pg_settings)
    accounts.add_user(make_site(pg_settings, pg), "newcomer", "reviewer", "another long password")
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


DAY = dt.date(2024, 1, 1)


class ViewsWriter:
    """Flushes counted views into a site the way the web workers do, until stopped.

    Each write is one transaction: one more view on post A's row for DAY (an update), one new
    row for post B (an insert, day DAY + n) and one content_version bump, so any state a
    consistent reader can see is "the first n writes", for one n, in all three places.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with reading(engine) as conn:
            a, b = conn.execute(sa.select(posts.c.slug).order_by(posts.c.id).limit(2)).scalars()
        self.a, self.b = str(a), str(b)
        with writing(engine) as conn:
            state.add_views(conn, {self.a: 1}, DAY)
            self.version = state.content_version(conn)
        self.writes = 0
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                with writing(self.engine) as conn:
                    state.add_views(conn, {self.a: 1}, DAY)
                    state.add_views(conn, {self.b: 1}, DAY + dt.timedelta(days=self.writes + 1))
                    state.bump_content_version(conn)
                with self._changed:
                    self.writes += 1
                    self._changed.notify_all()
        except BaseException as exc:
            self.error = exc
            with self._changed:
                self._changed.notify_all()

    def __enter__(self) -> ViewsWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def one_more(self) -> None:
        """Return once at least one more write has been committed."""
        with self._changed:
            seen = self.writes
            assert self._changed.wait_for(
                lambda: self.writes > seen or self.error is not None, timeout=60
            )
        assert self.error is None

    def writes_in(self, conn: Connection) -> int:
        """How many writes ``conn`` sees, after checking that it sees a whole number of them."""
        n = state.content_version(conn) - self.version
        ids = {str(s): int(i) for s, i in conn.execute(sa.select(posts.c.slug, posts.c.id))}
        views = conn.execute(
            sa.select(post_views.c.post_id, post_views.c.day, post_views.c.views)
        ).all()
        a = [v for p, d, v in views if p == ids[self.a] and d == DAY]
        b = sorted((d, v) for p, d, v in views if p == ids[self.b])
        assert a == [1 + n], "post A's views and the content version disagree"
        assert b == [(DAY + dt.timedelta(days=i + 1), 1) for i in range(n)], "post B disagrees"
        return n


def test_copy_of_a_live_site_is_one_snapshot(database_url: str, tmp_path: Path) -> None:
    """Views are flushed into the source all through the copy: it still succeeds, and the
    target is the source as it was at one moment (no AN-COPY-001 checksum mismatch)."""
    source = _site(database_url, tmp_path)
    target = open_database(Settings.load(env={}, database_url=f"sqlite:///{tmp_path / 'to.db'}"))
    try:
        with ViewsWriter(source) as writer:
            writer.one_more()
            # Every batch written to the target waits for one more write to the source, so
            # the source certainly changes between reading a table and checksumming it.
            report = dbcopy.copy(source, target, progress=lambda _n: writer.one_more())
            writer.one_more()
        assert writer.error is None
        assert report.ok
        with reading(target) as dst, reading(source) as src:
            copied = writer.writes_in(dst)
            assert 1 <= copied < writer.writes_in(src)  # some writes landed, later ones did not
            for table in copy.tables():
                got = copy.checksum(dst, table)
                expected = report.tables[table.name]
                assert (expected["rows"], expected["sha256"]) == got
                if table.name not in {"post_views", "site_state"}:
                    assert copy.checksum(src, table) == got
    finally:
        source.dispose()
        target.dispose()


def test_cli_copy_while_the_site_writes(tmp_path: Path) -> None:
    first = f"sqlite:///{tmp_path / 'first.db'}"
    to = f"sqlite:///{tmp_path / 'to.db'}"
    source = _site(first, tmp_path)
    target = connect(Settings.load(env={}, database_url=to))
    try:
        with ViewsWriter(source) as writer:
            writer.one_more()
            result = Cli(first)("db", "copy", "--from", first, "--to", to, "--json")
            writer.one_more()
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["ok"] is True
        with reading(target) as conn:
            assert writer.writes_in(conn) >= 1
    finally:
        source.dispose()
        target.dispose()


def test_cli_copy_refuses_a_missing_or_empty_source(tmp_path: Path) -> None:
    missing, empty, to = tmp_path / "typo.db", tmp_path / "empty.db", tmp_path / "to.db"
    cli = Cli(f"sqlite:///{to}")
    result = cli("db", "copy", "--from", f"sqlite:///{missing}", "--to", f"sqlite:///{to}")
    assert result.exit_code == 2 and f"{missing} does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []  # neither the source nor the target was created
    sqlite3.connect(empty).close()
    result = cli("db", "copy", "--from", f"sqlite:///{empty}", "--to", f"sqlite:///{to}")
    assert result.exit_code == 2 and "source schema is at base" in result.stderr
