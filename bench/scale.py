"""The life of a site at N posts, phase by phase, each beside a baseline from the same run.

    .venv/bin/python bench/scale.py [--count 1000000] [--phases synth,import,...]
        [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres] [--seconds 10] [--json]
        [--more 1000] [--work DIR]

Phases (in this order; ``--phases`` chooses a subset, later phases need the earlier ones'
database): synth (JSONL of N normal documents) → import (near-duplicate detection on;
baseline: bare executemany of the same posts and revisions rows) → approve (all pending, in
bulk) → reindex (search index and every Similar Posts list; baseline: a bare tantivy build
of the same documents) → incremental (1,000 more posts imported, ``--more`` sets how many,
then approved one by one and indexed: p50/p99 per approval, wall and CPU time, and of its
Similar Posts refresh and its search index commit) → search (500 queries: title
words and phrases taken from the synthesized bodies; p50/p99 of the search service) → serve
(wrk: one article and random articles, uncached and cached, home, search page, review queue;
baselines: the bare ASGI app and nginx serving the article's bytes, from bench/serve.py).

Prints per phase the rate, the baseline, the ratio and the peak RSS of every process
(this process, its children, each server's processes from /proc), then the database and
index sizes. Progress lines go to stderr.

``--work DIR`` keeps the site (database, index, JSONL) in DIR instead of a temporary
directory that is removed at the end: a later run given the same DIR (a copy of it, for
phases that change the site) can run only the later phases, e.g. ``--phases incremental``.
Each phase's figures go to stderr as it ends, and the run so far to ``DIR/results.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa

from alphanode.formats import jsonl
from alphanode.services import accounts, importer, indexing, review, search, similar
from alphanode.services.runtime import Site
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store import outbox
from alphanode.store.engine import reading
from alphanode.store.migrate import open_database
from alphanode.store.search import tantivy_index
from alphanode.synth import generate
from alphanode.web.context import SESSION_COOKIE

BENCH = Path(__file__).resolve().parent
PHASES = ("synth", "import", "approve", "reindex", "incremental", "search", "serve")
MORE = 1_000


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sibling(name: str) -> ModuleType:
    """bench/<name>.py as a module (``import`` is a keyword, so no plain import)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None  # noqa: S101
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_rss_mib() -> dict[str, float]:
    """Peak RSS of this process and of its waited-for children (getrusage, KiB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"bench": round(own, 1), "children": round(kids, 1)}


def tree_rss_mib(root: int) -> dict[str, float]:
    """Peak RSS (VmHWM) of ``root`` and every process under it, read from /proc."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += [p for p, pp in parent.items() if pp == pid]
    out: dict[str, float] = {}
    for pid in found:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        m = re.search(r"VmHWM:\s+(\d+) kB", status)
        if m:
            out["master" if pid == root else f"worker {pid}"] = round(int(m.group(1)) / 1024, 1)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@contextmanager
def timed(owner: Any, name: str, into: list[float]) -> Iterator[None]:
    """While inside, every call of ``owner.name`` adds its wall time to ``into``."""
    real = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - t0)

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, real)


def dir_mib(path: Path) -> float:
    files = path.rglob("*") if path.is_dir() else [path]
    return round(sum(p.stat().st_size for p in files if p.is_file()) / 2**20, 1)


@contextmanager
def database(args: argparse.Namespace, work: Path) -> Iterator[str]:
    if not args.postgres:
        yield f"sqlite:///{work / 'site.db'}"
        return
    with sibling("import").postgres_db(args.postgres) as url:
        yield url


def write_jsonl(path: Path, first: int, count: int) -> tuple[int, list[str]]:
    """Normal synthesized documents (seeds first..first+count-1); returns bytes and titles."""
    size, titles = 0, list[str]()
    with path.open("w", encoding="utf-8") as fh:
        for item in generate(count, first):
            if item.rejected or item.hostile:
                continue
            line = jsonl.dumps(item.document) + "\n"
            fh.write(line)
            size += len(line)
            if len(titles) < 5_000:
                titles.append(item.document.title)
    return size, titles


