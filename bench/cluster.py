"""Several ``alphanode serve`` hosts on one PostgreSQL: search, serving, catch-up, visibility.

    nice -n 10 .venv/bin/python bench/cluster.py [--count 1000] [--hosts 3] [--more 10000]
        [--queries 300] [--seconds 10] [--connections 32] [--search-backend postgres|tantivy]
        [--admin postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--json]

On a fresh PostgreSQL database (CREATE DATABASE through ``--admin``, dropped at the end) it
synthesizes and imports N posts with the CLI (``alphanode synth --count N --format jsonl |
alphanode import -``), approves them all (``alphanode review approve --all-pending``),
imports ``--more`` further posts (left pending) and a few trial posts, then starts H hosts,
each an ``alphanode serve`` process in its own network namespace (``tests/cluster/hosts.py``,
the same code the cluster tests use; loopback ports where namespaces cannot be made), and
measures, one after the other:

1. search: ``--queries`` natural-language questions made from the titles of random approved
   posts ("how do I ...?"), sent one at a time to ``/api/v1/search`` on each host in turn:
   p50/p99 of the round trip and of the server's own time (the ``ms`` of its access-log
   line for each search request);
2. pages: wrk (2 threads, ``--connections`` each) on a random mix of 2,000 approved articles
   for ``--seconds``: host 1 alone (the same-run baseline), then every host at once (one wrk
   per host): req/s per host, total and total / baseline; first with the page cache off
   (``page_cache_entries=0``, every request renders), then with hosts restarted on defaults
   (cache on);
3. visibility: each trial post approved through host 1's JSON API, then every host's
   ``/api/v1/search`` polled for its unique word: seconds until each host finds it
   (target ≤ 2 s);
4. catch-up: the last host stopped (SIGTERM), the ``--more`` pending posts approved in bulk
   by the CLI in host 1's namespace, the host started again: seconds from its start until
   it serves the newest approved post on its page, the API and search (beside the same
   figures for host 1, which stayed up, measured from the end of the approval).

``--search-backend tantivy``: every host keeps its own tantivy index (its own directory),
following the search change log (services/follower.py); the hosts' first start is each one
building its index from the live posts (``ready_s``), and the catch-up is the stopped host
applying the 10,000 rows of the log it missed. So that the setup fits a session, the
approvals are made in this process (``review.approve_all_pending``: the decisions, their
outbox and change-log rows, what the CLI command commits before it indexes) and the setup's
outbox is emptied without building Similar Posts lists (not measured here; ~9 posts/s,
see docs/benchmarks.md); during the catch-up, host 1 drains the 10,000 approvals' outbox
rows as it would (Similar Posts), on the same cores.

Progress lines go to stderr; ``--json`` prints one JSON object on stdout instead of the
table. Needs root for namespaces (else loopback), PostgreSQL, and wrk (``apt-get install
wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.cluster.hosts import Host, own_index, running_hosts  # noqa: E402

from alphanode.services import accounts, review  # noqa: E402
from alphanode.settings import Settings  # noqa: E402
from alphanode.store import outbox  # noqa: E402
from alphanode.store.engine import reading, writing  # noqa: E402
from alphanode.store.migrate import open_database  # noqa: E402

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0"
TRIALS = ("zephyrquokka", "marmotvortex", "quillfennec", "tapirnebula", "okapiglyph")
QUESTION = ("how do I", "why does", "what is the best way to", "how can I", "when should I")
Result = dict[str, Any]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def alphanode(*args: str) -> list[str]:
    return [sys.executable, "-m", "alphanode", *args]


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[k], 2)


@contextmanager
def fresh_database(admin: str) -> Iterator[str]:
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    name = f"alphanode_cluster_bench_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield engine.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def synth_import(
    url: str, count: int, seed: int, edit: Callable[[str], str] | None = None
) -> Result:
    """``alphanode synth ... | alphanode import -``; the import's JSON summary and seconds."""
    started = time.perf_counter()
    synth = subprocess.Popen(
        alphanode("synth", "--count", str(count), "--seed", str(seed), "--format", "jsonl"),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert synth.stdout is not None
    if edit is None:
        stdin: Any = synth.stdout
        text_in = None
    else:
        stdin = None
        text_in = "".join(edit(line) for line in synth.stdout)
    done = subprocess.run(
        alphanode("--db", url, "import", "-", "--json"),
        stdin=stdin,
        input=text_in,
        capture_output=True,
        text=True,
        check=False,
    )
    synth.wait()
    if synth.returncode != 0 or done.returncode != 0:
        raise RuntimeError(f"synth | import failed ({done.returncode}):\n{done.stderr[-2000:]}")
    summary: Result = json.loads(done.stdout)
    summary["s"] = round(time.perf_counter() - started, 1)
    return summary


def approve_all(command: list[str]) -> Result:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"approve failed ({done.returncode}):\n{done.stderr[-2000:]}")
    out: Result = json.loads(done.stdout)
    return out


