"""The view-counting hook: a real browser's article view is tallied in memory, no I/O."""

from __future__ import annotations

import re

from alphanode.web.frontline.exchange import Exchange
from alphanode.web.frontline.rules import SESSION
from alphanode.web.metrics import Metrics
from alphanode.web.views import ViewCounter

_ARTICLE = re.compile(r"/posts/([^/]+)")


def count(ex: Exchange, agent: str, views: ViewCounter, metrics: Metrics) -> None:
    """Count a GET of an article answered 200 or 304 by a browser that is not prefetching and
    not a signed-in reviewer; every other article request is counted as ignored, by reason."""
    if ex.method != "GET" or ex.status not in (200, 304):
        return
    m = _ARTICLE.fullmatch(ex.path)
    if m is None:
        return
    purpose = ex.headers.get(b"sec-purpose", b"") + ex.headers.get(b"purpose", b"")
    if agent != "browser":
        metrics.ignored(agent)
    elif b"prefetch" in purpose:
        metrics.ignored("prefetch")
    elif SESSION in ex.headers.get(b"cookie", b""):
        metrics.ignored("reviewer")
    else:
        views.add(m.group(1))
        metrics.views.inc()
