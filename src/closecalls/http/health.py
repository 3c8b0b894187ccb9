"""`/healthz` (the process answers) and `/readyz` (it can serve: database, schema, writer)."""

from __future__ import annotations

import logging

from closecalls.http.request import Request
from closecalls.http.responses import Response, json_response
from closecalls.http.router import Route
from closecalls.services import Services

log = logging.getLogger("closecalls")


class HealthHandlers:
    """Unauthenticated probes for load balancers and orchestrators; they name no tenant."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> list[Route]:
        return [
            Route("/healthz", {"GET": self.alive}, public=True),
            Route("/readyz", {"GET": self.ready}, public=True),
        ]

    async def alive(self, request: Request) -> Response:
        """Answer 200 while the process runs."""
        return json_response({"status": "ok"})

    async def ready(self, request: Request) -> Response:
        """Answer 200 when the database answers, its schema is current and its writer runs."""
        problems = await readiness_problems(self.services)
        self.services.metrics.ready.set(0 if problems else 1)
        if problems:
            return json_response({"status": "unavailable", "problems": problems}, 503)
        return json_response({"status": "ready"})


async def readiness_problems(services: Services) -> list[str]:
    """Why the server cannot serve now; empty when it can."""
    try:
        probe = await services.store.probe()
    except Exception as error:
        log.warning("readiness: the database does not answer: %s", error)
        return ["the database does not answer"]
    problems = []
    if probe.schema_version < probe.latest_version:
        problems.append(
            f"the schema is at migration {probe.schema_version}, this server needs "
            f"{probe.latest_version}: run `closecalls migrate`"
        )
    if not probe.writer_alive:
        problems.append("the database writer has stopped")
    services.metrics.webhook_queue.set(probe.pending_deliveries)
    return problems