def approve_here(url: str, drain: bool) -> Result:
    """Every pending post approved in this process (the decisions and their outbox and
    change-log rows, committed); ``drain``: the outbox emptied, no Similar Posts built."""
    engine = open_database(Settings.load(env={}, database_url=url))
    started = time.perf_counter()
    count = review.approve_all_pending(engine, "bench", "cluster bench")
    seconds = round(time.perf_counter() - started, 1)
    if drain:
        with reading(engine) as conn:
            last = outbox.last_id(conn)
        with writing(engine) as conn:
            outbox.remove_upto(conn, last)
    engine.dispose()
    return {"count": count, "seconds": seconds, "outbox_emptied": drain}


def search_caught_up(host: Host) -> bool:
    try:
        r = httpx.get(f"{host.base}/readyz", timeout=30)
    except httpx.TransportError:
        return False
    search = r.json().get("search") if r.status_code == 200 else None
    return bool(search and search.get("caught_up"))


def retitle(word: str) -> Callable[[str], str]:
    """A JSONL line with ``word`` put at the front of its title (a word no other post has)."""

    def edit(line: str) -> str:
        obj = json.loads(line)
        obj["title"] = f"{word} {obj['title']}"
        return json.dumps(obj) + "\n"

    return edit


def questions(url: str, n: int) -> list[str]:
    """``n`` questions made from random approved posts' titles."""
    rnd = random.Random(16)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        titles = list(
            conn.scalars(
                sa.text(
                    "SELECT title FROM posts WHERE status = 'approved' ORDER BY md5(ref) LIMIT :n"
                ),
                {"n": n},
            )
        )
    engine.dispose()
    out = []
    for title in titles:
        words = re.findall(r"[a-z0-9]+", title.lower())
        start = rnd.randrange(0, max(1, len(words) - 4))
        part = words[start : start + rnd.randint(3, 6)]
        out.append(f"{rnd.choice(QUESTION)} {' '.join(part)}?")
    return out


def search_phase(hosts: list[Host], qs: list[str]) -> list[Result]:
    rows = []
    for host in hosts:
        before = host.err.stat().st_size if host.err.exists() else 0
        rtt = []
        with httpx.Client(base_url=host.base, timeout=30) as c:
            for q in qs[:20]:  # warm-up: connections, plans, the server's caches of words
                c.get("/api/v1/search", params={"q": q})
            for q in qs:
                t = time.perf_counter()
                r = c.get("/api/v1/search", params={"q": q})
                rtt.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{host.name}: search {q!r} answered {r.status_code}")
        server = server_ms(host, before, "/api/v1/search")[20:]
        rows.append(
            {
                "host": host.name,
                "queries": len(qs),
                "rtt_p50_ms": pct(rtt, 50),
                "rtt_p99_ms": pct(rtt, 99),
                "server_p50_ms": pct(server, 50) if server else None,
                "server_p99_ms": pct(server, 99) if server else None,
            }
        )
        log(f"search {host.name}: {rows[-1]}")
    return rows


