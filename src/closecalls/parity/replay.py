"""Replay an exchange against the local closecalls, with ids translated, and compare."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from closecalls.parity.compare import Difference, Tolerance, compare
from closecalls.parity.exchange import Answer, Exchange
from closecalls.parity.ids import IdMap
from closecalls.parity.local import API_BASE, Local
from closecalls.parity.report import Report


def now_text() -> str:
    return datetime.now(UTC).isoformat()


class Replayer:
    """Runs a session's exchanges in order, one at a time, learning ids as it goes."""

    def __init__(self, local: Local, *, tolerance_seconds: float) -> None:
        self.local = local
        self.ids = IdMap()
        self.report = Report()
        self.tolerance_seconds = tolerance_seconds

    async def replay(self, exchange: Exchange) -> list[Difference]:
        """Send the request locally, record the local answer, compare it and count it."""
        request, ids = exchange.request, self.ids
        credentials = base64.b64encode(f"{self.local.api_key}:".encode()).decode()
        headers = {**request.headers, "authorization": f"Basic {credentials}"}
        if request.text is not None:
            content = ids.translate_text(request.text).encode()
        elif request.body is not None:
            content = json.dumps(ids.translate(request.body)).encode()
        else:
            content = b""
        target = API_BASE + ids.translate_text(request.target)
        started = datetime.now(UTC)
        response = await self.local.client.request(
            request.method, target, headers=headers, content=content
        )
        exchange.local = local = Answer.capture(response)
        ids.learn(exchange.upstream.body, local.body)
        # A replay of an old cassette runs later than the upstream did: its server-made
        # timestamps are that much later too.
        shift = (started - datetime.fromisoformat(exchange.at)).total_seconds()
        tolerance = Tolerance(self.tolerance_seconds, shift)
        differences = compare(exchange.upstream, local, ids=ids, tolerance=tolerance)
        self.report.add(exchange, differences)
        return differences
