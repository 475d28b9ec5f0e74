"""A worker that serves readers loads what serving needs, not the full build, the importer or
PostgreSQL's driver: each is tens of MiB in every worker process (issue 15: RSS per worker)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.searchcases import write_pages

NOT_FOR_READERS = ("scipy", "numpy", "psycopg", "lxml", "feedparser", "alembic")

# Run in a fresh interpreter: this test process has imported everything already.
_WORKER = """
import json, os, sys
from starlette.testclient import TestClient
from alphanode.web.app import create_app_from_env
with TestClient(create_app_from_env()) as client:
    statuses = [client.get(path).status_code for path in sys.argv[1:]]
print(json.dumps({"statuses": statuses, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_a_reader_serving_worker_does_not_load_the_build_the_importer_or_psycopg(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'site.db'}"
    settings = Settings.load(env={}, database_url=url)
    engine = open_database(settings)
    write_pages(tmp_path / "pages", 12)
    importer.import_sources(engine, settings, resolve([str(tmp_path / "pages")]))
    review.approve_all_pending(engine, "tester", "")
    with engine.connect() as conn:
        slug = conn.exec_driver_sql("SELECT slug FROM posts LIMIT 1").scalar_one()
    engine.dispose()
    env = {"ALPHANODE_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    paths = ["/", f"/posts/{slug}", "/search?q=caching+slow+queries+in+production", "/feed.xml"]
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, *paths],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["statuses"] == [200, 200, 200, 200]
    assert "tantivy" in seen["modules"] and "sqlalchemy" in seen["modules"]  # it did serve
    assert [m for m in NOT_FOR_READERS if m in seen["modules"]] == []
