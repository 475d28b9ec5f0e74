"""Uncached reader pages of a kept site, in process: ms per page beside a page with no reads.

    nice .venv/bin/python bench/pages.py WORK [--repeat 7] [--sql] [--fragments] [--json]
        [--paths /,/search?q=caching+python,...]

``WORK`` is a site kept by ``bench/scale.py --work WORK`` (``site.db`` and ``index``). The
real ASGI app (``create_app``, page cache off: ``page_cache_entries=0``; kept page fragments
off unless ``--fragments``) answers each path through httpx's ASGI transport; page handlers
run on the event loop's thread here (no thread pool), so the figure is the page's own work.
Per path: the best and the median of ``--repeat`` requests after one warm-up request (an
article path cycles through five live articles, so each request renders a page); baseline,
same run: ``/robots.txt`` (the same app and middleware, no database read). ``--sql`` adds
the statements that took the most time per request.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

BASELINE = "/robots.txt"


def run_handlers_inline() -> None:
    """Handlers on the event loop's thread: one request at a time, nothing to wait for."""
    import fastapi.routing
    import starlette.concurrency

    import alphanode.web.routes.search as search_routes

    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    for module in (fastapi.routing, starlette.concurrency, search_routes):
        setattr(module, "run_in_threadpool", inline)  # noqa: B010 - a module attribute


def default_paths(slugs: list[str]) -> list[str]:
    return [
        f"/posts/{slugs[0]}",
        "/",
        "/search?q=caching+python",
        "/search?q=retry+budget",
        "/difficulty/intermediate",
        "/topics/warming-caches-after-deploys",
        "/feed.xml",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", type=Path)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--sql", action="store_true", help="the slowest statements per path")
    ap.add_argument("--fragments", action="store_true", help="kept page fragments on")
    ap.add_argument("--paths", default="", help="comma-separated; default: a set of pages")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    os.environ["ALPHANODE_DATABASE_URL"] = f"sqlite:///{args.work / 'site.db'}"
    os.environ["ALPHANODE_SEARCH_INDEX_PATH"] = str(args.work / "index")
    os.environ["ALPHANODE_PAGE_CACHE_ENTRIES"] = "0"
    os.environ["ALPHANODE_PAGE_FRAGMENTS"] = "true" if args.fragments else "false"
    run_handlers_inline()

    from alphanode.settings import Settings
    from alphanode.web.app import create_app

    with Path(os.devnull).open("w") as quiet:
        app = create_app(Settings.load(), quiet)
        engine: sa.Engine = app.state.engine
        with engine.connect() as conn:
            slugs = list(
                conn.scalars(
                    sa.text(
                        "SELECT slug FROM posts WHERE status = 'approved' "
                        "ORDER BY id LIMIT 5 OFFSET 1000"
                    )
                )
            )
        paths = args.paths.split(",") if args.paths else default_paths(slugs)
        statements: dict[str, list[float]] = collections.defaultdict(list)
        if args.sql:
            watch(engine, statements)
        rows = asyncio.run(measure(app, [BASELINE, *paths], slugs, args.repeat, statements))
    base = rows[0]["best_ms"]
    for row in rows:
        row["x_baseline"] = round(row["best_ms"] / base, 1) if base else None
    if args.json:
        print(json.dumps(rows))
        return
    for row in rows:
        print(
            f"{row['path'][:60]:60s} {row['status']} best {row['best_ms']:8.2f} ms"
            f"  median {row['median_ms']:8.2f} ms  ×{row['x_baseline']} {BASELINE}"
        )
        for ms, stmt in row.get("sql", []):
            print(f"      {ms:8.2f} ms/request  {stmt}")


def watch(engine: sa.Engine, statements: dict[str, list[float]]) -> None:
    def before(conn: Any, *_: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        took = (time.perf_counter() - conn.info["bench_t0"]) * 1000
        statements[" ".join(statement.split())[:160]].append(took)

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)


async def measure(
    app: Any, paths: list[str], slugs: list[str], repeat: int, statements: dict[str, list[float]]
) -> list[dict[str, Any]]:
    transport = httpx.ASGITransport(app=app)
    rows = []
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for path in paths:
            await client.get(path)  # warm-up
            statements.clear()
            times, status = [], 0
            for i in range(repeat):
                asked = path
                if path.startswith("/posts/") and path == f"/posts/{slugs[0]}":
                    asked = f"/posts/{slugs[i % len(slugs)]}"
                started = time.perf_counter()
                status = (await client.get(asked)).status_code
                times.append((time.perf_counter() - started) * 1000)
            row: dict[str, Any] = {
                "path": path,
                "status": status,
                "best_ms": round(min(times), 2),
                "median_ms": round(statistics.median(times), 2),
            }
            if statements:
                top = sorted(statements.items(), key=lambda kv: -sum(kv[1]))[:4]
                row["sql"] = [(round(sum(t) / repeat, 2), s) for s, t in top]
            rows.append(row)
    return rows


if __name__ == "__main__":
    main()
