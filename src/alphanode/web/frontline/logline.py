"""The access-log line of one request, JSON or text (written to the buffered AccessLog)."""

from __future__ import annotations

import json
from functools import lru_cache

from alphanode.web.frontline.exchange import Exchange


class LogLines:
    def __init__(self, log_format: str) -> None:
        self.json = log_format == "json"
        # Built by hand: this runs on every request. Only the path and route need JSON
        # escaping (the request id is checked against a safe pattern, the rest are our words).
        self.quoted = lru_cache(maxsize=8192)(json.dumps)

    def line(self, ex: Exchange, agent: str, elapsed: float) -> str:
        ms = round(elapsed * 1000, 2)
        rule = ex.rule.name
        if self.json:
            return (
                f'{{"request_id":"{ex.request_id}","method":"{ex.method}",'
                f'"path":{self.quoted(ex.path)},"route":{self.quoted(ex.route)},'
                f'"rule":"{rule}","status":{ex.status},"ms":{ms},"cache":"{ex.outcome}",'
                f'"ua":"{agent}"}}'
            )
        return (
            f"request_id={ex.request_id} method={ex.method} path={ex.path!r} route={ex.route} "
            f"rule={rule} status={ex.status} ms={ms} cache={ex.outcome} ua={agent}"
        )
