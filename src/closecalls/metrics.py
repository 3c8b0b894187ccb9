"""The server's Prometheus metrics, one registry per application."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Most API answers take a few milliseconds; the tail is what an operator looks for.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    """Requests, the SQLite writer, webhook delivery and rate limits, as Prometheus counts."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "closecalls_http_requests", "HTTP requests answered, by route template, method "
            "and status.", ["route", "method", "status"], registry=registry,
        )  # fmt: skip
        self.latency = Histogram(
            "closecalls_http_request_duration_seconds", "Time to answer a request, by route "
            "template and method.", ["route", "method"], buckets=LATENCY_BUCKETS, registry=registry,
        )  # fmt: skip
        self.writer_batch = Histogram(
            "closecalls_sqlite_writer_batch_size", "Writes committed together by the SQLite "
            "writer (group commit).", buckets=BATCH_BUCKETS, registry=registry,
        )  # fmt: skip
        self.writer_commit = Histogram(
            "closecalls_sqlite_writer_commit_seconds", "Time the SQLite writer took to run and "
            "commit one batch.", buckets=LATENCY_BUCKETS, registry=registry,
        )  # fmt: skip
        self.webhook_queue = Gauge(
            "closecalls_webhook_queue_depth", "Webhook deliveries waiting to be sent or retried.",
            registry=registry,
        )  # fmt: skip
        self.webhook_deliveries = Counter(
            "closecalls_webhook_deliveries", "Webhook delivery attempts by outcome: delivered, "
            "pending (will be retried) or dropped.", ["outcome"], registry=registry,
        )  # fmt: skip
        self.rate_limited = Counter(
            "closecalls_rate_limit_refusals", "Requests refused with 429, by the limit that "
            "refused them (key or organization).", ["limit"], registry=registry,
        )  # fmt: skip
        self.ready = Gauge(
            "closecalls_ready", "1 when the database answers, its schema is current and the "
            "writer runs.", registry=registry,
        )  # fmt: skip
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request; labelled children are cached (this is the hot path)."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route, method),
            )
        children[0].inc()
        children[1].observe(seconds)

    def observe_commit(self, jobs: int, seconds: float) -> None:
        self.writer_batch.observe(jobs)
        self.writer_commit.observe(seconds)
