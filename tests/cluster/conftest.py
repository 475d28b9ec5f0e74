"""Several ``alphanode serve`` hosts on one PostgreSQL, each in its own network namespace.

The hosts, namespaces and bridge are made by ``tests/cluster/hosts.py`` (shared with
``bench/cluster.py``): each host is a real ``alphanode serve`` process in a network namespace
of its own with its own address, reaching PostgreSQL over its Unix socket; where namespaces
cannot be made (not root, no ``ip``), the hosts listen on loopback ports instead. PostgreSQL
missing skips locally and fails under ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alphanode.services import accounts
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.cluster.hosts import HOST_ENV, Host, running_hosts, socket_url
from tests.conftest import make_site, postgres_database

__all__ = ["HOST_ENV", "PASSWORD", "Cluster", "Host", "cluster", "socket_url"]

PASSWORD = "correct horse battery staple"


@dataclass
class Cluster:
    """Hosts serving one PostgreSQL database; ``url`` is how the test itself reaches it."""

    url: str
    settings: Settings
    hosts: list[Host]
    isolated: bool
    tokens: dict[str, str]


@pytest.fixture
def cluster(
    tmp_path: Path, postgres_admin: Engine | None, request: pytest.FixtureRequest
) -> Iterator[Cluster]:
    """Three hosts on one fresh PostgreSQL database (``@pytest.mark.hosts(n)`` for n)."""
    marker = request.node.get_closest_marker("hosts")
    count = int(marker.args[0]) if marker else 3
    with postgres_database(postgres_admin) as url:
        settings = Settings.load(env={}, database_url=url)
        engine = open_database(settings)
        site = make_site(settings, engine)
        accounts.add_user(site, "rita", "reviewer", PASSWORD)
        tokens = {
            "import": accounts.create_token(engine, "importer", ["import"]),
            "review": accounts.create_token(engine, "reviewbot", ["review"]),
        }
        engine.dispose()
        with running_hosts(count, url, tmp_path) as (hosts, isolated):
            yield Cluster(url, settings, hosts, isolated, tokens)