def bare_tantivy(work: Path, docs: list[Any]) -> float:
    """A bare tantivy build of the same documents: four text fields, one writer, one commit."""
    import tantivy

    b = tantivy.SchemaBuilder()
    for name in ("title", "topic", "tags", "body"):
        b.add_text_field(name, stored=name == "body")
    b.add_integer_field("post_id", stored=True, indexed=True)
    schema = b.build()
    where = work / "bare-index"
    where.mkdir()
    index = tantivy.Index(schema, path=str(where))
    started = time.perf_counter()
    writer = index.writer()
    for d in docs:
        writer.add_document(
            tantivy.Document(
                post_id=d.post_id, title=d.title, topic=d.topic, tags=d.tags, body=d.body
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - started


def queries(engine: sa.Engine, titles: list[str], n: int) -> list[str]:
    """Half title words (3–6 words of a title), half phrase-like runs of body words."""
    rnd = random.Random(15)
    with reading(engine) as conn:
        ids = outbox.live_ids(conn)
        sample = rnd.sample(ids, min(len(ids), n))
        texts = outbox.live_documents(conn, sample)
    out: list[str] = []
    for k in range(n):
        if k % 2 == 0 and titles:
            words = rnd.choice(titles).split()
            start = rnd.randrange(max(1, len(words) - 3))
            out.append(" ".join(words[start : start + rnd.randint(3, 6)]))
        else:
            doc = indexing.index_doc(sample[k % len(sample)], texts[sample[k % len(sample)]])[0]
            words = [w for w in re.findall(r"[a-z]+", doc.body.lower()) if len(w) > 2]
            start = rnd.randrange(max(1, len(words) - 5))
            out.append(" ".join(words[start : start + rnd.randint(2, 5)]))
    return out


def record(work: Path, out: dict[str, Any], name: str) -> None:
    """A phase's figures, as soon as it ends: on stderr, and the run so far in
    ``work/results.json`` (a long run stopped later keeps what it measured)."""
    log(f"{name} done: {json.dumps(out['phases'][name], default=str)}")
    (work / "results.json").write_text(json.dumps(out, default=str, indent=1), "utf-8")


def run(args: argparse.Namespace, work: Path, url: str) -> dict[str, Any]:  # noqa: C901 - the phases, in order
    phases = set(args.phases)
    out: dict[str, Any] = {"count": args.count, "database": url.split(":")[0], "phases": {}}
    res = out["phases"]
    src = work / "docs.jsonl"
    settings = Settings.load(
        env={}, database_url=url, search_sync_seconds=0, search_index_path=str(work / "index")
    )
    engine = open_database(settings)
    titles: list[str] = []
    if "synth" in phases:
        log(f"synth: {args.count:,} documents")
        t0 = time.perf_counter()
        size, titles = write_jsonl(src, 1, args.count)
        s = time.perf_counter() - t0
        res["synth"] = {"docs_s": round(args.count / s), "mb": round(size / 1e6, 1), "s": s}
        record(work, out, "synth")
    if "import" in phases:
        log("import: near-duplicate detection on")
        report = importer.import_sources(engine, settings, resolve([str(src)]))
        n = report.imported
        with engine.connect() as conn:
            rows = [
                tuple(r)
                for r in conn.execute(
                    sa.text(
                        "SELECT p.ref, p.slug, p.title, p.content_hash, r.document FROM posts p "
                        "JOIN revisions r ON r.post_id = p.id AND r.number = 1 ORDER BY p.id"
                    )
                )
            ]
        log("import baseline: bare executemany of the same rows")
        bench_import = sibling("import")
        if args.postgres:
            with bench_import.postgres_db(args.postgres) as base_url:
                base = bench_import.baseline_postgres(base_url, rows)
        else:
            base = bench_import.baseline(work / "bare.db", rows)
        del rows
        rate = n / report.seconds
        res["import"] = {
            "docs": n,
            "docs_s": round(rate),
            "baseline_docs_s": round(n / base),
            "ratio": round(rate / (n / base), 3),
            "rss_mib": peak_rss_mib(),
        }
        record(work, out, "import")
    if "approve" in phases:
        log("approve: all pending, in bulk")
        t0 = time.perf_counter()

        def tick(done: int, total: int) -> None:
            if done % 20_000 < 1_000 or done == total:
                log(f"approve: {done:,}/{total:,}")

        n = review.approve_all_pending(engine, "bench", "scale", progress=tick)
        s = time.perf_counter() - t0
        res["approve"] = {"posts": n, "s": round(s, 1), "posts_s": round(n / s)}
        res["approve"]["rss_mib"] = peak_rss_mib()
        record(work, out, "approve")
    site = Site(settings, engine=engine)
    if "reindex" in phases:
        log("reindex: search index and every Similar Posts list")
        t0 = time.perf_counter()
        report_ix = indexing.reindex(site)
        s = time.perf_counter() - t0
        with reading(engine) as conn:
            ids = outbox.live_ids(conn)
            texts = outbox.live_documents(conn, ids)
        docs = [indexing.index_doc(pid, texts[pid])[0] for pid in ids]
        del texts
        log("reindex baseline: bare tantivy build of the same documents")
        base = bare_tantivy(work, docs)
        res["reindex"] = {
            "posts": len(docs),
            "s": round(s, 1),
            "posts_s": round(len(docs) / s),
            "lists": report_ix.lists,
            "baseline_tantivy_posts_s": round(len(docs) / base),
            "ratio": round(base / s, 4),
            "rss_mib": peak_rss_mib(),
        }
        record(work, out, "reindex")
        del docs
    if "incremental" in phases:
        log(f"incremental: {args.more:,} more posts approved one by one")
        more = work / "more.jsonl"
        write_jsonl(more, args.count + 1, args.more)
        importer.import_sources(engine, settings, resolve([str(more)]))
        times: list[float] = []
        cpu: list[float] = []  # this process's CPU time per approval (SQLite runs inside it)
        lists: list[float] = []  # of each approval: the Similar Posts refresh
        commits: list[float] = []  # and the search index's commit
        with timed(similar, "refresh", lists), timed(tantivy_index._Writer, "commit", commits):
            for ref in review.pending(engine)[: args.more]:
                t0, c0 = time.perf_counter(), time.process_time()
                review.approve(engine, ref, "bench", "one by one")
                site.index_pending()
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        res["incremental"] = {
            "approvals": len(times),
            "p50_ms": round(pct(times, 0.5) * 1000, 2),
            "p99_ms": round(pct(times, 0.99) * 1000, 2),
            "cpu_p50_ms": round(pct(cpu, 0.5) * 1000, 2),
            "cpu_p99_ms": round(pct(cpu, 0.99) * 1000, 2),
            "similar_refresh_p50_ms": round(pct(lists, 0.5) * 1000, 2),
            "similar_refresh_p99_ms": round(pct(lists, 0.99) * 1000, 2),
            "index_commit_p50_ms": round(pct(commits, 0.5) * 1000, 2),
            "index_commit_p99_ms": round(pct(commits, 0.99) * 1000, 2),
        }
        record(work, out, "incremental")
    if "search" in phases:
        if not titles:
            with engine.connect() as conn:
                titles = list(conn.scalars(sa.text("SELECT title FROM posts LIMIT 5000")))
        qs = queries(engine, titles, args.queries)
        times, empty = [], 0
        for q in qs:
            t0 = time.perf_counter()
            page = search.search(site, q)
            times.append(time.perf_counter() - t0)
            empty += not page.hits
        res["search"] = {
            "queries": len(qs),
            "p50_ms": round(pct(times, 0.5) * 1000, 2),
            "p99_ms": round(pct(times, 0.99) * 1000, 2),
            "no_hits": empty,
            "example": qs[:4],
        }
        record(work, out, "search")
    site.close()
    if "serve" in phases:
        res["serve"] = serve_phase(args, work, url, engine)
        record(work, out, "serve")
    out["rss_mib"] = peak_rss_mib()
    if not args.postgres:
        db = work / "site.db"
        out["db_mib"] = dir_mib(db)
        posts = int(engine.connect().scalar(sa.text("SELECT count(*) FROM posts")) or 0)
        out["db_bytes_per_post"] = round(db.stat().st_size / max(1, posts))
    out["index_mib"] = dir_mib(work / "index") if (work / "index").exists() else None
    engine.dispose()
    return out


def wrk_paths(
    paths: list[str], base: str, seconds: int, connections: int, cookie: str = ""
) -> dict[str, Any]:
    """wrk over many paths (a Lua script picks one at random per request); ``cookie`` is
    sent with every request when given (a signed-in reviewer's session)."""
    serve = sibling("serve")
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        "paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
        "request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
    )
    try:
        text = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                str(script),
                "-H",
                f"User-Agent: {serve.BROWSER}",
                *(["-H", f"Cookie: {cookie}"] if cookie else []),
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        script.unlink()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)", text, re.M)
    ms = float("nan")
    if p99:
        v, unit = float(p99.group(1)), p99.group(2)
        ms = v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "rps": float(rps.group(1)) if rps else float("nan"),
        "p99_ms": round(ms, 2),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def reviewer_cookie(url: str, engine: sa.Engine) -> str:
    """A signed-in reviewer's session cookie, for the review queue (a private screen: without
    it every request is a 401, which is not what an operator's reviewers see)."""
    site = Site(Settings.load(env={}, database_url=url), engine=engine)
    name = f"bench-reviewer-{secrets.token_hex(4)}"  # a new one per run: kept sites too
    password = accounts.add_user(site, name, "reviewer")
    token, _ = accounts.login(site, name, password, "127.0.0.1")
    return f"{SESSION_COOKIE}={token}"


