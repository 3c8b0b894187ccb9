"""Webhook delivery against a real HTTP receiver, driven pass by pass on a controlled clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.domain.clock import ManualClock
from closecalls.settings import Settings
from closecalls.webhooks.deliverer import Deliverer
from tests.conftest import client_for
from tests.webhook_receiver import Receiver, webhook_receiver

CALLS = "/api/v1/activity/call/"
WEBHOOKS = "/api/v1/webhook/"
CALL_EVENTS = [{"object_type": "activity.call", "action": action}
               for action in ("created", "updated", "deleted")]  # fmt: skip


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Deliveries driven by the test, to loopback, with retries compressed to seconds."""
    return Settings.load(
        {"database": database_url, "deliver_webhooks": False, "webhook_allow_private": True,
         "webhook_retry_base_seconds": 1.0, "webhook_retry_cap_seconds": 4.0,
         "webhook_retry_for_seconds": 60.0, "webhook_pause_after_seconds": 10.0,
         "webhook_timeout_seconds": 5.0, "event_retention_days": 1.0},
        environ={},
    )  # fmt: skip


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
async def deliverer(app: App) -> AsyncIterator[Deliverer]:
    running = Deliverer(app.services)
    yield running
    await running.close()


async def subscribe(
    client: httpx.AsyncClient, receiver: Receiver, events: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    response = await client.post(WEBHOOKS, json={"url": receiver.url, "events": events, **extra})
    assert response.status_code == 201, response.text
    subscription: dict[str, Any] = response.json()
    receiver.keys[subscription["id"]] = subscription["signature_key"]
    return subscription


async def attempts(client: httpx.AsyncClient, subscription_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{WEBHOOKS}{subscription_id}/delivery/")
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


async def test_every_change_is_delivered_signed_as_the_log_has_it(
    client: httpx.AsyncClient, receiver: Receiver, deliverer: Deliverer, clock: ManualClock
) -> None:
    subscription = await subscribe(client, receiver, CALL_EVENTS)
    call = (await client.post(CALLS, json={"duration": 1})).json()
    await client.put(f"{CALLS}{call['id']}/", json={"duration": 2})
    await client.delete(f"{CALLS}{call['id']}/")
    await client.post("/api/v1/lead/", json={"name": "Not subscribed"})
    await deliverer.run_once()

    assert len(receiver.deliveries) == 3
    assert all(delivery.signature_valid for delivery in receiver.deliveries)
    log = (await client.get("/api/v1/event/", params={"lead_id": ""})).json()["data"]
    calls_log = {event["id"]: event for event in log if event["object_type"] == "activity.call"}
    for delivery in receiver.deliveries:
        assert delivery.body["subscription_id"] == subscription["id"]
        assert delivery.body["event"] == calls_log[delivery.body["event"]["id"]]
        assert delivery.headers["close-sig-timestamp"] == str(int(clock.now().timestamp()))
        assert delivery.headers["content-type"] == "application/json"
    assert sorted(d.body["event"]["action"] for d in receiver.deliveries) == [
        "created",
        "deleted",
        "updated",
    ]
    log_lines = await attempts(client, subscription["id"])
    assert [(line["attempt"], line["status_code"], line["succeeded"]) for line in log_lines] == [
        (1, 200, True)
    ] * 3
    assert all(line["latency_ms"] >= 0 and line["error"] is None for line in log_lines)
    # Nothing is delivered twice.
    assert await deliverer.run_once() == 0
    assert len(receiver.deliveries) == 3


async def test_filters_choose_the_events(
    client: httpx.AsyncClient, receiver: Receiver, deliverer: Deliverer
) -> None:
    outbound = {"type": "field_accessor", "field": "data",
                "filter": {"type": "field_accessor", "field": "direction",
                           "filter": {"type": "equals", "value": "outbound"}}}  # fmt: skip
    await subscribe(client, receiver, CALL_EVENTS[:1], event_filter=outbound)
    noted = {"type": "field_accessor", "field": "changed_fields",
             "filter": {"type": "contains", "value": "note"}}  # fmt: skip
    await subscribe(client, receiver, [{**CALL_EVENTS[1], "extra_filter": noted}])
    wanted = (await client.post(CALLS, json={"direction": "outbound"})).json()
    await client.post(CALLS, json={"direction": "inbound"})
    await client.put(f"{CALLS}{wanted['id']}/", json={"duration": 5})
    await client.put(f"{CALLS}{wanted['id']}/", json={"note": "Call back"})
    await deliverer.run_once()
    got = sorted((d.body["event"]["action"], d.body["event"]["object_id"])
                 for d in receiver.deliveries)  # fmt: skip
    assert got == [("created", wanted["id"]), ("updated", wanted["id"])]
    [update] = [d for d in receiver.deliveries if d.body["event"]["action"] == "updated"]
    assert "note" in update.body["event"]["changed_fields"]


async def test_a_failing_receiver_gets_retries_with_back_off(
    client: httpx.AsyncClient, receiver: Receiver, deliverer: Deliverer, clock: ManualClock
) -> None:
    tries: Counter[str] = Counter()

    def flaky(body: dict[str, Any]) -> int:
        tries[body["event"]["id"]] += 1
        return 500 if tries[body["event"]["id"]] <= 2 else 200

    receiver.answer = flaky
    subscription = await subscribe(client, receiver, CALL_EVENTS[:1])
    await client.post(CALLS, json={})
    await deliverer.run_once()
    assert len(receiver.deliveries) == 1
    assert await deliverer.run_once() == 0  # not due before its back-off
    clock.advance(timedelta(seconds=1))
    await deliverer.run_once()
    clock.advance(timedelta(seconds=1))
    await deliverer.run_once()
    assert len(receiver.deliveries) == 2  # the second back-off is two seconds
    clock.advance(timedelta(seconds=1))
    await deliverer.run_once()
    assert [d.answered for d in receiver.deliveries] == [500, 500, 200]
    assert len({d.body["event"]["id"] for d in receiver.deliveries}) == 1
    lines = await attempts(client, subscription["id"])
    assert [(line["attempt"], line["status_code"]) for line in lines] == [
        (3, 200),
        (2, 500),
        (1, 500),
    ]


async def test_a_subscription_failing_for_days_pauses_until_resumed(
    client: httpx.AsyncClient, receiver: Receiver, deliverer: Deliverer, clock: ManualClock
) -> None:
    receiver.answer = lambda _: 503
    subscription = await subscribe(client, receiver, CALL_EVENTS[:1])
    await client.post(CALLS, json={})
    for _ in range(6):  # 5 failures over 16 s of the 10 s the settings allow
        await deliverer.run_once()
        clock.advance(timedelta(seconds=4))
    url = f"{WEBHOOKS}{subscription['id']}/"
    assert (await client.get(url)).json()["status"] == "paused"
    failed = len(receiver.deliveries)
    clock.advance(timedelta(seconds=4))
    await deliverer.run_once()
    assert len(receiver.deliveries) == failed  # a paused subscription gets nothing

    receiver.answer = lambda _: 200
    resumed = await client.put(url, json={"status": "active"})
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    await deliverer.run_once()
    assert receiver.deliveries[-1].answered == 200
    assert len(receiver.delivered_event_ids()) == 1


async def test_deliveries_stop_after_the_retry_window(
    app: App, client: httpx.AsyncClient, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.answer = lambda _: 500
    settings = replace(app.services.settings, webhook_retry_for_seconds=6.0,
                       webhook_pause_after_seconds=3600.0)  # fmt: skip
    deliverer = Deliverer(replace(app.services, settings=settings))
    await subscribe(client, receiver, CALL_EVENTS[:1])
    await client.post(CALLS, json={})
    for _ in range(10):
        await deliverer.run_once()
        clock.advance(timedelta(seconds=4))
    await deliverer.close()
    # Tries at 0 s, 4 s (due at 1 s) and 8 s (due at 6 s); the next would be due at 12 s,
    # past the 6 s window, so the delivery is dropped and no pass tries it again.
    assert len(receiver.deliveries) == 3


async def test_private_addresses_are_refused_when_delivering(
    app: App, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    subscription = await subscribe(client, receiver, CALL_EVENTS[:1])
    guarded = replace(app.services.settings, webhook_allow_private=False)
    deliverer = Deliverer(replace(app.services, settings=guarded))
    await client.post(CALLS, json={})
    await deliverer.run_once()
    await deliverer.close()
    assert receiver.deliveries == []
    [line] = await attempts(client, subscription["id"])
    assert line["status_code"] is None and "private address" in line["error"]


async def test_two_deliverers_never_send_one_delivery_twice(
    app: App, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.delay = 0.01
    await subscribe(client, receiver, CALL_EVENTS[:1])
    for _ in range(40):
        await client.post(CALLS, json={})
    first, second = Deliverer(app.services), Deliverer(app.services)
    for _ in range(20):
        await asyncio.gather(first.run_once(), second.run_once())
        if len(receiver.deliveries) >= 40:
            break
    await first.close()
    await second.close()
    counts = Counter(d.body["event"]["id"] for d in receiver.deliveries)
    assert len(counts) == 40
    assert set(counts.values()) == {1}


async def test_an_organization_gets_only_its_own_events(
    app: App, client: httpx.AsyncClient, other_tenant: Tenant, receiver: Receiver,
    deliverer: Deliverer,
) -> None:  # fmt: skip
    await subscribe(client, receiver, CALL_EVENTS[:1])
    async with client_for(app, other_tenant.api_key) as other:
        await other.post(CALLS, json={})
    mine = (await client.post(CALLS, json={})).json()
    await deliverer.run_once()
    assert [d.body["event"]["object_id"] for d in receiver.deliveries] == [mine["id"]]


async def test_old_events_are_pruned(
    client: httpx.AsyncClient, deliverer: Deliverer, clock: ManualClock
) -> None:
    await client.post(CALLS, json={})
    [event] = (await client.get("/api/v1/event/")).json()["data"]
    clock.advance(timedelta(hours=23))
    await deliverer.run_once()
    assert (await client.get(f"/api/v1/event/{event['id']}/")).status_code == 200
    clock.advance(timedelta(hours=2))
    deliverer._last_prune = float("-inf")  # the next pass prunes, as a minute later would
    await deliverer.run_once()
    assert (await client.get(f"/api/v1/event/{event['id']}/")).status_code == 404


async def test_redeliver_sends_an_event_again_whatever_its_state(
    app: App, client: httpx.AsyncClient, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.answer = lambda _: 500
    settings = replace(app.services.settings, webhook_retry_for_seconds=2.0,
                       webhook_pause_after_seconds=3600.0)  # fmt: skip
    deliverer = Deliverer(replace(app.services, settings=settings))
    subscription = await subscribe(client, receiver, CALL_EVENTS[:1])
    await client.post(CALLS, json={})
    for _ in range(3):
        await deliverer.run_once()
        clock.advance(timedelta(seconds=4))
    # Failed at 0 s and 4 s; the next retry would be due past the 2 s window: dropped.
    assert len(receiver.deliveries) == 2
    assert await deliverer.run_once() == 0
    assert len(receiver.deliveries) == 2
    event_id = receiver.deliveries[0].body["event"]["id"]
    url = f"{WEBHOOKS}{subscription['id']}/delivery/{event_id}/redeliver/"

    receiver.answer = lambda _: 200
    answer = await client.post(url)
    assert (answer.status_code, answer.json()) == (200, {})
    await deliverer.run_once()
    assert len(receiver.deliveries) == 3
    assert receiver.deliveries[2].body["event"]["id"] == event_id
    assert receiver.deliveries[2].signature_valid
    log = await attempts(client, subscription["id"])
    assert [(line["attempt"], line["status_code"]) for line in log] == [
        (3, 200), (2, 500), (1, 500)
    ]  # fmt: skip
    # Delivered now: nothing more goes out until it is asked for again.
    assert await deliverer.run_once() == 0
    assert len(receiver.deliveries) == 3
    assert (await client.post(url)).status_code == 200
    await deliverer.run_once()
    assert len(receiver.deliveries) == 4
    await deliverer.close()

    unknown = await client.post(f"{WEBHOOKS}{subscription['id']}/delivery/ev_nope/redeliver/")
    assert unknown.status_code == 404
    assert "Delivery" in unknown.json()["error"]
    gone = await client.post(f"{WEBHOOKS}whsub_nope/delivery/{event_id}/redeliver/")
    assert gone.status_code == 404
