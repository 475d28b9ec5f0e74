"""Prometheus metrics for one app (multi-process aware under ``serve --workers N``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from alphanode.services.follower import ReplicaStatus
from alphanode.services.health import Figures

MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    def __init__(self) -> None:
        shared = bool(os.environ.get(MULTIPROC))
        # Under several workers each process writes its own files and /metrics sums them;
        # otherwise every app (and every test) gets a registry of its own.
        self.registry = None if shared else CollectorRegistry()
        reg = self.registry
        self.requests = Counter(
            "alphanode_http_requests",
            "Requests by route (its path template), cache rule and status class",
            ["route", "rule", "status"],
            registry=reg,
        )
        self.duration = Histogram(
            "alphanode_http_request_duration_seconds",
            "Time to answer a request, by route",
            ["route"],
            registry=reg,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.cache = Counter(
            "alphanode_page_cache", "In-process page cache outcomes", ["outcome"], registry=reg
        )
        self.invalidations = Counter(
            "alphanode_page_cache_invalidations",
            "Times this worker emptied its page cache because public content changed (the "
            "content version moved, or on a host with its own index, its log position)",
            registry=reg,
        )
        self.invalidated_entries = Counter(
            "alphanode_page_cache_invalidated_entries",
            "Kept pages dropped by those invalidations",
            registry=reg,
        )
        self.views = Counter(
            "alphanode_views_counted", "Article views counted (real browsers only)", registry=reg
        )
        self.views_ignored = Counter(
            "alphanode_views_ignored",
            "Article requests not counted as views",
            ["reason"],
            registry=reg,
        )
        self.view_writes_on_request = Counter(
            "alphanode_view_writes_on_request_path",
            "Database writes of views made while answering a request (always 0 by design)",
            registry=reg,
        )

        # Label look-ups cost microseconds; every request would pay them, so children are
        # resolved once and kept.
        self._requests: dict[tuple[str, str, int], Any] = {}
        self._durations: dict[str, Any] = {}
        self._cache: dict[str, Any] = {}
        self._ignored: dict[str, Any] = {}

    def observe(self, route: str, rule: str, status: int, seconds: float) -> None:
        key = (route, rule, status // 100)
        child = self._requests.get(key)
        if child is None:
            child = self._requests[key] = self.requests.labels(route, rule, f"{status // 100}xx")
        child.inc()
        timer = self._durations.get(route)
        if timer is None:
            timer = self._durations[route] = self.duration.labels(route)
        timer.observe(seconds)

    def invalidated(self, entries: int) -> None:
        self.invalidations.inc()
        self.invalidated_entries.inc(entries)

    def cache_outcome(self, outcome: str) -> None:
        child = self._cache.get(outcome)
        if child is None:
            child = self._cache[outcome] = self.cache.labels(outcome)
        child.inc()

    def ignored(self, reason: str) -> None:
        child = self._ignored.get(reason)
        if child is None:
            child = self._ignored[reason] = self.views_ignored.labels(reason)
        child.inc()

    def render(
        self,
        figures: Figures | None = None,
        replicas: list[dict[str, Any]] | None = None,
        search: ReplicaStatus | None = None,
    ) -> bytes:
        """This process's (or every worker's) series, then the database's figures."""
        if self.registry is not None:
            out = generate_latest(self.registry)
        else:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            out = generate_latest(registry)
        if figures is not None:
            shared = CollectorRegistry()
            shared.register(_FromDatabase(figures))
            out += generate_latest(shared)
        if replicas:
            seen = CollectorRegistry()
            seen.register(_Replicas(replicas))
            out += generate_latest(seen)
        if search is not None:
            own = CollectorRegistry()
            own.register(_SearchLog(search))
            out += generate_latest(own)
        return out


class _SearchLog(Collector):
    """This host's own search index against the search change log (services/follower.py)."""

    def __init__(self, status: ReplicaStatus) -> None:
        self.status = status

    def collect(self) -> Iterator[Metric]:
        s = self.status
        figures = (
            ("position", "The last change-log id this host's search index has applied", s.upto),
            ("end", "The change log's last id", s.end),
            ("behind", "Change-log rows this host's search index has not applied", s.behind),
            (
                "lag_seconds",
                "Seconds since the oldest change-log row this host has not applied was written",
                s.lag_seconds,
            ),
            ("gaps", "Change-log ids below the position still awaited (open transactions)", s.gaps),
        )
        for name, text, value in figures:
            gauge = GaugeMetricFamily(f"alphanode_search_log_{name}", text)
            if value is not None:
                gauge.add_metric([], float(value))
            yield gauge


class _Replicas(Collector):
    """What this process's last replica check found (store/replicas.py)."""

    def __init__(self, status: list[dict[str, Any]]) -> None:
        self.status = status

    def collect(self) -> Iterator[Metric]:
        serving = GaugeMetricFamily(
            "alphanode_replica_serving",
            "1 when the replica is reachable and caught up, so it serves public reads",
            labels=["replica"],
        )
        lag = GaugeMetricFamily(
            "alphanode_replica_lag_seconds",
            "Seconds since the last transaction the replica replayed (idle primaries look late)",
            labels=["replica"],
        )
        behind = GaugeMetricFamily(
            "alphanode_replica_versions_behind",
            "Content versions (approvals, retractions) the primary has and the replica has not",
            labels=["replica"],
        )
        for r in self.status:
            serving.add_metric([r["name"]], 1.0 if r["serving"] else 0.0)
            if r["lag_seconds"] is not None:
                lag.add_metric([r["name"]], float(r["lag_seconds"]))
            if r["content_version"] is not None and r["primary_content_version"] is not None:
                gap = max(0, r["primary_content_version"] - r["content_version"])
                behind.add_metric([r["name"]], float(gap))
        yield serving
        yield lag
        yield behind


class _FromDatabase(Collector):
    """Figures every worker and server shares, read from the database at scrape time."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        imports = CounterMetricFamily(
            "alphanode_import_documents",
            "Documents handled by import runs (CLI and API), by result",
            labels=["result"],
        )
        for result, count in self.figures.imports.items():
            imports.add_metric([result], count)
        yield imports
        queue = GaugeMetricFamily(
            "alphanode_review_queue", "Posts whose newest revision awaits a review decision"
        )
        queue.add_metric([], self.figures.review_queue)
        yield queue
