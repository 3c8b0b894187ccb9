"""Close's rate limits at the edge: headers on every answer, 429s, key and organization layers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from closecalls import accounts
from closecalls.accounts import Tenant
from closecalls.app import App, build_app
from closecalls.domain.clock import ManualClock
from closecalls.domain.ids import IdSource
from closecalls.domain.ratelimits import endpoint_group, group_digest
from closecalls.settings import Settings
from tests.conftest import client_for
from tests.support import stored_activity_count

CALLS = "/api/v1/activity/call/"
# The official closeio client's parser: integers, ", " separators, matched from the start.
CLIENT_REGEX = re.compile(r"limit=(\d+), remaining=(\d+), reset=(\d+)")


@pytest.fixture
async def limited(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    """The app with 3 requests per key per group every 2 seconds (9 per organization)."""
    application = build_app(
        settings.replace(rate_limit=3, rate_limit_window=2.0, rate_limit_groups="GET /me/=5"),
        clock=clock,
        ids=IdSource(clock, seed=7),
    )
    await application.startup()
    try:
        yield application
    finally:
        await application.shutdown()


@pytest.fixture
async def acme(limited: App) -> Tenant:
    services = limited.services
    return await accounts.create_organization(
        services.store, name="Acme", clock=services.clock, ids=services.ids
    )


async def another_key(app: App, tenant: Tenant) -> str:
    return await accounts.create_api_key(
        app.services.store, user=tenant.user, clock=app.services.clock
    )


def remaining(response: httpx.Response) -> int:
    match = CLIENT_REGEX.match(response.headers["ratelimit"])
    assert match is not None, response.headers["ratelimit"]
    return int(match.group(2))


async def test_every_counted_answer_carries_the_ratelimit_header(
    limited: App, acme: Tenant
) -> None:
    async with client_for(limited, acme.api_key) as client:
        answers = [
            await client.get(CALLS),
            await client.get(CALLS + "acti_missing/"),  # 404
            await client.get(CALLS, params={"_limit": "x"}),  # 400
        ]
    assert [answer.status_code for answer in answers] == [200, 404, 400]
    assert [answer.headers["ratelimit"] for answer in answers] == [
        "limit=3, remaining=2, reset=1",
        "limit=3, remaining=1, reset=2",
        "limit=3, remaining=0, reset=2",
    ]
    async with client_for(limited, None) as anonymous:
        refused = await anonymous.get(CALLS)
    # Nobody to count a request against before authentication.
    assert refused.status_code == 401
    assert "ratelimit" not in refused.headers


async def test_a_429_is_closes_in_every_detail_and_stores_nothing(
    limited: App, acme: Tenant, database_url: str, clock: ManualClock
) -> None:
    async with client_for(limited, acme.api_key) as client:
        for duration in range(3):
            assert (await client.post(CALLS, json={"duration": duration})).status_code == 200
        clock.advance(timedelta(seconds=0.1))
        refused = await client.post(CALLS, json={"duration": 99})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/json"
    assert refused.headers["ratelimit"] == "limit=3, remaining=0, reset=1"
    assert refused.headers["retry-after"] == "1"
    details = {
        "message": "API call count exceeded for this period",
        "rate_endpoint_group": group_digest(endpoint_group("POST", CALLS)),
        "rate_limit": 3,
        "rate_limit_type": "key",
        # One interval is 2/3 s rounded down to whole microseconds.
        "rate_reset": 0.566666,
        "rate_window": 2.0,
    }
    body = refused.json()
    assert body == {**details, "error": details}
    assert isinstance(body["rate_reset"], float)
    assert stored_activity_count(database_url) == 3


async def test_the_window_refills(limited: App, acme: Tenant, clock: ManualClock) -> None:
    async with client_for(limited, acme.api_key) as client:
        statuses = [(await client.get(CALLS)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        clock.advance(timedelta(seconds=2 / 3))
        assert (await client.get(CALLS)).status_code == 200
        assert (await client.get(CALLS)).status_code == 429
        clock.advance(timedelta(seconds=2))
        full = await client.get(CALLS)
    assert full.status_code == 200
    assert remaining(full) == 2


async def test_endpoint_groups_are_counted_apart(limited: App, acme: Tenant) -> None:
    async with client_for(limited, acme.api_key) as client:
        for _ in range(3):
            await client.get(CALLS)
        assert (await client.get("/api/v1/activity/")).status_code == 429  # same group
        assert (await client.post(CALLS, json={})).status_code == 200
        assert (await client.get("/api/v1/lead/")).status_code == 200
        # A group with a limit of its own (rate_limit_groups).
        me = [await client.get("/api/v1/me/") for _ in range(6)]
    assert [answer.status_code for answer in me] == [200] * 5 + [429]
    assert me[0].headers["ratelimit"].startswith("limit=5, remaining=4")


async def test_a_method_override_counts_as_the_method_it_stands_for(
    limited: App, acme: Tenant
) -> None:
    async with client_for(limited, acme.api_key) as client:
        for _ in range(3):
            await client.post(CALLS, json={})
        listed = await client.post(
            CALLS, json={"_params": {"_limit": 1}}, headers={"x-http-method-override": "GET"}
        )
    assert listed.status_code == 200
    assert remaining(listed) == 2


async def test_each_key_has_its_own_limit_and_the_organization_three_times_one(
    limited: App, acme: Tenant
) -> None:
    keys = [acme.api_key] + [await another_key(limited, acme) for _ in range(3)]
    answers: list[list[httpx.Response]] = []
    for key, count in zip(keys, (4, 4, 2, 3), strict=True):
        async with client_for(limited, key) as client:
            answers.append([await client.get(CALLS) for _ in range(count)])
    statuses = [[answer.status_code for answer in row] for row in answers]
    assert statuses == [[200, 200, 200, 429], [200, 200, 200, 429], [200, 200], [200, 429, 429]]
    assert answers[0][3].json()["rate_limit_type"] == "key"
    # The fourth key has 2 of its 3 left but the organization 0 of 9: that is the closer one.
    assert answers[3][0].headers["ratelimit"].startswith("limit=9, remaining=0")
    assert answers[1][0].headers["ratelimit"].startswith("limit=3, remaining=2")
    org_refusal = answers[3][1]
    assert org_refusal.json()["rate_limit_type"] == "org"
    assert org_refusal.json()["rate_limit"] == 9
    assert org_refusal.headers["ratelimit"].startswith("limit=9, remaining=0")


async def test_other_organizations_are_not_touched(
    limited: App, acme: Tenant, clock: ManualClock
) -> None:
    services = limited.services
    globex = await accounts.create_organization(
        services.store, name="Globex", clock=services.clock, ids=services.ids
    )
    async with client_for(limited, acme.api_key) as client:
        for _ in range(4):
            await client.get(CALLS)
    async with client_for(limited, globex.api_key) as client:
        answer = await client.get(CALLS)
    assert answer.status_code == 200
    assert remaining(answer) == 2


async def test_limits_off_count_nothing_and_announce_nothing(
    settings: Settings, clock: ManualClock
) -> None:
    application = build_app(settings.replace(rate_limits=False, rate_limit=1), clock=clock)
    await application.startup()
    try:
        services = application.services
        tenant = await accounts.create_organization(
            services.store, name="Acme", clock=clock, ids=services.ids
        )
        async with client_for(application, tenant.api_key) as client:
            answers = [await client.get(CALLS) for _ in range(5)]
    finally:
        await application.shutdown()
    assert [answer.status_code for answer in answers] == [200] * 5
    assert all("ratelimit" not in answer.headers for answer in answers)


def test_settings_refuse_limits_they_cannot_enforce() -> None:
    for bad in ({"rate_limit": 0}, {"rate_limit_window": 0}, {"rate_limit_groups": "GET x"},
                {"redis": "localhost:6379"}):  # fmt: skip
        with pytest.raises(ValueError):
            Settings.load(bad, environ={})
    assert Settings.load(environ={"CLOSECALLS_RATE_LIMITS": "off"}).rate_limits is False


async def test_a_refusal_more_than_a_second_away_says_so_in_whole_seconds_rounded_up(
    settings: Settings, clock: ManualClock
) -> None:
    application = build_app(
        settings.replace(rate_limit=1, rate_limit_window=8.0), clock=clock, ids=IdSource(clock)
    )
    await application.startup()
    try:
        services = application.services
        tenant = await accounts.create_organization(
            services.store, name="Acme", clock=clock, ids=services.ids
        )
        async with client_for(application, tenant.api_key) as client:
            first = await client.get(CALLS)
            clock.advance(timedelta(seconds=2.5))
            refused = await client.get(CALLS)
    finally:
        await application.shutdown()
    assert first.headers["ratelimit"] == "limit=1, remaining=0, reset=8"
    assert refused.status_code == 429
    # 5.5 s to wait: 6, not 5 (a client sleeping 5 would only be refused again).
    assert refused.headers["retry-after"] == "6"
    assert refused.headers["ratelimit"] == "limit=1, remaining=0, reset=6"
    assert refused.json()["rate_reset"] == pytest.approx(5.5)


@pytest.mark.parametrize("limit", [40, 320, 7])
async def test_a_new_keys_first_request_leaves_limit_minus_one_at_todays_epochs(
    settings: Settings, limit: int
) -> None:
    """Epoch seconds near 1.8e9 with microseconds: floats there were off by one request."""
    clock = ManualClock(datetime(2027, 1, 15, 8, 0, 0, 123_457, tzinfo=UTC))
    application = build_app(
        settings.replace(rate_limit=limit, rate_limit_window=1.0), clock=clock, ids=IdSource(clock)
    )
    await application.startup()
    try:
        services = application.services
        tenant = await accounts.create_organization(
            services.store, name="Acme", clock=clock, ids=services.ids
        )
        async with client_for(application, tenant.api_key) as client:
            answers = [await client.get(CALLS) for _ in range(limit + 1)]
    finally:
        await application.shutdown()
    assert [remaining(answer) for answer in answers[:-1]] == list(range(limit - 1, -1, -1))
    assert answers[-1].status_code == 429
