"""The desk's home in numbers: the last 30 days of the queue, decisions, imports and views.

Every figure is derived from stored rows (see ``store/deskstats.py``): no daily snapshot
table. Days are UTC calendar days; a day's queue figures are taken at its end (today's:
now), so today's queue size is the queue's length.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from alphanode.store import deskstats
from alphanode.store.engine import reading
from alphanode.store.schedules import utc

DAYS = 30
DAY_SECONDS = 86400.0
TOP_REVIEWERS = 6  # the rest are summed as "others"
TOP_CODES = 5


@dataclass(frozen=True)
class DeskHome:
    days: list[dt.date]  # oldest first, ending today
    queue_size: list[int]
    oldest_age: list[float]  # days the oldest waiting post had waited, at each day's end
    mean_age: list[float]  # mean days waited by the posts waiting then
    decisions: dict[str, list[int]]  # reviewer → decisions per day
    imported: list[int]
    updated: list[int]
    rejects: dict[str, list[int]]  # error code → rejects per day
    views: list[int]
    oldest: list[deskstats.Waiting]
    now: dt.datetime


def _queue_history(
    waiting: list[deskstats.WaitingBucket],
    spans: list[deskstats.Span],
    points: list[tuple[dt.date, dt.datetime]],
) -> tuple[list[int], list[float], list[float]]:
    """Size, oldest wait and mean wait (days) at each (day, moment) point.

    Two parts: the posts waiting now (``waiting``, by entry day: all of a day's entries are
    in by its end), and the revisions that left during the window (``spans``: in the queue
    from ``entered`` until ``left``), counted with bisection and prefix sums.
    """
    buckets = sorted(waiting, key=lambda b: b.day)
    entered = sorted(s.entered.timestamp() for s in spans)
    entered_sum = [0.0]
    for t in entered:
        entered_sum.append(entered_sum[-1] + t)
    leaving = sorted(spans, key=lambda s: s.left)
    left = [s.left.timestamp() for s in leaving]
    left_entry_sum = [0.0]
    for s in leaving:
        left_entry_sum.append(left_entry_sum[-1] + s.entered.timestamp())
    by_entry = sorted(spans, key=lambda s: s.entered)
    sizes: list[int] = []
    oldest: list[float] = []
    means: list[float] = []
    for day, point in points:
        t = point.timestamp()
        now_in = [b for b in buckets if b.day <= day]
        n_in = bisect.bisect_right(entered, t)
        n_out = bisect.bisect_right(left, t)
        size = sum(b.count for b in now_in) + n_in - n_out
        sizes.append(size)
        if size <= 0:
            oldest.append(0.0)
            means.append(0.0)
            continue
        total_entry = sum(b.entry_sum for b in now_in) + entered_sum[n_in] - left_entry_sum[n_out]
        means.append(round((size * t - total_entry) / size / DAY_SECONDS, 1))
        firsts = [b.first for b in now_in[:1]]
        alive = next((s for s in by_entry if s.entered <= point < s.left), None)
        if alive is not None:
            firsts.append(alive.entered)
        oldest.append(round((t - min(firsts).timestamp()) / DAY_SECONDS, 1) if firsts else 0.0)
    return sizes, oldest, means


def _top(
    counts: dict[tuple[dt.date, str], int], days: list[dt.date], keep: int, rest: str
) -> dict[str, list[int]]:
    """Per-day series per name, the ``keep`` biggest names first, the rest summed."""
    totals: dict[str, int] = {}
    for (_, name), n in counts.items():
        totals[name] = totals.get(name, 0) + n
    names = sorted(totals, key=lambda k: (-totals[k], k))
    kept, others = names[:keep], set(names[keep:])
    index = {d: i for i, d in enumerate(days)}
    out = {name: [0] * len(days) for name in kept}
    if others:
        out[rest] = [0] * len(days)
    for (day, name), n in counts.items():
        if day in index:
            out[rest if name in others else name][index[day]] += n
    return out


def home(engine: Engine, now: dt.datetime, days: int = DAYS) -> DeskHome:
    """The desk's home figures for the ``days`` days ending with ``now``'s (UTC) day."""
    now = utc(now)
    today = now.date()
    window = [today - dt.timedelta(days=days - 1 - i) for i in range(days)]
    since = dt.datetime.combine(window[0], dt.time(), tzinfo=dt.UTC)
    points = [
        (d, min(now, dt.datetime.combine(d + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)))
        for d in window
    ]
    with reading(engine) as conn:
        waiting = deskstats.waiting_by_day(conn)
        spans = deskstats.left_spans(conn, since)
        decided = deskstats.decisions_by_day(conn, since)
        runs = deskstats.imports_by_day(conn, since)
        refused = deskstats.rejects_by_day(conn, since)
        viewed = deskstats.views_by_day(conn, window[0])
        oldest = deskstats.oldest_waiting(conn)
    sizes, oldest_age, mean_age = _queue_history(waiting, spans, points)
    return DeskHome(
        window,
        sizes,
        oldest_age,
        mean_age,
        _top(decided, window, TOP_REVIEWERS, "others"),
        [runs.get(d, (0, 0))[0] for d in window],
        [runs.get(d, (0, 0))[1] for d in window],
        _top(refused, window, TOP_CODES, "other codes"),
        [viewed.get(d, 0) for d in window],
        oldest,
        now,
    )
