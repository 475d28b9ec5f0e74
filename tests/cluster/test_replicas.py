"""Public reads from a real PostgreSQL streaming replica; reviewers and writes on the primary.

A throwaway primary and a replica made from it by ``pg_basebackup`` (tests/cluster/
pgcluster.py). The app runs in-process over real HTTP (httpx's ASGI transport) with
``database_replica_urls`` naming the replica.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import psycopg
import pytest

from alphanode.services import accounts, importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.cluster.pgcluster import Pair
from tests.conftest import make_site
from tests.helpers import SEED_REF, seed_text, variant
from tests.web.conftest import Client
from tests.web.test_review import PASSWORD, login

pytestmark = [pytest.mark.postgres, pytest.mark.cluster, pytest.mark.slow]

DB = "alphanode_replica_test"
LATER_REF = "anp-ref-000902-0000"
LATER_SLUG = "how-to-tune-replica-lag-in-python-services"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Pair, Settings]]:
    servers = Pair()
    try:
        servers.open()
        with psycopg.connect(servers.primary.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DB}"')
        settings = Settings.load(
            env={},
            database_url=servers.primary.url(DB),
            database_replica_urls=servers.replica.url(DB),
            replica_check_seconds=0.2,
            page_cache_entries=0,
        )
        engine = open_database(settings)
        pages = tmp_path_factory.mktemp("replica-pages")
        (pages / "seed.txt").write_text(seed_text(), "utf-8")
        (pages / "later.txt").write_text(
            variant(902, title="how to tune replica lag in python services", own_body=True),
            "utf-8",
        )
        importer.import_sources(engine, settings, resolve([str(pages)]))
        review.approve(engine, SEED_REF, "setup")
        site = make_site(settings, engine)
        accounts.add_user(site, "rita", "reviewer", PASSWORD)
        site.index_pending()
        engine.dispose()
        _caught_up(servers)
        yield servers, settings
    finally:
        servers.close()


def _version(conninfo: str) -> int:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT value FROM site_state WHERE key = 'content_version'").fetchone()
    return int(row[0]) if row else 0


def _caught_up(servers: Pair, within: float = 30) -> None:
    deadline = time.monotonic() + within
    want = _version(servers.primary.conninfo(DB))
    while _version(servers.replica.conninfo(DB)) < want:
        assert time.monotonic() < deadline, "the replica never caught up"
        time.sleep(0.1)


def _app_connections(servers: Pair) -> int:
    """Sessions of the app (not this test) on the replica's copy of the site's database."""
    with psycopg.connect(servers.replica.conninfo()) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND backend_type = 'client backend'",
            (DB,),
        ).fetchone()
    return int(row[0]) if row else 0


def test_public_reads_come_from_the_replica(pair: tuple[Pair, Settings]) -> None:
    servers, settings = pair
    client = Client(settings)
    try:
        assert _app_connections(servers) == 0
        for path in ("/", "/feed.xml", "/sitemap.xml", f"/api/v1/posts/{SEED_REF}"):
            assert client.get(path).status_code == 200, path
        assert _app_connections(servers) >= 1, "public reads opened no session on the replica"
        status = client.get("/readyz").json()["replicas"]
        assert [r["serving"] for r in status] == [True]
        metrics = client.get("/metrics").text
        assert "alphanode_replica_serving{" in metrics
    finally:
        client.close()


def test_replica_lag_never_shows_stale_state(pair: tuple[Pair, Settings]) -> None:
    servers, settings = pair
    _caught_up(servers)
    client = Client(settings)
    try:
        assert client.get(f"/posts/{LATER_SLUG}").status_code == 404  # still pending
        with psycopg.connect(servers.replica.conninfo(), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        try:
            review.approve(client.app.state.engine, LATER_REF, "rita")
            cookie, _ = login(client, "rita")
            # A reviewer reads the primary: the approval shows at once.
            mine = client.get(f"/posts/{LATER_SLUG}", headers={"cookie": f"an_session={cookie}"})
            assert mine.status_code == 200
            # A reader: once the check sees the replica behind, the primary answers.
            time.sleep(settings.replica_check_seconds * 2)
            client.get("/")  # the check runs on a read
            assert client.get(f"/posts/{LATER_SLUG}").status_code == 200
            status = client.get("/readyz").json()["replicas"][0]
            assert status["serving"] is False
            assert status["content_version"] < status["primary_content_version"]
            assert "alphanode_replica_versions_behind{" in client.get("/metrics").text
        finally:
            with psycopg.connect(servers.replica.conninfo(), autocommit=True) as conn:
                conn.execute("SELECT pg_wal_replay_resume()")
        _caught_up(servers)
        time.sleep(settings.replica_check_seconds * 2)
        client.get("/")
        assert client.get("/readyz").json()["replicas"][0]["serving"] is True
    finally:
        client.close()


def test_a_replica_going_away_degrades_to_the_primary(
    pair: tuple[Pair, Settings], caplog: pytest.LogCaptureFixture
) -> None:
    servers, settings = pair
    client = Client(settings)
    try:
        assert client.get("/").status_code == 200
        servers.replica.stop()
        caplog.set_level(logging.WARNING, logger="alphanode.replicas")
        for _ in range(5):
            for path in ("/", "/feed.xml", f"/api/v1/posts/{SEED_REF}", f"/posts/{LATER_SLUG}"):
                assert client.get(path).status_code == 200, path
            time.sleep(settings.replica_check_seconds)
        assert any("replica" in r.getMessage() for r in caplog.records), caplog.text
        assert client.get("/readyz").status_code == 200
        assert client.get("/readyz").json()["replicas"][0]["serving"] is False
    finally:
        client.close()
        servers.replica.start()
