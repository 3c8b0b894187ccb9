"""GET /api/v1/activity/call/: paging, filters, ordering, `_fields`, time zones."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from closecalls.accounts import Tenant
from tests.factories import create_contact, create_lead, create_leads

CALLS = "/api/v1/activity/call/"


async def create_calls(
    client: httpx.AsyncClient, bodies: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    responses = await asyncio.gather(*(client.post(CALLS, json=body) for body in bodies))
    assert all(response.status_code == 200 for response in responses)
    return [response.json() for response in responses]


async def listing(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(CALLS, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def ids(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any
) -> list[str]:
    response = await client.get(CALLS, params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return [call["id"] for call in response.json()["data"]]


async def test_newest_first_by_default(client: httpx.AsyncClient) -> None:
    calls = await create_calls(
        client, [{"date_created": f"2026-01-0{day}T12:00:00Z"} for day in (3, 1, 2)]
    )
    page = await listing(client)
    assert [call["date_created"][:10] for call in page["data"]] == [
        "2026-01-03",
        "2026-01-02",
        "2026-01-01",
    ]
    assert page["has_more"] is False
    assert {call["id"] for call in page["data"]} == {call["id"] for call in calls}


async def test_listed_calls_are_the_same_objects_as_get(client: httpx.AsyncClient) -> None:
    [call] = await create_calls(client, [{"note": "x", "phone": "+16505551234"}])
    assert (await listing(client))["data"] == [call]


@pytest.mark.parametrize("limit", [100, 37, 1])
async def test_paging_with_shared_timestamps_never_repeats_or_drops(
    client: httpx.AsyncClient, limit: int
) -> None:
    stamps = ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]
    created = await create_calls(client, [{"date_created": stamps[n % 3]} for n in range(150)])
    seen: list[str] = []
    skip = 0
    while True:
        page = await listing(client, _limit=limit, _skip=skip)
        seen.extend(call["id"] for call in page["data"])
        if not page["has_more"]:
            break
        assert page["data"]
        skip += len(page["data"])
    assert len(seen) == len(set(seen)) == 150
    assert set(seen) == {call["id"] for call in created}


async def test_limit_default_and_maximum(client: httpx.AsyncClient) -> None:
    await create_calls(client, [{} for _ in range(101)])
    page = await listing(client)
    assert (len(page["data"]), page["has_more"]) == (100, True)
    response = await client.get(CALLS, params={"_limit": 101})
    assert response.status_code == 400
    assert response.json()["error"] == (
        "The limit you set is larger than the maximum limit for this resource (max_limit = 100)."
    )


async def test_has_more_is_exact(client: httpx.AsyncClient) -> None:
    await create_calls(client, [{} for _ in range(10)])
    assert (await listing(client, _limit=10))["has_more"] is False
    assert (await listing(client, _limit=9))["has_more"] is True
    assert (await listing(client, _limit=5, _skip=5))["has_more"] is False
    past = await listing(client, _skip=50)
    assert past == {"data": [], "has_more": False}
    assert await listing(client, _limit=0) == {"data": [], "has_more": False}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"_limit": "ten"}, '_limit must be an integer (got "ten" instead).'),
        ({"_limit": "-1"}, '_limit must be a non-negative integer (got "-1" instead).'),
        ({"_skip": "-1"}, '_skip must be a non-negative integer (got "-1" instead).'),
        ({"_skip": "1.5"}, '_skip must be a non-negative integer (got "1.5" instead).'),
        ({"_skip": "250001"}, "The skip you set is larger than the maximum skip for this resource "
                              "(max_skip = 250000).\nPlease refine your search query."),
    ],
)  # fmt: skip
async def test_bad_paging_is_400_in_closes_words(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    response = await client.get(CALLS, params=params)
    assert response.status_code == 400
    assert response.json()["error"] == message
    assert response.json()["errors"] == [message]


async def test_id_lead_contact_and_user_filters(client: httpx.AsyncClient, tenant: Tenant) -> None:
    lead_a, lead_b, lead_c = await create_leads(client, 3)
    cont_a = (await create_contact(client, lead_a))["id"]
    cont_b = (await create_contact(client, lead_b))["id"]
    bodies = [
        {"lead_id": lead_a, "contact_id": cont_a},
        {"lead_id": lead_b, "contact_id": cont_b},
        {"lead_id": lead_c},
        {},
    ]
    calls = await create_calls(client, bodies)
    assert set(await ids(client, id__in=f"{calls[0]['id']},{calls[3]['id']}")) == {
        calls[0]["id"], calls[3]["id"],
    }  # fmt: skip
    assert set(await ids(client, lead_id=f"{lead_a},{lead_c}")) == {calls[0]["id"], calls[2]["id"]}
    assert await ids(client, contact_id=cont_b) == [calls[1]["id"]]
    assert await ids(client, lead_id=lead_a, contact_id=cont_b) == []
    assert len(await ids(client, user_id=tenant.user.id)) == 4
    assert await ids(client, user_id="user_other") == []
    assert len(await ids(client, organization_id=tenant.organization.id)) == 4
    assert await ids(client, organization_id="orga_someone_else") == []
    assert len(await ids(client, _type="Call")) == 4
    assert await ids(client, _type="Email") == []


async def test_date_filters_with_datetimes(client: httpx.AsyncClient) -> None:
    calls = await create_calls(
        client, [{"date_created": f"2026-01-01T0{h}:00:00Z"} for h in range(5)]
    )
    by_hour = {int(call["date_created"][11:13]): call["id"] for call in calls}
    assert set(await ids(client, date_created__gt="2026-01-01T02:00:00Z")) == {
        by_hour[3],
        by_hour[4],
    }
    assert set(await ids(client, date_created__gte="2026-01-01T02:00:00+00:00")) == {
        by_hour[2], by_hour[3], by_hour[4],
    }  # fmt: skip
    assert set(await ids(client, date_created__lt="2026-01-01T01:00:00")) == {by_hour[0]}
    assert set(await ids(client, date_created__lte="2026-01-01T03:00:00+01:00")) == {
        by_hour[0], by_hour[1], by_hour[2],
    }  # fmt: skip
    window = await ids(
        client, date_created__gt="2026-01-01T00:00:00", date_created__lt="2026-01-01T04:00:00"
    )
    assert set(window) == {by_hour[1], by_hour[2], by_hour[3]}


async def test_a_date_means_the_whole_day(client: httpx.AsyncClient) -> None:
    stamps = ["2026-01-01T23:59:59.999999Z", "2026-01-02T00:00:00Z", "2026-01-02T23:59:59Z",
              "2026-01-03T00:00:00Z"]  # fmt: skip
    calls = await create_calls(client, [{"date_created": stamp} for stamp in stamps])
    day_two = {calls[1]["id"], calls[2]["id"]}
    assert (
        set(await ids(client, date_created__gte="2026-01-02", date_created__lte="2026-01-02"))
        == day_two
    )
    assert (
        set(await ids(client, date_created__gt="2026-01-01", date_created__lt="2026-01-03"))
        == day_two
    )
    assert set(await ids(client, date_created__gt="2026-01-02")) == {calls[3]["id"]}
    assert set(await ids(client, date_created__lt="2026-01-02")) == {calls[0]["id"]}


async def test_x_tz_offset_shifts_naive_values_and_dates(client: httpx.AsyncClient) -> None:
    calls = await create_calls(
        client, [{"date_created": "2026-01-02T03:00:00Z"}, {"date_created": "2026-01-02T06:00:00Z"}]
    )
    early, late = calls[0]["id"], calls[1]["id"]
    # In UTC-5 the calls happened at 22:00 on Jan 1 and 01:00 on Jan 2.
    eastern = {"x-tz-offset": "-5"}
    assert await ids(
        client, eastern, date_created__gte="2026-01-02", date_created__lte="2026-01-02"
    ) == [late]
    assert await ids(client, eastern, date_created__lt="2026-01-01T23:00:00") == [early]
    assert await ids(client, eastern, date_created__lt="2026-01-02T04:00:00Z") == [early]
    assert await ids(client, {"x-tz-offset": "-2.5"}, date_created__lt="2026-01-02T01:00:00") == [
        early
    ]
    assert set(await ids(client, {"x-tz-offset": "-0.0"}, date_created__gte="2026-01-02")) == {
        early,
        late,
    }
    response = await client.get(CALLS, params={"date_created__gte": "2026-01-02"},
                                headers={"x-tz-offset": "east"})  # fmt: skip
    assert response.status_code == 400


async def test_activity_at_filters_and_ordering(client: httpx.AsyncClient) -> None:
    calls = await create_calls(client, [
        {"activity_at": "2026-01-05T00:00:00Z", "date_created": "2026-01-01T00:00:00Z"},
        {"activity_at": "2026-01-04T00:00:00Z", "date_created": "2026-01-02T00:00:00Z"},
        {"activity_at": "2026-01-06T00:00:00Z", "date_created": "2026-01-03T00:00:00Z"},
    ])  # fmt: skip
    a, b, c = (call["id"] for call in calls)
    assert await ids(client) == [c, b, a]
    assert await ids(client, _order_by="date_created") == [a, b, c]
    assert await ids(client, _order_by="-activity_at") == [c, a, b]
    assert await ids(client, _order_by="activity_at") == [b, a, c]
    assert await ids(client, _order_by="nonsense") == [c, b, a]
    assert set(await ids(client, activity_at__gte="2026-01-05")) == {a, c}
    assert await ids(client, activity_at__lt="2026-01-05T00:00:00Z") == [b]


async def test_bad_date_filters_name_each_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get(CALLS, params={"date_created__gt": "soon", "activity_at__lte": "x"})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "date_created__gt": "Invalid ISO 8601 datetime.",
        "activity_at__lte": "Invalid ISO 8601 datetime.",
    }


async def test_fields_restricts_keys_and_keeps_requested_nulls(client: httpx.AsyncClient) -> None:
    [call] = await create_calls(client, [{"duration": 5}])
    page = await listing(client, _fields="id,duration,lead_id,recording_transcript,bogus")
    assert page["data"] == [{"id": call["id"], "duration": 5, "lead_id": None,
                             "recording_transcript": None}]  # fmt: skip
    everything = (await listing(client, _fields="_all"))["data"][0]
    assert everything == {**call, "recording_transcript": None, "voicemail_transcript": None}
    one = await client.get(f"{CALLS}{call['id']}/", params={"_fields": "id,user_name"})
    assert one.json() == {"id": call["id"], "user_name": "API User"}


async def test_method_override_with_params_body_equals_the_get(client: httpx.AsyncClient) -> None:
    calls = await create_calls(
        client, [{"lead_id": lead} for lead in await create_leads(client, 3)]
    )
    wanted = [calls[0]["id"], calls[1]["id"]]
    params = {"id__in": wanted, "_fields": "id,lead_id", "_limit": 10}
    response = await client.post(
        CALLS, json={"_params": params}, headers={"x-http-method-override": "GET"}
    )
    assert response.status_code == 200
    direct = await client.get(
        CALLS, params={"id__in": ",".join(wanted), "_fields": "id,lead_id", "_limit": 10}
    )
    assert response.json() == direct.json()
    assert len(response.json()["data"]) == 2
    assert len((await client.get(CALLS)).json()["data"]) == 3


async def test_other_organizations_calls_are_never_listed(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    their_lead = (await create_lead(other_client))["id"]
    [theirs] = await create_calls(other_client, [{"lead_id": their_lead}])
    assert await ids(client) == []
    assert await ids(client, id__in=theirs["id"]) == []
    assert await ids(client, lead_id=their_lead) == []
