"""Several importers at once on overlapping input, with the site serving: nothing lost, nothing
duplicated."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from alphanode.services import importer
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.store.schema import posts, revisions
from alphanode.synth import generate


def _import(url: str, path: str, out: str) -> None:
    settings = Settings.load(env={}, database_url=url).replace(import_batch_size=25)
    engine = open_database(settings)
    report = importer.import_sources(engine, settings, resolve([path]))
    Path(out).write_text(json.dumps(report.counts()))
    engine.dispose()


def _edited(line: str) -> str:
    data = json.loads(line)
    data["title"] = "edited: " + data["title"]
    return json.dumps(data)


@pytest.mark.slow
def test_four_importers_on_overlapping_input(database_url: str, tmp_path: Path) -> None:
    open_database(Settings.load(env={}, database_url=database_url)).dispose()
    docs = [item.to_json() for item in generate(300, 1)]
    # Each importer gets 150 documents; neighbours share half of them, and importer 3 also
    # carries edited versions of documents importers 0 and 1 have.
    inputs = []
    for k in range(4):
        chosen = docs[k * 50 : k * 50 + 150]
        if k == 3:
            chosen = chosen + [_edited(d) for d in docs[:20]]
        path = tmp_path / f"in-{k}.jsonl"
        path.write_text("\n".join(chosen) + "\n", "utf-8")
        inputs.append(str(path))
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_import, args=(database_url, inputs[k], str(tmp_path / f"out-{k}.json")))
        for k in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
        assert p.exitcode == 0
    reports = [json.loads((tmp_path / f"out-{k}.json").read_text()) for k in range(4)]
    assert sum(r["rejected"] for r in reports) == 0
    engine = open_database(Settings.load(env={}, database_url=database_url))
    with engine.connect() as conn:
        n_posts = conn.scalar(sa.select(sa.func.count()).select_from(posts))
        n_refs = conn.scalar(sa.select(sa.func.count(sa.distinct(posts.c.ref))))
        rows = conn.execute(
            sa.select(revisions.c.post_id, revisions.c.number, revisions.c.content_hash).order_by(
                revisions.c.post_id, revisions.c.number
            )
        ).all()
        current = dict(conn.execute(sa.select(posts.c.id, posts.c.current_revision)).all())
    engine.dispose()
    assert n_posts == n_refs == 300  # every document, once
    by_post: dict[int, list[tuple[int, str]]] = {}
    for post_id, number, digest in rows:
        by_post.setdefault(post_id, []).append((number, digest))
    for post_id, revs in by_post.items():
        numbers = [n for n, _ in revs]
        assert numbers == list(range(1, len(numbers) + 1))  # no gaps, no duplicates
        assert current[post_id] == numbers[-1]
        digests = [d for _, d in revs]
        assert all(a != b for a, b in zip(digests, digests[1:], strict=False))
    # Every edited document reached the database (as a first or a later revision).
    edited_posts = sum(1 for revs in by_post.values() if len({d for _, d in revs}) == 2)
    assert edited_posts == 20
    total_new = sum(r["imported"] for r in reports)
    assert total_new == 300


@pytest.mark.slow
def test_site_serves_while_importing(database_url: str, tmp_path: Path) -> None:
    from tests.helpers import wait_until_serving
    from tests.web.conftest import free_port

    settings = Settings.load(env={}, database_url=database_url)
    open_database(settings).dispose()
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(i.to_json() for i in generate(400, 7)) + "\n", "utf-8")
    import os
    import subprocess
    import sys

    port = free_port()
    env = {**os.environ, "ALPHANODE_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "alphanode", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, server, "/robots.txt")
        ctx = multiprocessing.get_context("spawn")
        proc = ctx.Process(target=_import, args=(database_url, str(path), str(tmp_path / "o.json")))
        proc.start()
        statuses: list[int] = []
        with httpx.Client(base_url=base, timeout=10) as client:
            while proc.is_alive() and len(statuses) < 2000:
                for url in ("/", "/feed.xml", "/api/v1/posts", "/sitemap.xml"):
                    statuses.append(client.get(url).status_code)
        proc.join(timeout=120)
        assert proc.exitcode == 0
        assert statuses and set(statuses) <= {200}
    finally:
        server.terminate()
        server.wait(timeout=10)
