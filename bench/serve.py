"""Serving speed: article and home pages, cached and uncached, beside bare ASGI and nginx.

    .venv/bin/python bench/serve.py [--seconds 30] [--connections 64] [--workers 2] [--json]

In one run, one after the other, wrk on loopback with the same threads, connections and
duration (after a 3 s warm-up each) loads:

1. `alphanode serve` with default settings (in-process page cache on): the seed's article
   page, then the home page `/`;
2. a second `alphanode serve` with ALPHANODE_PAGE_CACHE_ENTRIES=0 (page cache off: every
   request renders): the same two pages;
3. a bare ASGI app (bench/bare_asgi.py) under uvicorn answering with the article page's bytes;
4. nginx serving a static copy of the article page's bytes (skipped, with a line saying so,
   when nginx is not installed).

Every server gets the same number of workers. Before each measurement the script checks the
X-Cache header: `hit` with the cache on, never `hit` with it off. It prints req/s, p50/p99,
errors (non-2xx answers plus socket errors), the ratio to the bare app and to nginx, the
targets met or missed, and from each alphanode server's /metrics the view writes made on the
request path (must be 0) and the views counted. `--json` prints a JSON summary instead.

Needs `wrk` and `nginx` (apt-get install wrk nginx; `make bench` installs them).
"""

from __future__ import annotations

import argparse
import grp
import json
import math
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "tests" / "fixtures" / "seed" / "000_aeb991cd76c60bdc.txt"
SLUG = (
    "production-checklist-for-documenting-production-defaults-in-python-services-maintenance-guide"
)
ARTICLE = f"/posts/{SLUG}"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0"
WARM_SECONDS = 3

# Row names (the targets below refer to them).
ART_CACHED = "alphanode article, cached"
HOME_CACHED = "alphanode home, cached"
ART_UNCACHED = "alphanode article, uncached"
HOME_UNCACHED = "alphanode home, uncached"
BARE = "bare ASGI, same bytes"
NGINX = "nginx static, same bytes"

Row = dict[str, Any]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    """GET with urllib's own user agent (a bot to alphanode: it counts no view)."""
    with urlopen(Request(url), timeout=10) as r:  # noqa: S310 - loopback only
        return r.read(), {k.lower(): v for k, v in r.headers.items()}


