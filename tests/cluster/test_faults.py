"""Faults across hosts: imports racing on two hosts, and hosts killed with SIGKILL mid-work.

Every case ends the same way: ``alphanode check`` finds nothing wrong, every document is
stored once with its revisions numbered 1, 2, … in order, nothing is approved twice, and the
next run converges (a rerun of the same import says ``unchanged``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.cluster.conftest import Cluster
from tests.helpers import variant

pytestmark = [pytest.mark.postgres, pytest.mark.cluster, pytest.mark.slow]

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)


def _finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def _scalar(cluster: Cluster, sql: str, **params: object) -> int:
    engine = sa.create_engine(cluster.url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql), params).scalar_one())
    finally:
        engine.dispose()


def _assert_consistent(cluster: Cluster, posts: int) -> None:
    """Stored once each, revisions 1..n without gaps or repeats, nothing approved twice."""
    assert _scalar(cluster, "SELECT COUNT(*) FROM posts") == posts
    gaps = _scalar(
        cluster,
        "SELECT COUNT(*) FROM (SELECT post_id, COUNT(*) AS n, MAX(number) AS top, "
        "COUNT(DISTINCT number) AS d FROM revisions GROUP BY post_id) r "
        "WHERE r.n <> r.top OR r.d <> r.n",
    )
    assert gaps == 0, "revision numbers must be 1..n for every post"
    twice = _scalar(
        cluster,
        "SELECT COUNT(*) FROM (SELECT post_id, revision FROM review_log WHERE action = 'approve' "
        "GROUP BY post_id, revision HAVING COUNT(*) > 1) t",
    )
    assert twice == 0, "a revision was approved twice"
    check = subprocess.run(
        [sys.executable, "-m", "alphanode", "--db", cluster.url, "check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def _pages(directory: Path, numbers: range, edited: frozenset[int] = frozenset()) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        title = f"how to tune overlap widget {n} in python services"
        if n in edited:
            title += " (second edition)"
        (directory / f"p{n:04d}.txt").write_text(variant(n, title=title, own_body=True), "utf-8")
    return directory


@pytest.mark.hosts(2)
def test_imports_racing_on_two_hosts_store_every_document_once(
    cluster: Cluster, tmp_path: Path
) -> None:
    one, two = cluster.hosts
    # Overlapping sets: 40..79 are in both; 60..79 differ (an edit on host 2's side).
    a = _pages(tmp_path / "a", range(0, 80))
    b = _pages(tmp_path / "b", range(40, 120), edited=frozenset(range(60, 80)))
    first = one.cli("import", str(a), "--json")
    second = two.cli("import", str(b), "--json")
    results = [_finish(first), _finish(second)]
    for code, _out, err in results:
        assert code == 0, err
    reports = [json.loads(out) for _, out, _ in results]
    stored = sum(r["imported"] for r in reports)
    assert stored == 120, reports  # every document made a post exactly once
    _assert_consistent(cluster, 120)
    # The edited ones hold both versions (in either order), the others one: never a third.
    assert _scalar(cluster, "SELECT COUNT(*) FROM revisions") == 120 + 20
    assert _scalar(cluster, "SELECT MAX(number) FROM revisions") == 2
    # The next run converges: nothing new on either host.
    again = [
        _finish(one.cli("import", str(a), "--json")),
        _finish(two.cli("import", str(b), "--json")),
    ]
    for code, out, err in again:
        assert code == 0, err
        report = json.loads(out)
        assert report["imported"] == 0
    _assert_consistent(cluster, 120)


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool], within: float = 120) -> None:
    deadline = time.monotonic() + within
    while not ready():
        assert proc.poll() is None, "the command finished before it could be killed"
        assert time.monotonic() < deadline, "the command never reached the kill point"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


def _synth(path: Path, count: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "alphanode",
            "synth",
            "--count",
            str(count),
            "--seed",
            "7",
            "--format",
            "jsonl",
            "--out",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return path


@pytest.mark.hosts(1)
def test_sigkill_during_an_import_leaves_nothing_half_done(
    cluster: Cluster, tmp_path: Path
) -> None:
    (host,) = cluster.hosts
    source = _synth(tmp_path / "docs.jsonl", 3000)
    running = host.cli("import", str(source), "--json")
    _kill_when(running, lambda: _scalar(cluster, "SELECT COUNT(*) FROM posts") > 0)
    stored = _scalar(cluster, "SELECT COUNT(*) FROM posts")
    assert 0 < stored < 3000, "killed mid-import: some batches in, not all"
    _assert_consistent(cluster, stored)
    code, out, err = _finish(host.cli("import", str(source), "--json"))
    assert code == 0, err
    report = json.loads(out)
    assert report["imported"] == 3000 - stored and report["unchanged"] == stored
    _assert_consistent(cluster, 3000)
    code, out, err = _finish(host.cli("import", str(source), "--json"))
    assert json.loads(out)["unchanged"] == 3000


@pytest.mark.hosts(2)
def test_sigkill_during_a_bulk_approval_then_the_other_host_converges(
    cluster: Cluster, tmp_path: Path
) -> None:
    one, two = cluster.hosts
    source = _synth(tmp_path / "docs.jsonl", 3000)
    code, _, err = _finish(one.cli("import", str(source), "--json"))
    assert code == 0, err
    live = "SELECT COUNT(*) FROM posts WHERE live_revision IS NOT NULL"
    running = one.cli("review", "approve", "--all-pending", "--as", "rita", "--note", "bulk")
    _kill_when(running, lambda: _scalar(cluster, live) > 0)
    approved = _scalar(cluster, live)
    assert 0 < approved < 3000, "killed mid-approval: some chunks in, not all"
    _assert_consistent(cluster, 3000)
    # The other host finishes the job; the first host's chunks are not approved again.
    code, _, err = _finish(
        two.cli("review", "approve", "--all-pending", "--as", "rita", "--note", "bulk")
    )
    assert code == 0, err
    assert _scalar(cluster, live) == 3000
    _assert_consistent(cluster, 3000)
    # Every host serves the same: the newest post is on each home page.
    newest = httpx.get(f"{one.base}/api/v1/posts", params={"limit": 1}).json()
    assert httpx.get(f"{two.base}/api/v1/posts", params={"limit": 1}).json() == newest


def test_sigkill_of_a_serving_host_loses_at_most_its_unflushed_views(cluster: Cluster) -> None:
    hosts = cluster.hosts
    ref = "anp-ref-454545-0000"
    title = "how to tune killswitch counters in python services"
    text = variant(454545, title=title, own_body=True)
    r = httpx.post(
        f"{hosts[0].base}/api/v1/import",
        content=text.encode(),
        headers={"authorization": f"Bearer {cluster.tokens['import']}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    r = httpx.post(
        f"{hosts[0].base}/api/v1/posts/{ref}/review",
        json={"action": "approve", "note": "views"},
        headers={"authorization": f"Bearer {cluster.tokens['review']}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    slug = httpx.get(f"{hosts[0].base}/api/v1/posts/{ref}").json()["slug"]
    served = {}
    for host in hosts:
        with httpx.Client(base_url=host.base, headers={"user-agent": BROWSER}, timeout=10) as c:
            served[host.name] = sum(c.get(f"/posts/{slug}").status_code == 200 for _ in range(30))
    victim = hosts[-1]
    victim.stop(signal.SIGKILL)  # no flush: what it had not written yet is gone
    for host in hosts[:-1]:
        host.stop(signal.SIGTERM)  # flushed on the way out
    total = _views_of(cluster, ref)
    kept = sum(n for name, n in served.items() if name != victim.name)
    assert kept <= total <= kept + served[victim.name]


def _views_of(cluster: Cluster, ref: str) -> int:
    return _scalar(
        cluster,
        "SELECT COALESCE(SUM(v.views), 0) FROM post_views v JOIN posts p ON p.id = v.post_id "
        "WHERE p.ref = :ref",
        ref=ref,
    )
