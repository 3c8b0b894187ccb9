"""The metrics that are not requests: webhook deliveries by outcome and rate-limit refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from closecalls.app import App
from closecalls.domain.clock import ManualClock
from closecalls.settings import Settings
from closecalls.webhooks.deliverer import Deliverer
from tests.http.test_health import metric
from tests.webhook_receiver import Receiver, webhook_receiver


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Deliveries driven by the test, to loopback; a rate limit a test can reach."""
    return Settings.load(
        {"database": database_url, "deliver_webhooks": False, "webhook_allow_private": True,
         "webhook_retry_base_seconds": 1.0, "webhook_retry_cap_seconds": 4.0,
         "webhook_timeout_seconds": 5.0, "rate_limit": 5},
        environ={},
    )  # fmt: skip


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


async def scrape(client: httpx.AsyncClient) -> str:
    answer = await client.get("/metrics", auth=None)
    assert answer.status_code == 200
    return answer.text


async def test_deliveries_are_counted_by_outcome_and_the_queue_is_gauged(
    app: App, client: httpx.AsyncClient, receiver: Receiver, clock: ManualClock
) -> None:
    answers = iter([500, 200])
    receiver.answer = lambda body: next(answers)
    subscribed = await client.post("/api/v1/webhook/", json={
        "url": receiver.url, "events": [{"object_type": "activity.call", "action": "created"}],
    })  # fmt: skip
    assert subscribed.status_code == 201
    receiver.keys[subscribed.json()["id"]] = subscribed.json()["signature_key"]
    await client.post("/api/v1/activity/call/", json={})
    deliverer = Deliverer(app.services)
    try:
        await deliverer.run_once()
        text = await scrape(client)
        deliveries = "closecalls_webhook_deliveries_total"
        assert metric(text, deliveries, outcome="pending") == 1
        assert metric(text, "closecalls_webhook_queue_depth") == 1
        for _ in range(10):  # past the back-off, however long it is
            clock.advance(timedelta(seconds=1))
            await deliverer.run_once()
    finally:
        await deliverer.close()
    text = await scrape(client)
    assert metric(text, deliveries, outcome="delivered") == 1
    assert metric(text, "closecalls_webhook_queue_depth") == 0


async def test_rate_limit_refusals_are_counted(client: httpx.AsyncClient) -> None:
    statuses = [(await client.get("/api/v1/me/")).status_code for _ in range(20)]
    refused = statuses.count(429)
    assert refused > 0
    assert metric(await scrape(client), "closecalls_rate_limit_refusals_total", limit="key") == (
        refused
    )
