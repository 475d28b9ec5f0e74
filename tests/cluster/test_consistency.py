"""What one host changes, every host serves, within the documented delay; nothing is lost.

Three ``alphanode serve`` hosts in their own network namespaces on one PostgreSQL (see
``conftest.py``). Changes are made through one host (the JSON API, or the CLI beside it, as
an operator would) and read back from every host over its own address.
"""

from __future__ import annotations

import concurrent.futures
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial

import httpx
import pytest
import sqlalchemy as sa

from tests.cluster.conftest import HOST_ENV, Cluster, Host
from tests.helpers import variant

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
# The documented delays (docs/cache-rules.md, `alphanode defaults`): pages within
# page_cache_check_seconds, search within search_sync_seconds of the change, plus the time
# one request takes on a loaded machine.
VISIBLE_WITHIN = float(HOST_ENV["ALPHANODE_PAGE_CACHE_CHECK_SECONDS"]) + 0.5 + 5.0


def _import(host: Host, token: str, text: str) -> dict[str, object]:
    r = httpx.post(
        f"{host.base}/api/v1/import",
        content=text.encode(),
        headers={"authorization": f"Bearer {token}", "content-type": "text/plain"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def _review(host: Host, token: str, ref: str, action: str) -> None:
    r = httpx.post(
        f"{host.base}/api/v1/posts/{ref}/review",
        json={"action": action, "note": "cluster test"},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text


def _cli(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alphanode", "--db", cluster.url, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _until(what: str, missing: Callable[[], list[str]], within: float = VISIBLE_WITHIN) -> float:
    """Seconds until ``missing()`` is empty; fails the test, naming what was still missing,
    if it was not within ``within``."""
    start = time.monotonic()
    while True:
        left = missing()
        if not left:
            return time.monotonic() - start
        if time.monotonic() - start > within:
            pytest.fail(f"{what}: still missing after {within:.1f} s: {', '.join(left)}")
        time.sleep(0.1)


def _surfaces(host: Host, ref: str, slug: str, word: str) -> dict[str, str]:
    """What each public surface of ``host`` shows of the post (its title, or "")."""
    with httpx.Client(base_url=host.base, timeout=10) as c:
        page = c.get(f"/posts/{slug}")
        api = c.get(f"/api/v1/posts/{ref}")
        feed = c.get("/feed.xml")
        sitemap = c.get("/sitemap.xml")
        found = c.get("/api/v1/search", params={"q": word})
    title = re.search(r"<h1[^>]*>(.*?)</h1>", page.text, re.S) if page.status_code == 200 else None
    hits = found.json().get("hits", []) if found.is_success else []
    return {
        "page": title.group(1).strip() if title else "",
        "api": str(api.json().get("title", "")) if api.status_code == 200 else "",
        "feed": "yes" if f"/posts/{slug}" in feed.text else "",
        "sitemap": "yes" if f"/posts/{slug}" in sitemap.text else "",
        "search": "yes" if any(r.get("ref") == ref for r in hits) else "",
    }


def _serving(host: Host, ref: str, slug: str, word: str, title: str) -> list[str]:
    """The surfaces of ``host`` that do not (yet) show the post with ``title``."""
    shown = _surfaces(host, ref, slug, word)
    want = {"page": title, "api": title, "feed": "yes", "sitemap": "yes", "search": "yes"}
    return [f"{k}={shown[k]!r}" for k in want if shown[k] != want[k]]


def _not_serving(host: Host, ref: str, slug: str, word: str) -> list[str]:
    """The surfaces of ``host`` that still show the post."""
    return [f"{k}={v!r}" for k, v in _surfaces(host, ref, slug, word).items() if v]


def test_every_change_on_one_host_is_served_by_every_host(cluster: Cluster) -> None:
    one, two, three = cluster.hosts
    ref = "anp-ref-424242-0000"
    title = "how to tune zeppelinwidgets in python services"
    text = variant(424242, title=title, own_body=True)
    report = _import(one, cluster.tokens["import"], text)
    assert report["imported"] == 1
    slug = re.sub(r"[^a-z0-9]+", "-", title).strip("-")
    # Pending: no host shows it.
    for host in cluster.hosts:
        assert _not_serving(host, ref, slug, "zeppelinwidgets") == []

    _review(two, cluster.tokens["review"], ref, "approve")
    for host in cluster.hosts:
        seen = _until(
            f"approval on {host.name}",
            partial(_serving, host, ref, slug, "zeppelinwidgets", title),
        )
        print(f"approval visible on {host.name} after {seen:.2f} s")

    # An edit: a new revision imported on host 3, approved on host 1.
    edited = "how to tune zeppelinwidgets in python services, revised"
    _import(three, cluster.tokens["import"], text.replace(title, edited, 1))
    for host in cluster.hosts:  # the live revision stays until the edit is approved
        assert _serving(host, ref, slug, "zeppelinwidgets", title) == []
    _review(one, cluster.tokens["review"], ref, "approve")
    for host in cluster.hosts:
        _until(
            f"edit on {host.name}", partial(_serving, host, ref, slug, "zeppelinwidgets", edited)
        )

    # A rollback from the CLI (an operator beside the hosts) brings revision 1 back.
    done = _cli(cluster, "rollback", ref, "--to", "1")
    assert done.returncode == 0, done.stderr
    listed = _cli(cluster, "review", "list", "--json")
    if ref in listed.stdout:  # a rollback is a new revision: reviewed like any other
        _review(two, cluster.tokens["review"], ref, "approve")
    for host in cluster.hosts:
        _until(
            f"rollback on {host.name}",
            partial(_serving, host, ref, slug, "zeppelinwidgets", title),
        )

    # A retraction takes it off every surface of every host.
    done = _cli(cluster, "review", "retract", ref, "--note", "cluster test", "--as", "rita")
    assert done.returncode == 0, done.stderr
    for host in cluster.hosts:
        _until(
            f"retraction on {host.name}", partial(_not_serving, host, ref, slug, "zeppelinwidgets")
        )


def _page_missing(host: Host, slug: str) -> list[str]:
    return [] if httpx.get(f"{host.base}/posts/{slug}").status_code == 200 else ["page"]


def _views(cluster: Cluster, ref: str) -> int:
    engine = sa.create_engine(cluster.url)
    try:
        with engine.connect() as conn:
            total = conn.execute(
                sa.text(
                    "SELECT COALESCE(SUM(v.views), 0) FROM post_views v "
                    "JOIN posts p ON p.id = v.post_id WHERE p.ref = :ref"
                ),
                {"ref": ref},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(total)


def test_views_from_every_host_add_up_and_sigterm_loses_none(cluster: Cluster) -> None:
    one = cluster.hosts[0]
    ref = "anp-ref-434343-0000"
    title = "how to tune quasarcounters in python services"
    _import(one, cluster.tokens["import"], variant(434343, title=title, own_body=True))
    _review(one, cluster.tokens["review"], ref, "approve")
    slug = re.sub(r"[^a-z0-9]+", "-", title).strip("-")
    for host in cluster.hosts:
        _until(
            f"approval on {host.name}",
            partial(_page_missing, host, slug),
        )

    per_host = 40

    def hit(host: Host) -> int:
        ok = 0
        with httpx.Client(base_url=host.base, headers={"user-agent": BROWSER}, timeout=10) as c:
            for _ in range(per_host):
                ok += c.get(f"/posts/{slug}").status_code == 200
        return ok

    with concurrent.futures.ThreadPoolExecutor(len(cluster.hosts)) as pool:
        served = sum(pool.map(hit, cluster.hosts))
    assert served == per_host * len(cluster.hosts)
    # Host 3 stops with SIGTERM at once: what it counted is flushed on the way out.
    assert cluster.hosts[2].stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    _until(
        "every view written",
        lambda: [] if _views(cluster, ref) == served else [str(_views(cluster, ref))],
        within=15,
    )
    assert _views(cluster, ref) == served