def wait_up(url: str, proc: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_file.read_text("utf-8", "replace")[-2000:]
            raise RuntimeError(f"server for {url} exited ({proc.returncode}):\n{tail}")
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"User-Agent: {BROWSER}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        raise RuntimeError(f"unexpected wrk output for {url}:\n{out}")
    socket_errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = int(non2xx.group(1)) if non2xx else 0
    return {
        "rps": float(rps.group(1)),
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "errors": socket_errors + bad,
        "socket_errors": socket_errors,
        "non_2xx": bad,
    }


def build_site(db: Path, count: int) -> None:
    settings = Settings.load(env={}, database_url=f"sqlite:///{db}")
    engine = open_database(settings)
    pages = db.parent / "pages"
    pages.mkdir()
    text = SEED.read_text("utf-8")
    (pages / "seed.txt").write_text(text, "utf-8")
    for k in range(count):
        page = text.replace("anp-ref-026145-7938", f"anp-ref-{k:06d}-0001").replace(
            "maintenance guide", f"maintenance guide {k}", 1
        )
        (pages / f"{k}.txt").write_text(page, "utf-8")
    importer.import_sources(engine, settings, resolve([str(pages)]))
    review.approve_all_pending(engine, "bench")
    engine.dispose()


def serve(cmd: list[str], env: dict[str, str], log_file: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file.open("wb"),
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def warm(case: str, url: str, args: argparse.Namespace, want_hit: bool | None) -> Row:
    """Warm every worker up and check X-Cache: `hit` everywhere with the page cache on (a
    worker that started late gets another warm-up), never `hit` with it off."""
    for _ in range(4):
        wrk(url, WARM_SECONDS, args.connections)
        probes = [fetch(url) for _ in range(8)]  # new connections: they reach any worker
        seen = sorted({h.get("x-cache", "") for _, h in probes})
        got = {"x_cache": "/".join(seen) or None, "page_bytes": len(probes[0][0])}
        if want_hit is None or (want_hit and seen == ["hit"]):
            return got
        if want_hit is False:
            if "hit" in seen:
                sys.exit(f"{case}: the page cache should be off, got X-Cache {seen}")
            return got
        log(f"{case}: X-Cache {seen} after the warm-up (a worker started late?): again")
    sys.exit(f"{case}: expected X-Cache: hit from every worker after warm-ups, got {seen}")


def measure(case: str, url: str, args: argparse.Namespace, want_hit: bool | None) -> Row:
    """Warm up, check the X-Cache header (when `want_hit` is not None), then measure."""
    log(f"-- {case}: {url}")
    checked = warm(case, url, args, want_hit)
    return {"case": case, **checked, **wrk(url, args.seconds, args.connections)}


def metric(text: str, name: str) -> float | int | None:
    values = re.findall(rf"^{name}(?:\{{[^}}]*\}})? (\S+)$", text, re.M)
    if not values:
        return None
    total = math.fsum(float(v) for v in values)
    return int(total) if total.is_integer() else total


def alphanode_phase(
    work: Path, db: Path, args: argparse.Namespace, cached: bool
) -> tuple[list[Row], dict[str, Any], bytes]:
    """One `alphanode serve`: its article and home rows, its /metrics figures, the article."""
    label = "cached" if cached else "uncached"
    metrics_dir = work / f"metrics-{label}"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "ALPHANODE_DATABASE_URL": f"sqlite:///{db}",
        "ALPHANODE_LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),  # this server's own counters
    }
    env.pop("ALPHANODE_PAGE_CACHE_ENTRIES", None)
    if not cached:
        env["ALPHANODE_PAGE_CACHE_ENTRIES"] = "0"  # 0 turns the in-process page cache off
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = work / f"alphanode-{label}.log"
    cmd = [sys.executable, "-m", "alphanode", "serve", "--port", str(port)]
    proc = serve([*cmd, "--workers", str(args.workers)], env, log_file)
    try:
        wait_up(base + ARTICLE, proc, log_file)
        article = fetch(base + ARTICLE)[0]
        names = (ART_CACHED, HOME_CACHED) if cached else (ART_UNCACHED, HOME_UNCACHED)
        rows = [
            measure(names[0], base + ARTICLE, args, cached),
            measure(names[1], base + "/", args, cached),
        ]
        text = fetch(base + "/metrics")[0].decode()
    finally:
        stop(proc)
    figures = {
        "page_cache_entries": "default" if cached else "0",
        "view_writes_on_request_path": metric(text, "alphanode_view_writes_on_request_path_total"),
        "views_counted": metric(text, "alphanode_views_counted_total"),
        "log_lines": sum(1 for _ in log_file.open("rb")),
    }
    return rows, figures, article


def bare_phase(work: Path, body: Path, args: argparse.Namespace) -> Row:
    port = free_port()
    log_file = work / "bare.log"
    proc = serve(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_asgi:app",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        {**os.environ, "BARE_ASGI_BODY": str(body), "PYTHONPATH": str(REPO)},
        log_file,
    )
    try:
        url = f"http://127.0.0.1:{port}{ARTICLE}"
        wait_up(url, proc, log_file)
        return measure(BARE, url, args, None)
    finally:
        stop(proc)


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def nginx_conf(home: Path, port: int, workers: int) -> str:
    # A master started as root would hand the workers to `nobody`, who cannot read this
    # private temp dir: keep them as the current user.
    user = ""
    if os.geteuid() == 0:
        name = pwd.getpwuid(os.geteuid()).pw_name
        user = f"user {name} {grp.getgrgid(os.getegid()).gr_name};"
    temp = "\n".join(
        f"    {kind}_temp_path {home / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
worker_processes {workers};
daemon off;
pid {home / "nginx.pid"};
error_log {home / "error.log"} warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
{temp}
    default_type text/html;
    charset utf-8;
    sendfile on;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {home / "root"};
        location / {{ }}
    }}
}}
"""


def nginx_phase(work: Path, body: bytes, args: argparse.Namespace) -> Row:
    binary = find_nginx()
    if binary is None:
        return {"case": NGINX, "skipped": "nginx not installed (apt-get install -y nginx)"}
    home = work / "nginx"
    page = home / "root" / ARTICLE.lstrip("/")
    page.parent.mkdir(parents=True, exist_ok=True)  # a kept --work dir: again
    page.write_bytes(body)  # a static copy of the article page, at the same path
    port = free_port()
    (home / "nginx.conf").write_text(nginx_conf(home, port, args.workers), "utf-8")
    log_file = home / "error.log"
    cmd = [binary, "-p", str(home), "-e", str(log_file), "-c", str(home / "nginx.conf")]
    proc = serve(cmd, dict(os.environ), home / "stderr.log")
    try:
        url = f"http://127.0.0.1:{port}{ARTICLE}"
        try:
            wait_up(url, proc, home / "stderr.log")
        except RuntimeError as exc:
            return {"case": NGINX, "skipped": f"nginx did not start: {exc}"}
        return measure(NGINX, url, args, None)
    finally:
        stop(proc)


def add_ratios(rows: list[Row]) -> None:
    by_case = {r["case"]: r for r in rows if "rps" in r}
    for key, case in (("x_bare", BARE), ("x_nginx", NGINX)):
        ref = by_case.get(case)
        for r in rows:
            r[key] = round(r["rps"] / ref["rps"], 3) if ref and "rps" in r else None


def checks(rows: list[Row], servers: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    by_case = {r["case"]: r for r in rows if "rps" in r}
    out: list[dict[str, Any]] = []

    def check(name: str, case: str, value: Callable[[Row], Any], ok: Callable[[Any], bool]) -> None:
        row = by_case.get(case)
        got = value(row) if row else None
        out.append({"check": name, "value": got, "met": got is not None and ok(got)})

    check(f"{ART_UNCACHED} >= 3,000 req/s", ART_UNCACHED, lambda r: r["rps"], lambda v: v >= 3000)
    check(f"{ART_UNCACHED} p99 < 50 ms", ART_UNCACHED, lambda r: r["p99_ms"], lambda v: v < 50)
    check(f"{ART_CACHED} >= 15,000 req/s", ART_CACHED, lambda r: r["rps"], lambda v: v >= 15000)
    check(f"{ART_CACHED} p99 < 10 ms", ART_CACHED, lambda r: r["p99_ms"], lambda v: v < 10)
    check(f"{ART_CACHED} >= 0.5x bare ASGI", ART_CACHED, lambda r: r["x_bare"], lambda v: v >= 0.5)
    errors = sum(r["errors"] for r in by_case.values() if r["case"].startswith("alphanode"))
    out.append({"check": "0 errors on every alphanode row", "value": errors, "met": errors == 0})
    writes = [s["view_writes_on_request_path"] for s in servers.values()]
    total = None if None in writes else sum(writes)
    out.append(
        {
            "check": "alphanode_view_writes_on_request_path_total == 0 (both servers)",
            "value": total,
            "met": total == 0,
        }
    )
    return out


def fmt_ms(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:.2f} ms"


def fmt_x(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def print_table(summary: dict[str, Any]) -> None:
    print(
        f"wrk -t2 -c{summary['connections']} -d{summary['seconds']}s on loopback, "
        f"{summary['workers']} worker(s) each, {summary['posts'] + 1} published posts, "
        f"article page {summary['page_bytes']:,} bytes"
    )
    head = f"{'case':<28} {'req/s':>9} {'p50':>10} {'p99':>10} {'errors':>7} {'×bare':>6} "
    print(head + f"{'×nginx':>6}  X-Cache")
    for r in summary["rows"]:
        if "skipped" in r:
            print(f"{r['case']:<28} skipped: {r['skipped']}")
            continue
        print(
            f"{r['case']:<28} {r['rps']:>9,.0f} {fmt_ms(r['p50_ms']):>10} "
            f"{fmt_ms(r['p99_ms']):>10} {r['errors']:>7} {fmt_x(r['x_bare']):>6} "
            f"{fmt_x(r['x_nginx']):>6}  {r['x_cache'] or '—'}"
        )
    print()
    for label, s in summary["servers"].items():
        print(
            f"alphanode {label}: alphanode_view_writes_on_request_path_total "
            f"{s['view_writes_on_request_path']}, views counted {s['views_counted']}, "
            f"log lines {s['log_lines']}"
        )
    print()
    for c in summary["checks"]:
        value = c["value"]
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        print(f"{'met   ' if c['met'] else 'MISSED'}  {c['check']}  (got {shown})")


def jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--posts", type=int, default=200)
    ap.add_argument("--json", action="store_true", help="print a JSON summary instead")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (make bench does this)")
    work = Path(tempfile.mkdtemp(prefix="alphanode-serve-"))
    try:
        db = work / "site.db"
        log(f"building the site: seed + {args.posts} synthesized posts, approved")
        build_site(db, args.posts)
        rows, cached_figures, article = alphanode_phase(work, db, args, cached=True)
        more, uncached_figures, _ = alphanode_phase(work, db, args, cached=False)
        rows += more
        (work / "body.html").write_bytes(article)
        rows.append(bare_phase(work, work / "body.html", args))
        rows.append(nginx_phase(work, article, args))
        add_ratios(rows)
        servers = {"cached": cached_figures, "uncached": uncached_figures}
        writes = [s["view_writes_on_request_path"] for s in servers.values()]
        summary = {
            "seconds": args.seconds,
            "connections": args.connections,
            "workers": args.workers,
            "posts": args.posts,
            "page_bytes": len(article),
            "rows": rows,
            "servers": servers,
            "view_writes_on_request_path": None if None in writes else sum(writes),
            "views_counted": sum(s["views_counted"] or 0 for s in servers.values()),
            "checks": checks(rows, servers),
        }
        if args.json:
            print(json.dumps(jsonable(summary), indent=2))
        else:
            print_table(summary)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
