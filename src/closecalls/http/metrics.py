"""`/metrics`: the server's Prometheus metrics, in the text format Prometheus scrapes."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from closecalls.http.health import readiness_problems
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Route
from closecalls.services import Services


class MetricsHandlers:
    """Serves the registry; the webhook queue and readiness are read from the database then."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> list[Route]:
        return [Route("/metrics", {"GET": self.scrape}, public=True)]

    async def scrape(self, request: Request) -> Response:
        """Get the metrics of this server process."""
        metrics = self.services.metrics
        metrics.ready.set(0 if await readiness_problems(self.services) else 1)
        body = generate_latest(metrics.registry)
        return Response(body, 200, content_type=CONTENT_TYPE_LATEST)
