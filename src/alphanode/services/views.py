"""Counted views: recorded in batches by the web workers; totals and the most-read ranking.

These are the views this site counted (real browsers, not bots, prefetches or signed-in
reviewers), kept apart from the ``view_count`` a page was imported with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from alphanode.errors import UsageError
from alphanode.services.live_counts import Kept, ranking_version
from alphanode.services.site import CardView, card_view
from alphanode.store import public, state
from alphanode.store.engine import reading, writing

# The periods a ranking may cover, in days. Few on purpose: each is one page a cache can
# hold, and a reader picks from links rather than typing numbers.
WINDOWS = (7, 30, 365)
DEFAULT_WINDOW = 30
MAX_RANKED = 50


@dataclass(frozen=True)
class Ranked:
    card: CardView
    views: int  # counted within the window, not of all time


def record(engine: Engine, by_slug: Mapping[str, int], day: dt.date) -> int:
    with writing(engine) as conn:
        return state.add_views(conn, by_slug, day)


def total(engine: Engine, post_id: int) -> int:
    with reading(engine) as conn:
        return state.views_of(conn, post_id)


def totals(engine: Engine, refs: Sequence[str]) -> dict[str, int]:
    """Views counted of all time, by post reference (0 for a post nobody has read yet)."""
    with reading(engine) as conn:
        return state.views_by_ref(conn, refs)


def today() -> dt.date:
    """The day views are filed under (UTC, as the counter writes them)."""
    return dt.datetime.now(dt.UTC).date()


def window_start(days: int, on: dt.date | None = None) -> dt.date:
    """The first day a ``days``-day window ending ``on`` (today) covers; today counts as one."""
    return (on or today()) - dt.timedelta(days=days - 1)


def most_read(
    engine: Engine,
    days: int = DEFAULT_WINDOW,
    limit: int = 10,
    on: dt.date | None = None,
    *,
    kept: Kept[list[Ranked]] | None = None,
) -> list[Ranked]:
    """Live posts ranked by the views counted in the last ``days`` days, most read first.

    The ranking sums every counted view in the window (a row per post read per day: it
    grows with the site), so with ``kept`` (``Site.most_read``) it is summed once per write
    of counted views or change of what is live, not once per request."""
    if days not in WINDOWS:
        raise UsageError(f"days={days}", "one of " + ", ".join(str(w) for w in WINDOWS))
    if not 1 <= limit <= MAX_RANKED:
        raise UsageError(f"limit={limit}", f"a whole number from 1 to {MAX_RANKED}")
    since = window_start(days, on)
    with reading(engine) as conn:

        def ranked() -> list[Ranked]:
            rows = public.most_read(conn, since=since, limit=limit)
            return [Ranked(card_view(c), n) for c, n in rows]

        if kept is None:
            return ranked()
        return kept.get((since, limit), ranking_version(conn), ranked)


def content_version(engine: Engine) -> int:
    with reading(engine) as conn:
        return state.content_version(conn)


def last_change(engine: Engine) -> float | None:
    """Seconds since the epoch of the last change to any post, or None on an empty site."""
    with reading(engine) as conn:
        when = state.last_post_change(conn)
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()
