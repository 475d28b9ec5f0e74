"""A seeded site shared by the page tests, an in-process HTTP client and a live server."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.web.app import create_app
from tests.browser import chromium
from tests.conftest import make_site, postgres_database
from tests.helpers import SEED_REF, seed_text, variant, wait_until_serving

HOSTILE_REF = "anp-ref-666666-6666"
PENDING_REF = "anp-ref-000777-0000"
REJECTED_REF = "anp-ref-000778-0000"
SEED_SLUG = (
    "production-checklist-for-documenting-production-defaults-in-python-services-maintenance-guide"
)


def hostile_page() -> str:
    text = variant(666666).replace("anp-ref-666666-0000", HOSTILE_REF)
    text = text.replace(
        "production checklist for documenting production defaults in python services: "
        "maintenance guide",
        '<script>window.pwned = 1</script> hostile title <img src=x onerror="window.pwned=2">',
        1,
    )
    text = text.replace(
        "keep the implementation boring on purpose.",
        '<script>window.pwned = 3</script><a href="javascript:window.pwned=4">click me</a>.',
        1,
    )
    text = text.replace(
        "https://placehold.co/1200x630/png?text=documenting+production+defaults+with+pytho",
        "javascript:window.pwned=5",
    )
    text = text.replace(
        "summarythis ai-style technical summary",
        'summary<img src=x onerror="window.pwned=7"> hostile summary',
        1,
    )
    text = text.replace(
        "    • name: backend\n",
        '    • name: <svg onload="window.pwned=8">backend</svg>\n',
        1,
    )
    return text.replace("  • fastapi\n", '  • <b onmouseover="window.pwned=6">fastapi</b>\n', 1)


@dataclass
class Site:
    url: str
    settings: Settings
    path: Path


def build_site(directory: Path, url: str | None = None) -> Site:
    directory.mkdir(parents=True, exist_ok=True)
    url = url or f"sqlite:///{directory / 'site.db'}"
    # The search index lives beside the site (PostgreSQL has no file to put it next to).
    index = str(directory / "search")
    settings = Settings.load(env={}, database_url=url, search_index_path=index)
    pages = directory / "pages"
    pages.mkdir()
    (pages / "seed.txt").write_text(seed_text(), "utf-8")
    for n in range(1, 26):
        topic = "caching" if n % 2 else "logging"
        title = f"how to tune {topic} in python services part {n}"
        (pages / f"v{n:03d}.txt").write_text(variant(n, title=title, own_body=True), "utf-8")
    (pages / "hostile.txt").write_text(hostile_page(), "utf-8")
    engine = open_database(settings)
    runtime = make_site(settings, engine)
    importer.import_sources(engine, settings, resolve([str(pages)]))
    review.approve_all_pending(engine, "test-reviewer", "seeded for tests")
    runtime.index_pending()
    # A pending and a rejected post: never public.
    extra = directory / "extra"
    extra.mkdir()
    (extra / "pending.txt").write_text(variant(777, title="pending secret post"), "utf-8")
    (extra / "rejected.txt").write_text(variant(778, title="rejected secret post"), "utf-8")
    importer.import_sources(engine, settings, resolve([str(extra)]))
    review.reject(engine, REJECTED_REF, "test-reviewer", "not good enough")
    runtime.index_pending()
    engine.dispose()
    assert SEED_REF
    return Site(url, settings, directory)


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin: Engine | None,
) -> Iterator[Site]:
    """The seeded site every page test reads, once on SQLite and once on PostgreSQL."""
    yield from seeded_site(request, tmp_path_factory, postgres_admin, "site")


def seeded_site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin: Engine | None,
    name: str,
) -> Iterator[Site]:
    """For fixtures parametrized on the database: ``build_site`` on the one asked for."""
    directory = tmp_path_factory.mktemp(f"{name}-{request.param}")
    if request.param == "sqlite":
        yield build_site(directory)
        return
    with postgres_database(postgres_admin) as url:
        yield build_site(directory, url)


class Client:
    """Real HTTP requests through the ASGI app (httpx's ASGI transport), called synchronously."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.request(method, url, **kwargs)

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(go())
        # A loop runs in this thread already (Playwright's sync API, while a module's browser
        # is open): run the request on a thread of its own.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, go()).result()

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def close(self) -> None:
        self.app.state.site.close()  # its engine, replicas and search index
        self.app.state.engine.dispose()


@pytest.fixture(scope="session")
def client(site: Site) -> Iterator[Client]:
    c = Client(site.settings)
    yield c
    c.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(site: Site) -> Iterator[str]:
    """``alphanode serve`` in a subprocess: what a browser talks to."""
    yield from serving(site)


def serving(site: Site, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """``alphanode serve`` on ``site`` in a subprocess, for the life of the generator."""
    port = free_port()
    env = {
        **os.environ,
        **(extra_env or {}),
        "ALPHANODE_DATABASE_URL": site.url,
        "ALPHANODE_SEARCH_INDEX_PATH": str(site.settings.search_index_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "alphanode", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base, proc, "/robots.txt")
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for the page tests of a module (one launch, tests/browser.py)."""
    with chromium() as b:
        yield b
