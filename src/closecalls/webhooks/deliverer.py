"""The delivery loop: plans deliveries for new events, sends due ones signed, records each try."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from closecalls.domain import webhooks
from closecalls.domain.times import to_micros
from closecalls.domain.webhooks import RetryPolicy
from closecalls.services import Services
from closecalls.store.events import AttemptResult, Claim, SubscriptionRow

log = logging.getLogger("closecalls.webhooks")
_decode = msgspec.json.Decoder().decode

SECOND = 1_000_000
DAY = 86_400 * SECOND
PLAN_BATCH = 500
SEND_BATCH = 64
PRUNE_EVERY_SECONDS = 60.0


class Deliverer:
    """One process's share of webhook delivery; any number may run against one database."""

    def __init__(self, services: Services) -> None:
        self.services = services
        settings = services.settings
        self.policy = RetryPolicy(
            base=int(settings.webhook_retry_base_seconds * SECOND),
            cap=int(settings.webhook_retry_cap_seconds * SECOND),
            give_up_after=int(settings.webhook_retry_for_seconds * SECOND),
            pause_after=int(settings.webhook_pause_after_seconds * SECOND),
        )
        # A claim outlives the slowest attempt; a deliverer killed mid-send loses its claims
        # to another (or to itself, restarted) once the lease is over.
        self.lease = int(2 * settings.webhook_timeout_seconds * SECOND) + SECOND
        self._clients: dict[bool, httpx.AsyncClient] = {}
        self._last_prune = float("-inf")

    def _now(self) -> int:
        return to_micros(self.services.clock.now())

    def _client(self, verify: bool) -> httpx.AsyncClient:
        if verify not in self._clients:
            self._clients[verify] = httpx.AsyncClient(
                verify=verify, timeout=self.services.settings.webhook_timeout_seconds,
                follow_redirects=False, trust_env=False,
                headers={"user-agent": "closecalls-webhooks"},
            )  # fmt: skip
        return self._clients[verify]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; failures are logged and the loop goes on."""
        poll = self.services.settings.webhook_poll_seconds
        try:
            while not stop.is_set():
                try:
                    busy = await self.run_once()
                except Exception:
                    log.exception("webhook delivery pass failed")
                    busy = 0
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), poll)
        finally:
            await self.close()

    async def run_once(self) -> int:
        """One pass: plan, send what is due, prune now and then; how much work it found."""
        store = self.services.store
        now = self._now()
        planned = await store.dispatch_events(_plan, now=now, limit=PLAN_BATCH)
        claims = await store.claim_deliveries(
            now=now, lease_until=now + self.lease, limit=SEND_BATCH
        )
        if claims:
            results = await asyncio.gather(*(self.attempt(claim) for claim in claims))
            await store.record_attempts(results)
        if time.monotonic() - self._last_prune > PRUNE_EVERY_SECONDS:
            self._last_prune = time.monotonic()
            retention = int(self.services.settings.event_retention_days * DAY)
            await store.prune(events_before=now - retention, log_before=now - retention)
        return planned + len(claims)

    async def attempt(self, claim: Claim) -> AttemptResult:
        """Send one delivery, signed, and judge the answer."""
        timestamp = str(int(self.services.clock.now().timestamp()))
        headers = {
            "content-type": "application/json",
            "close-sig-hash": webhooks.sign(claim.signature_key, timestamp, claim.body),
            "close-sig-timestamp": timestamp,
        }
        status_code: int | None = None
        error: str | None = None
        started = time.perf_counter()
        try:
            if not self.services.settings.webhook_allow_private:
                error = await _private_address(claim.url)
            if error is None:
                response = await self._client(claim.verify_ssl).post(
                    claim.url, content=claim.body, headers=headers
                )
                status_code = response.status_code
        except Exception as exc:
            # Whatever went wrong is this attempt's failure, never the whole pass's.
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency_ms = (time.perf_counter() - started) * 1000
        now = self._now()
        succeeded = status_code is not None and 200 <= status_code < 300
        if succeeded:
            status, next_at, pause = "delivered", now, False
        else:
            status, next_at = self.policy.next_step(
                now=now, created=claim.date_created, failures=claim.attempts + 1
            )
            pause = self.policy.should_pause(now=now, failing_since=claim.failing_since)
        return AttemptResult(
            claim=claim, date_attempted=now, status_code=status_code, error=error,
            latency_ms=latency_ms, succeeded=succeeded, delivery_status=status,
            next_attempt_at=next_at, pause=pause,
        )  # fmt: skip


def _plan(document: bytes, subscriptions: list[SubscriptionRow]) -> list[tuple[str, bytes]]:
    """The subscriptions that want this event, each with its delivery body."""
    event: dict[str, Any] = _decode(document)
    return [
        (row.id, webhooks.envelope(document, row.id))
        for row in subscriptions
        if webhooks.wants(row.id, row.events, row.event_filter).match(event)
    ]


async def _private_address(url: str) -> str | None:
    """Why the URL's host may not be reached (it resolves to a private address), or None."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except OSError as exc:
        return f"cannot resolve {host}: {exc}"
    for *_, address in found:
        if not webhooks.is_public_address(str(address[0])):
            return f"refused: {host} resolves to a private address ({address[0]})"
    return None
