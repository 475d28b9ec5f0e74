"""/readyz and /metrics on a host with its own search index (services/follower.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alphanode.services import follower
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.web.conftest import Client

pytestmark = pytest.mark.postgres


def test_readyz_waits_for_the_first_build_then_reports_the_position(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings.load(
        env={},
        database_url=postgres_url,
        search_backend="tantivy",
        search_index_path=str(tmp_path / "index"),
    )
    open_database(settings).dispose()
    client = Client(settings)
    try:
        building = client.get("/readyz")
        assert building.status_code == 503
        body = building.json()
        assert body["status"] == "not ready" and body["search"]["position"] is None
        assert any("search index" in p for p in body["problems"])
        site = client.app.state.site
        assert follower.follow(site).rebuilt
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["search"] == {
            "caught_up": True,
            "position": 0,
            "log_end": 0,
            "behind": 0,
            "lag_seconds": 0.0,
            "gaps": 0,
        }
        metrics = client.get("/metrics").text
        for name in ("position", "end", "behind", "lag_seconds", "gaps"):
            assert re.search(rf"^alphanode_search_log_{name} 0\.0$", metrics, re.M), name
    finally:
        client.close()


def test_a_site_with_a_shared_index_reports_no_search_replica(postgres_url: str) -> None:
    settings = Settings.load(env={}, database_url=postgres_url)
    open_database(settings).dispose()
    client = Client(settings)
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and "search" not in ready.json()
        assert "alphanode_search_log_position" not in client.get("/metrics").text
    finally:
        client.close()