def server_ms(host: Host, offset: int, route: str) -> list[float]:
    """The ``ms`` of each access-log line of ``route`` written by ``host`` after ``offset``."""
    with host.err.open("rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    out = []
    for line in text.splitlines():
        if f'"route":"{route}"' in line:
            m = re.search(r'"ms":([\d.]+)', line)
            if m:
                out.append(float(m.group(1)))
    return out


def wrk_start(base: str, script: Path, seconds: int, connections: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            "-H",
            f"User-Agent: {BROWSER}",
            base,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wrk_result(proc: subprocess.Popen[str]) -> Result:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {err}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    ms = float("nan")
    if p99:
        v, unit = float(p99.group(1)), p99.group(2)
        ms = v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {
        "rps": float(rps.group(1)) if rps else float("nan"),
        "p99_ms": round(ms, 1),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + sock,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sock,
    }


def check_cache(host: Host, path: str, cached: bool) -> None:
    """The X-Cache header says what the configuration promises (hit only with the cache on)."""
    with httpx.Client(base_url=host.base, headers={"user-agent": BROWSER}, timeout=30) as c:
        seen = [c.get(path).headers.get("x-cache", "") for _ in range(3)]
    if cached != ("hit" in seen):
        raise RuntimeError(f"{host.name} {path}: X-Cache {seen}, expected cache {cached}")


def pages_phase(
    hosts: list[Host], slugs: list[str], args: argparse.Namespace, cached: bool
) -> Result:
    paths = [f"/posts/{s}" for s in slugs]
    for host in hosts:
        check_cache(host, paths[0], cached)
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        "paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
        "request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
    )
    try:
        # Warm-up, every host at once: connections, the page cache where it is on.
        for proc in [wrk_start(h.base, script, 3, args.connections) for h in hosts]:
            wrk_result(proc)
        alone = wrk_result(wrk_start(hosts[0].base, script, args.seconds, args.connections))
        log(f"pages ({'cached' if cached else 'uncached'}) host1 alone: {alone}")
        procs = [wrk_start(h.base, script, args.seconds, args.connections) for h in hosts]
        each = [wrk_result(p) for p in procs]
    finally:
        script.unlink()
    total = sum(r["rps"] for r in each)
    out = {
        "cache": "on" if cached else "off (page_cache_entries=0)",
        "alone": alone,
        "together": [{"host": h.name, **r} for h, r in zip(hosts, each, strict=True)],
        "total_rps": round(total, 1),
        "total_vs_alone": round(total / alone["rps"], 2) if alone["rps"] else None,
    }
    log(f"pages ({out['cache']}) together: {out['together']} total {total:.1f}")
    return out


def finds(host: Host, q: str, ref: str) -> bool:
    r = httpx.get(f"{host.base}/api/v1/search", params={"q": q}, timeout=30)
    return r.status_code == 200 and any(h.get("ref") == ref for h in r.json().get("hits", []))


def visibility_phase(hosts: list[Host], url: str, token: str, within: float = 30.0) -> list[Result]:
    engine = sa.create_engine(url)
    rows = []
    for word in TRIALS:
        with engine.connect() as conn:
            ref = conn.scalar(
                sa.text("SELECT ref FROM posts WHERE title LIKE :w"), {"w": f"{word} %"}
            )
        assert ref is not None, word
        for host in hosts:  # pending: nobody finds it
            if finds(host, word, ref):
                raise RuntimeError(f"{host.name} finds pending {ref}")
        started = time.monotonic()
        r = httpx.post(
            f"{hosts[0].base}/api/v1/posts/{ref}/review",
            json={"action": "approve", "note": "cluster bench"},
            headers={"authorization": f"Bearer {token}"},
            timeout=30,
        )
        if r.status_code != 200:
            raise RuntimeError(f"approve {ref}: {r.status_code} {r.text}")
        answered = time.monotonic() - started

        def poll(
            host: Host, ref: str = ref, word: str = word, started: float = started
        ) -> float | None:
            """Seconds from the approval request until ``host`` finds the post (None:
            not within ``within``); each host is polled by its own thread."""
            while time.monotonic() - started < within:
                if finds(host, word, ref):
                    return round(time.monotonic() - started, 3)
                time.sleep(0.02)
            return None

        with ThreadPoolExecutor(len(hosts)) as pool:
            seen = dict(zip((h.name for h in hosts), pool.map(poll, hosts), strict=True))
        rows.append(
            {
                "ref": ref,
                "approve_call_s": round(answered, 3),
                "searchable_s": seen,
            }
        )
        log(f"visibility {word}: {rows[-1]}")
    engine.dispose()
    return rows


def serves(host: Host, what: str, ref: str, slug: str, title: str) -> bool:
    try:
        if what == "page":
            r = httpx.get(f"{host.base}/posts/{slug}", timeout=30)
            return r.status_code == 200
        if what == "api":
            r = httpx.get(f"{host.base}/api/v1/posts/{ref}", timeout=30)
            return r.status_code == 200 and r.json().get("title") == title
        return finds(host, title, ref)
    except httpx.TransportError:
        return False


def until_served(host: Host, ref: str, slug: str, title: str, within: float) -> Result:
    started = time.monotonic()
    left = ["page", "api", "search"]
    seen: Result = {}
    while left and time.monotonic() - started < within:
        for what in list(left):
            if serves(host, what, ref, slug, title):
                seen[f"{what}_s"] = round(time.monotonic() - started, 3)
                left.remove(what)
        time.sleep(0.05)
    for what in left:
        seen[f"{what}_s"] = None
    return seen


def catchup_phase(hosts: list[Host], url: str, more: int, own_index: bool) -> Result:
    first, last = hosts[0], hosts[-1]
    log(f"catch-up: stopping {last.name}")
    last.stop(signal.SIGTERM)
    command_started = time.monotonic()
    if own_index:
        log(f"catch-up: approving {more:,} pending posts in bulk (in this process)")
        approval = approve_here(url, drain=False)
    else:
        log(f"catch-up: approving {more:,} pending posts in bulk through {first.name}")
        proc = first.cli("review", "approve", "--all-pending", "--as", "bench", "--json")
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"bulk approve failed ({proc.returncode}): {err[-2000:]}")
        approval = json.loads(out)
    command_s = round(time.monotonic() - command_started, 1)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ref, slug, title = conn.execute(
            sa.text(
                "SELECT ref, slug, title FROM posts WHERE status = 'approved' "
                "ORDER BY published_at DESC, id DESC LIMIT 1"
            )
        ).one()
    engine.dispose()
    stayed_up = until_served(first, ref, slug, title, 120)
    log(f"catch-up: {first.name} (stayed up) serves {ref}: {stayed_up}")
    started = time.monotonic()
    last.launch()
    last.wait_serving(timeout=300)
    ready = round(time.monotonic() - started, 3)
    rest = until_served(last, ref, slug, title, 600)
    restarted = {
        "readyz_s": ready,
        **{k: (None if v is None else round(v + ready, 3)) for k, v in rest.items()},
    }
    if own_index:
        while not search_caught_up(last) and time.monotonic() - started < 900:
            time.sleep(0.1)
        restarted["search_caught_up_s"] = round(time.monotonic() - started, 3)
    log(f"catch-up: {last.name} (restarted) serves {ref}: {restarted}")
    return {
        "approved": approval.get("count"),
        "approve_s": approval.get("seconds"),
        "command_s": command_s,
        "newest": ref,
        "stayed_up": {"host": first.name, **stayed_up},
        "restarted": {"host": last.name, **restarted},
    }


