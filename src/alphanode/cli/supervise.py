"""The process ``alphanode serve`` turns into (by ``exec``) once its checks are done.

It holds uvicorn and the log configuration only: the supervisor of several workers (or the
one worker, which loads the app itself) keeps nothing of what the command loaded to get
there (the CLI, settings sources, the database, the migration and the search index's catch-
up), so its memory is that of a bare uvicorn. Workers load the app by name, from the
environment the command set.

    python -m alphanode.cli.supervise '{"host": "127.0.0.1", "port": 8000, "workers": 2, ...}'
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import asdict, dataclass

import uvicorn

from alphanode import logs

# The web layer is named, not imported: cli and web never import each other, and uvicorn's
# worker processes must load the app by name anyway.
APP_FACTORY = "alphanode.web.app:create_app_from_env"


@dataclass(frozen=True)
class Plan:
    host: str
    port: int
    workers: int
    log_format: str
    forwarded_allow_ips: str
    metrics_dir: str = ""  # made by ``serve`` for the workers' counters; removed on exit

    def argv(self) -> list[str]:
        return [sys.executable, "-m", __name__, json.dumps(asdict(self))]


def run(plan: Plan) -> None:
    try:
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=plan.host,
            port=plan.port,
            workers=plan.workers,
            log_config=logs.config(plan.log_format, server=True),
            access_log=False,  # alphanode.access writes one structured line per request
            # Empty forwarded_allow_ips (the default): no proxy is believed, not even loopback.
            proxy_headers=bool(plan.forwarded_allow_ips.strip()),
            forwarded_allow_ips=plan.forwarded_allow_ips or None,
            server_header=False,
        )
    finally:
        if plan.metrics_dir:
            shutil.rmtree(plan.metrics_dir, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        plan = Plan(**json.loads(argv[1]))
    except (ValueError, TypeError) as exc:
        print(f"error: not a serving plan ({exc})", file=sys.stderr)
        return 2
    run(plan)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
