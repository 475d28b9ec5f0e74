"""Hosts with their own tantivy index on one PostgreSQL, each following the change log.

Two ``alphanode serve`` hosts (tests/cluster/hosts.py), each with ``search_backend=tantivy``
and an index directory of its own. An approval through one host is searchable on the other
within the documented delay; a retraction leaves both; a host stopped while approvals are
made catches up on its own when started again; /readyz and /metrics say where each is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from alphanode.services import accounts
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.cluster.hosts import Host, running_hosts
from tests.conftest import make_site, postgres_database
from tests.helpers import variant

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

FOLLOW_SECONDS = 0.5  # search_follow_seconds' default
# The documented delay: search_follow_seconds plus one batch, plus one request on a loaded
# machine.
VISIBLE_WITHIN = FOLLOW_SECONDS + 0.5 + 5.0


@dataclass
class Pair:
    url: str
    hosts: list[Host]
    tokens: dict[str, str]


@pytest.fixture
def pair(tmp_path: Path, postgres_admin: sa.Engine | None) -> Iterator[Pair]:
    with postgres_database(postgres_admin) as url:
        settings = Settings.load(env={}, database_url=url)
        engine = open_database(settings)
        site = make_site(settings, engine)
        accounts.add_user(site, "rita", "reviewer", "correct horse battery staple")
        tokens = {
            "import": accounts.create_token(engine, "importer", ["import"]),
            "review": accounts.create_token(engine, "reviewbot", ["review"]),
        }
        site.close()
        engine.dispose()
        with running_hosts(2, url, tmp_path, index_dir=tmp_path) as (hosts, _):
            yield Pair(url, hosts, tokens)


def _import(host: Host, token: str, n: int, word: str) -> str:
    title = f"how to tune {word} in python services"
    r = httpx.post(
        f"{host.base}/api/v1/import",
        content=variant(n, title=title, own_body=True).encode(),
        headers={"authorization": f"Bearer {token}", "content-type": "text/plain"},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    return f"anp-ref-{n:06d}-0000"


def _review(host: Host, token: str, ref: str, action: str) -> None:
    note = {"action": action, "note": "cluster test"}
    r = httpx.post(
        f"{host.base}/api/v1/posts/{ref}/review",
        json=note,
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text


def _retract(host: Host, ref: str) -> None:
    """From the CLI beside ``host`` (its settings: its index, shared with its server)."""
    proc = host.cli("review", "retract", ref, "--note", "cluster test", "--as", "rita")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err


def _found(host: Host, word: str, ref: str) -> bool:
    r = httpx.get(f"{host.base}/api/v1/search", params={"q": word}, timeout=10)
    return r.status_code == 200 and any(h.get("ref") == ref for h in r.json().get("hits", []))


def _gone(host: Host, word: str, ref: str) -> bool:
    return not _found(host, word, ref)


def _caught_up(host: Host) -> bool:
    return bool(httpx.get(f"{host.base}/readyz", timeout=10).json()["search"]["caught_up"])


def _until(what: str, done: Callable[[], bool], within: float = VISIBLE_WITHIN) -> float:
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > within:
            pytest.fail(f"{what}: not within {within:.1f} s")
        time.sleep(0.05)
    return time.monotonic() - start


def _log_end(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.text("SELECT COALESCE(MAX(id), 0) FROM search_changes")))
    finally:
        engine.dispose()


def _metric(host: Host, name: str) -> float:
    text = httpx.get(f"{host.base}/metrics", timeout=10).text
    found = re.search(rf"^{name} ([\d.e+-]+)$", text, re.M)
    assert found, f"{name} not in {host.name}'s /metrics"
    return float(found.group(1))


def test_an_approval_on_one_host_is_searchable_on_the_other(pair: Pair) -> None:
    one, two = pair.hosts
    ref = _import(one, pair.tokens["import"], 515151, "quokkaledgers")
    assert not _found(one, "quokkaledgers", ref) and not _found(two, "quokkaledgers", ref)
    _review(one, pair.tokens["review"], ref, "approve")
    for host in pair.hosts:
        seen = _until(f"approval on {host.name}", partial(_found, host, "quokkaledgers", ref))
        print(f"approval searchable on {host.name} after {seen:.2f} s")
    end = _log_end(pair.url)
    for host in pair.hosts:
        _until(f"{host.name} caught up", partial(_caught_up, host))
        ready = httpx.get(f"{host.base}/readyz").json()
        assert ready["search"]["position"] == end and ready["search"]["behind"] == 0
        assert _metric(host, "alphanode_search_log_position") == end
        assert _metric(host, "alphanode_search_log_behind") == 0
    # A retraction (from the CLI on host 2) leaves both.
    _retract(two, ref)
    for host in pair.hosts:
        _until(f"retraction on {host.name}", partial(_gone, host, "quokkaledgers", ref))


def test_a_stopped_host_catches_up_on_its_own(pair: Pair) -> None:
    one, two = pair.hosts
    words = ["wombatfilters", "narwhalqueues", "ibexsockets", "lemurcaches"]
    refs = [_import(one, pair.tokens["import"], 616160 + i, w) for i, w in enumerate(words)]
    _review(one, pair.tokens["review"], refs[0], "approve")
    _until("first approval on host2", partial(_found, two, words[0], refs[0]))
    two.stop()
    for ref in refs[1:]:
        _review(one, pair.tokens["review"], ref, "approve")
    _retract(one, refs[0])
    two.start()  # its index and position are where it stopped: it follows from there
    for word, ref in zip(words[1:], refs[1:], strict=True):
        _until(f"{word} on the restarted host", partial(_found, two, word, ref))
    _until("retraction on the restarted host", partial(_gone, two, words[0], refs[0]))
    ready = httpx.get(f"{two.base}/readyz").json()
    assert ready["status"] == "ready" and ready["search"]["position"] == _log_end(pair.url)