def run(args: argparse.Namespace, url: str, work: Path) -> Result:
    res: Result = {"count": args.count, "hosts": args.hosts, "more": args.more}
    engine = open_database(Settings.load(env={}, database_url=url))
    token = accounts.create_token(engine, "reviewbot", ["review"])
    engine.dispose()
    log(f"import: {args.count:,} posts (synth | import -)")
    res["import"] = synth_import(url, args.count, 1)
    log(f"import: {res['import']}")
    log("approve: all pending")
    own = args.search_backend == "tantivy"
    if own:
        res["approve"] = approve_here(url, drain=True)
    else:
        res["approve"] = approve_all(
            alphanode("--db", url, "review", "approve", "--all-pending", "--as", "bench", "--json")
        )
    log(f"approve: {res['approve']}")
    if args.more:
        log(f"import: {args.more:,} more posts, left pending (for the catch-up)")
        res["import_more"] = synth_import(url, args.more, args.count + 1)
    for i, word in enumerate(TRIALS):
        synth_import(url, 1, 10_000_000 + i, retitle(word))
    res["search_backend"] = args.search_backend
    indexes = work / "indexes" if own else None
    build_timeout = 3600.0 if own else 60.0
    qs = questions(url, args.queries)
    sample = sa.create_engine(url)
    with sample.connect() as conn:
        slugs = list(
            conn.scalars(
                sa.text(
                    "SELECT slug FROM posts WHERE status = 'approved' ORDER BY md5(slug) LIMIT 2000"
                )
            )
        )
    sample.dispose()
    log(f"starting {args.hosts} hosts, page cache off")
    uncached = {"ALPHANODE_PAGE_CACHE_ENTRIES": "0"}
    with running_hosts(
        args.hosts, url, work / "off", uncached, index_dir=indexes, timeout=build_timeout
    ) as (hosts, isolated):
        res["namespaces"] = isolated
        res["first_ready_s"] = {h.name: round(h.ready_s or 0, 1) for h in hosts}
        log(f"hosts ready after {res['first_ready_s']} s")
        res["search"] = search_phase(hosts, qs)
        res["pages_uncached"] = pages_phase(hosts, slugs, args, cached=False)
    log(f"starting {args.hosts} hosts, defaults (page cache on)")
    with running_hosts(args.hosts, url, work / "on", index_dir=indexes, timeout=build_timeout) as (
        hosts,
        _,
    ):
        res["pages_cached"] = pages_phase(hosts, slugs, args, cached=True)
        res["visibility"] = visibility_phase(hosts, url, token)
        if args.more:
            res["catchup"] = catchup_phase(hosts, url, args.more, own)
    return res


