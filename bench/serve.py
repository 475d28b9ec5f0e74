"""Serving speed: a cached article page under `alphanode serve` beside a bare ASGI app.

    .venv/bin/python bench/serve.py [--seconds 30] [--connections 64] [--workers 2]

Both run under uvicorn with the same number of workers and are loaded by wrk on loopback
with the same connections and duration, one after the other, in the same run. Prints req/s,
p50/p99 latency, errors, and the ratio alphanode / bare. Needs `wrk` (apt-get install wrk;
`make bench` installs it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from alphanode.services import importer, review
from alphanode.services.sources import resolve
from alphanode.settings import Settings
from alphanode.store.migrate import open_database

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "000_aeb991cd76c60bdc.txt"
SLUG = (
    "production-checklist-for-documenting-production-defaults-in-python-services-maintenance-guide"
)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=1) as r:  # noqa: S310 - loopback only
                r.read()
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

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
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


def serve(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--posts", type=int, default=200)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (make bench does this)")
    work = Path(tempfile.mkdtemp(prefix="alphanode-serve-"))
    try:
        db = work / "site.db"
        build_site(db, args.posts)
        env = {
            **os.environ,
            "ALPHANODE_DATABASE_URL": f"sqlite:///{db}",
            "ALPHANODE_LOG_FORMAT": "json",
        }
        port = free_port()
        url = f"http://127.0.0.1:{port}/posts/{SLUG}"
        app = serve(
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
            work / "alphanode.log",
        )
        try:
            wait_up(url)
            body = urlopen(url).read()  # noqa: S310 - loopback only
            wrk(url, 3, args.connections)  # warm every worker's cache
            ours = wrk(url, args.seconds, args.connections)
            metrics = urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()  # noqa: S310
        finally:
            stop(app)
        writes = re.findall(r"^alphanode_view_writes_on_request_path_total (\S+)", metrics, re.M)
        lines = sum(1 for _ in (work / "alphanode.log").open("rb"))
        (work / "body.html").write_bytes(body)
        port2 = free_port()
        bare = serve(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.bare_asgi:app",
                "--port",
                str(port2),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            {**os.environ, "BARE_ASGI_BODY": str(work / "body.html"), "PYTHONPATH": str(REPO)},
            work / "bare.log",
        )
        try:
            wait_up(f"http://127.0.0.1:{port2}/")
            wrk(f"http://127.0.0.1:{port2}/", 3, args.connections)
            base = wrk(f"http://127.0.0.1:{port2}/", args.seconds, args.connections)
        finally:
            stop(bare)
        result = {
            "seconds": args.seconds,
            "connections": args.connections,
            "workers": args.workers,
            "page_bytes": len(body),
            "alphanode": ours,
            "bare_asgi": base,
            "ratio": round(ours["rps"] / base["rps"], 3),
            "view_writes_on_request_path": [float(w) for w in writes],
            "log_lines": lines,
        }
        print(
            f"bare ASGI, same bytes : {base['rps']:>9,.0f} req/s  p50 {base['p50_ms']:.2f} ms  "
            f"p99 {base['p99_ms']:.2f} ms  errors {base['errors']}"
        )
        print(
            f"alphanode cached page : {ours['rps']:>9,.0f} req/s  p50 {ours['p50_ms']:.2f} ms  "
            f"p99 {ours['p99_ms']:.2f} ms  errors {ours['errors']}  ratio {result['ratio']}"
        )
        print(json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
