"""Idempotency-Key on call writes (an extension, not Close), on both backends."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from closecalls import accounts
from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.domain.clock import ManualClock
from closecalls.domain.idempotency import RUNNING_LEASE_SECONDS
from closecalls.store.postgres_driver import PostgresDriver
from tests.conftest import client_for
from tests.support import LiveServer, stored_activity_count

CALLS = "/api/v1/activity/call/"
BODY: dict[str, Any] = {"direction": "outbound", "duration": 42, "phone": "+16505551234"}
KEY = "api_testtesttesttesttest00.testtesttesttesttest00"


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def call_count(client: httpx.AsyncClient) -> int:
    return len((await client.get(CALLS, params={"_limit": 100})).json()["data"])


async def test_without_the_header_every_post_creates_a_call(client: httpx.AsyncClient) -> None:
    first = await client.post(CALLS, json=BODY)
    second = await client.post(CALLS, json=BODY)
    assert first.json()["id"] != second.json()["id"]
    assert "idempotent-replayed" not in second.headers
    assert await call_count(client) == 2


async def test_a_retry_replays_the_first_answer_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post(CALLS, json=BODY, headers=keyed("dial-1"))
    assert first.status_code == 200
    assert "idempotent-replayed" not in first.headers
    retry = await client.post(CALLS, json=BODY, headers=keyed("dial-1"))
    assert retry.status_code == 200
    assert retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert await call_count(client) == 1


async def test_key_order_and_whitespace_do_not_make_a_different_body(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post(CALLS, json=BODY, headers=keyed("k"))
    reordered = b'{ "phone": "+16505551234", "duration": 42,\n "direction": "outbound" }'
    retry = await client.post(
        CALLS, content=reordered, headers={**keyed("k"), "content-type": "application/json"}
    )
    assert retry.content == first.content


async def test_the_same_key_with_another_body_answers_422(client: httpx.AsyncClient) -> None:
    await client.post(CALLS, json=BODY, headers=keyed("k"))
    other = await client.post(CALLS, json={**BODY, "duration": 43}, headers=keyed("k"))
    assert other.status_code == 422
    assert "different request" in other.json()["error"]
    assert await call_count(client) == 1


async def test_the_quoted_form_of_the_draft_is_the_same_key(client: httpx.AsyncClient) -> None:
    first = await client.post(CALLS, json=BODY, headers=keyed("abc"))
    retry = await client.post(CALLS, json=BODY, headers=keyed('"abc"'))
    assert retry.content == first.content


@pytest.mark.parametrize("bad", ["", '""', "x" * 256])
async def test_a_malformed_key_answers_400_in_closes_envelope(
    client: httpx.AsyncClient, bad: str
) -> None:
    response = await client.post(CALLS, json=BODY, headers=keyed(bad))
    assert response.status_code == 400
    assert set(response.json()) == {"error", "errors", "field-errors"}
    assert await call_count(client) == 0


async def test_a_failed_request_releases_its_key(client: httpx.AsyncClient) -> None:
    bad = await client.post(CALLS, json={"duration": -1}, headers=keyed("k"))
    assert bad.status_code == 400
    again = await client.post(CALLS, json={"duration": -1}, headers=keyed("k"))
    assert again.status_code == 400  # run again, not replayed
    assert "idempotent-replayed" not in again.headers
    fixed = await client.post(CALLS, json={"duration": 1}, headers=keyed("k"))
    assert fixed.status_code == 200
    assert await call_count(client) == 1


async def test_keys_are_scoped_to_the_organization(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    mine = await client.post(CALLS, json=BODY, headers=keyed("shared"))
    theirs = await other_client.post(CALLS, json=BODY, headers=keyed("shared"))
    assert theirs.status_code == 200
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["organization_id"] != mine.json()["organization_id"]


async def test_keys_are_scoped_to_the_api_key(
    app: App, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    second_key = await accounts.create_api_key(
        app.services.store, user=tenant.user, clock=app.services.clock
    )
    first = await client.post(CALLS, json=BODY, headers=keyed("k"))
    async with client_for(app, second_key) as second:
        other = await second.post(CALLS, json=BODY, headers=keyed("k"))
    assert other.status_code == 200
    assert other.json()["id"] != first.json()["id"]


async def test_keys_expire_after_the_configured_lifetime(
    client: httpx.AsyncClient, clock: ManualClock, app: App
) -> None:
    first = await client.post(CALLS, json=BODY, headers=keyed("k"))
    clock.advance(timedelta(seconds=app.services.settings.idempotency_key_seconds - 1))
    assert (await client.post(CALLS, json=BODY, headers=keyed("k"))).content == first.content
    clock.advance(timedelta(seconds=1))
    later = await client.post(CALLS, json=BODY, headers=keyed("k"))
    assert later.status_code == 200
    assert later.json()["id"] != first.json()["id"]
    assert await call_count(client) == 2


async def test_a_request_still_running_answers_409(
    app: App, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    release = asyncio.Event()
    store = app.services.store
    original = store.insert_activity

    async def slow_insert(*args: Any, **kwargs: Any) -> None:
        await release.wait()
        await original(*args, **kwargs)

    store.insert_activity = slow_insert  # type: ignore[method-assign]
    try:
        first = asyncio.create_task(client.post(CALLS, json=BODY, headers=keyed("k")))
        while not (await _claimed(app)):
            await asyncio.sleep(0.01)
        retry = await client.post(CALLS, json=BODY, headers=keyed("k"))
        assert retry.status_code == 409
        assert "still being processed" in retry.json()["error"]
        release.set()
        assert (await first).status_code == 200
    finally:
        store.insert_activity = original  # type: ignore[method-assign]
    replay = await client.post(CALLS, json=BODY, headers=keyed("k"))
    assert replay.content == (await first).content


async def test_a_claim_left_past_its_lease_is_retaken_and_the_late_writer_refused(
    app: App, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    release = asyncio.Event()
    store = app.services.store
    original = store.insert_activity

    async def stuck_insert(*args: Any, **kwargs: Any) -> None:
        await release.wait()
        await original(*args, **kwargs)

    store.insert_activity = stuck_insert  # type: ignore[method-assign]
    stuck = asyncio.create_task(client.post(CALLS, json=BODY, headers=keyed("k")))
    while not (await _claimed(app)):
        await asyncio.sleep(0.01)
    store.insert_activity = original  # type: ignore[method-assign]
    clock.advance(timedelta(seconds=RUNNING_LEASE_SECONDS + 1))
    retaken = await client.post(CALLS, json=BODY, headers=keyed("k"))
    assert retaken.status_code == 200
    release.set()
    late = await stuck
    assert late.status_code == 409
    assert await call_count(client) == 1


async def _claimed(app: App) -> bool:
    """Whether some request holds a key (any organization: the test has one)."""
    store = app.services.store
    if isinstance(store.db, PostgresDriver):
        organization = await store.first_organization()
        assert organization is not None
        async with store.db.tenant(organization.id) as connection:
            return bool(await connection.fetchval("SELECT count(*) FROM idempotency_key"))
    row = store.db.reader.execute("SELECT count(*) FROM idempotency_key").fetchone()  # type: ignore[attr-defined]
    return bool(row[0])


async def test_put_with_a_key_applies_once_and_replays(client: httpx.AsyncClient) -> None:
    call = (await client.post(CALLS, json=BODY)).json()
    path = f"{CALLS}{call['id']}/"
    first = await client.put(path, json={"note": "first"}, headers=keyed("u"))
    await client.put(path, json={"note": "second"})
    retry = await client.put(path, json={"note": "first"}, headers=keyed("u"))
    assert retry.content == first.content
    assert (await client.get(path)).json()["note"] == "second"
    other = await client.put(path, json={"note": "third"}, headers=keyed("u"))
    assert other.status_code == 422


async def test_a_key_used_on_another_route_is_another_request(client: httpx.AsyncClient) -> None:
    call = (await client.post(CALLS, json={}, headers=keyed("k"))).json()
    put = await client.put(f"{CALLS}{call['id']}/", json={}, headers=keyed("k"))
    assert put.status_code == 422


def test_fifty_concurrent_clients_with_one_key_make_exactly_one_call(
    database_url: str, tmp_path: Path
) -> None:
    server = LiveServer(database_url, KEY, tmp_path)
    server.start()
    try:
        limits = httpx.Limits(max_connections=50)
        with httpx.Client(base_url=server.url, auth=(KEY, ""), limits=limits, timeout=60) as http:

            def post(_: int) -> httpx.Response:
                return http.post(CALLS, json=BODY, headers=keyed("burst"))

            with ThreadPoolExecutor(50) as pool:
                answers = list(pool.map(post, range(50)))
            settled = http.post(CALLS, json=BODY, headers=keyed("burst"))
    finally:
        server.stop()
    assert {answer.status_code for answer in answers} <= {200, 409}
    created = {answer.json()["id"] for answer in answers if answer.status_code == 200}
    assert created == {settled.json()["id"]}
    assert stored_activity_count(database_url) == 1