def serve_phase(args: argparse.Namespace, work: Path, url: str, engine: sa.Engine) -> list[Any]:
    serve = sibling("serve")
    cookie = reviewer_cookie(url, engine)
    with engine.connect() as conn:
        slugs = list(
            conn.scalars(
                sa.text(
                    "SELECT slug FROM posts WHERE status = 'approved' ORDER BY random() LIMIT 2000"
                )
            )
        )
    rows: list[Any] = []
    article = b""
    article_cases = [
        ("one article", [f"/posts/{slugs[0]}"]),
        ("random articles", [f"/posts/{s}" for s in slugs]),
    ]
    all_cases = [
        *article_cases,
        ("home", ["/"]),
        ("search page", ["/search?q=caching+python", "/search?q=retry+budget"]),
        ("review queue", ["/review"]),
    ]
    # Servers in turn: the page cache off with page fragments off too (every part of every
    # page rendered per request: the same-run "before"), the page cache off (pages assembled
    # from kept fragments), then everything on.
    configs = [
        (
            "uncached, fragments off",
            {"ALPHANODE_PAGE_CACHE_ENTRIES": "0", "ALPHANODE_PAGE_FRAGMENTS": "false"},
            article_cases,
        ),
        ("uncached", {"ALPHANODE_PAGE_CACHE_ENTRIES": "0"}, all_cases),
        ("cached", {}, all_cases),
    ]
    for label, extra, cases in configs:
        if args.serve_cases == "articles":
            cases = article_cases
        env = {
            **os.environ,
            "ALPHANODE_DATABASE_URL": url,
            "ALPHANODE_LOG_FORMAT": "json",
            "ALPHANODE_SEARCH_INDEX_PATH": str(work / "index"),
        }
        env.pop("ALPHANODE_PAGE_CACHE_ENTRIES", None)
        env.pop("ALPHANODE_PAGE_FRAGMENTS", None)
        env.update(extra)
        port = serve.free_port()
        base = f"http://127.0.0.1:{port}"
        log_file = work / f"serve-{label.replace(', ', '-').replace(' ', '-')}.log"
        proc = serve.serve(
            [
                sys.executable,
                "-m",
                "alphanode",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env,
            log_file,
        )
        try:
            serve.wait_up(base + f"/posts/{slugs[0]}", proc, log_file)
            article = serve.fetch(base + f"/posts/{slugs[0]}")[0]
            if "fragments off" not in label:
                # Every sampled article viewed once, so its parts are kept (the first view
                # renders them; the worker's flush writes them a moment later).
                log(f"serve {label}: viewing {len(slugs)} articles once")
                for s in slugs:
                    serve.fetch(base + f"/posts/{s}")
                time.sleep(3)
            for name, paths in cases:
                log(f"serve {label}: {name}")
                signed_in = cookie if name == "review queue" else ""
                wrk_paths(paths, base, 2, args.connections, signed_in)  # warm-up
                row = wrk_paths(paths, base, args.seconds, args.connections, signed_in)
                rows.append({"case": f"{name}, {label}", **row})
            rows.append({"case": f"RSS {label} server", "rss_mib": tree_rss_mib(proc.pid)})
        finally:
            serve.stop(proc)
    (work / "body.html").write_bytes(article)
    ns = argparse.Namespace(
        seconds=args.seconds, connections=args.connections, workers=args.workers
    )
    bare = serve.bare_phase(work, work / "body.html", ns)
    rows.append(bare)
    rows.append(serve.nginx_phase(work, article, ns))
    for row in rows:
        if "rps" in row and bare.get("rps"):
            row["x_bare"] = round(row["rps"] / bare["rps"], 3)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset")
    ap.add_argument("--postgres", metavar="ADMIN_URL", help="run on PostgreSQL instead")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--seconds", type=int, default=10, help="wrk seconds per serve case")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--serve-cases",
        choices=("all", "articles"),
        default="all",
        help="serve: every case, or only the article pages",
    )
    ap.add_argument("--more", type=int, default=MORE, help="incremental: posts approved one by one")
    ap.add_argument(
        "--work", type=Path, help="keep the site in this directory (reused by a later run)"
    )
    ap.add_argument("--json", action="store_true", help="print only the JSON summary")
    args = ap.parse_args()
    args.phases = [p for p in args.phases.split(",") if p]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        ap.error(f"unknown phases {sorted(unknown)}; choose from {','.join(PHASES)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="alphanode-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        with database(args, work) as url:
            out = run(args, work, url)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if not args.json:
        for name, figures in out["phases"].items():
            print(f"{name:<12} {json.dumps(figures, default=str)}")
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