def report(res: Result) -> None:
    print(
        f"{res['count']:,} posts, {res['hosts']} hosts "
        f"({'own network namespaces' if res['namespaces'] else 'loopback ports'})"
    )
    print(f"search backend: {res['search_backend']}; hosts ready after {res['first_ready_s']} s")
    imp = res["import"]
    print(f"import {imp.get('imported')} in {imp['s']} s; approve {res['approve']}")
    print("\nsearch (/api/v1/search, one query at a time), ms:")
    print("host    rtt p50  rtt p99  server p50  server p99")
    for r in res["search"]:
        print(
            f"{r['host']:<7} {r['rtt_p50_ms']:>7}  {r['rtt_p99_ms']:>7}  "
            f"{r['server_p50_ms']!s:>10}  {r['server_p99_ms']!s:>10}"
        )
    for key in ("pages_uncached", "pages_cached"):
        p = res[key]
        print(f"\npages, random articles, cache {p['cache']}:")
        print(
            f"  host1 alone (baseline): {p['alone']['rps']:.1f} req/s, "
            f"p99 {p['alone']['p99_ms']} ms"
        )
        for r in p["together"]:
            print(
                f"  {r['host']} (all at once): {r['rps']:.1f} req/s, "
                f"p99 {r['p99_ms']} ms, non-2xx {r['non_2xx']}, socket errors {r['socket_errors']}"
            )
        print(f"  total {p['total_rps']} req/s = {p['total_vs_alone']} x baseline")
    print("\napproval -> searchable on every host (target <= 2 s), s:")
    for v in res["visibility"]:
        print(f"  {v['ref']}: approve call {v['approve_call_s']}, searchable {v['searchable_s']}")
    if "catchup" in res:
        c = res["catchup"]
        print(
            f"\ncatch-up after {c['approved']:,} approvals ({c['approve_s']} s deciding, "
            f"{c['command_s']} s the whole command with its indexing), "
            f"newest {c['newest']}:"
        )
        print(f"  {c['stayed_up']}")
        print(f"  {c['restarted']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--count", type=int, default=1000, help="posts imported and approved")
    ap.add_argument("--hosts", type=int, default=3, help="alphanode serve hosts")
    ap.add_argument("--more", type=int, default=10_000, help="pending posts for the catch-up")
    ap.add_argument("--queries", type=int, default=300, help="search questions per host")
    ap.add_argument("--seconds", type=int, default=10, help="wrk duration per case")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections per host")
    ap.add_argument("--admin", default=ADMIN, help="PostgreSQL URL allowed to CREATE DATABASE")
    ap.add_argument(
        "--search-backend",
        choices=("postgres", "tantivy"),
        default="postgres",
        help="postgres: one index in the database; tantivy: each host its own, following the log",
    )
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.hosts < 2 or args.count < 1:
        ap.error("--hosts must be at least 2 and --count at least 1")
    with tempfile.TemporaryDirectory(prefix="alphanode-cluster-") as tmp:
        work = Path(tmp)
        if args.search_backend == "tantivy":  # the CLI commands (imports) as a host of their own
            os.environ.update(own_index(work / "cli.search"))
        (work / "off").mkdir()
        (work / "on").mkdir()
        with fresh_database(args.admin) as url:
            res = run(args, url, work)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        report(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
