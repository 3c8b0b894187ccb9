"""Finding leads and contacts: `GET /lead/?query=` and `POST /data/search/`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from closecalls.domain.clock import ManualClock
from tests.factories import create_lead

LEADS = "/api/v1/lead/"
SEARCH = "/api/v1/data/search/"


async def _wayne_and_acme(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    wayne = await create_lead(client, "Wayne Enterprises", contacts=[
        {"name": "Bruce Wayne", "title": "CEO", "phones": [{"phone": "+1 650-555-1234"}],
         "emails": [{"email": "bruce@wayne.example"}]}])  # fmt: skip
    acme = await create_lead(client, "Acme", status_label="Customer", contacts=[
        {"name": "Ann", "phones": [{"phone": "+44 20 7946 0000", "type": "mobile"}],
         "emails": [{"email": "ann@acme.example"}]}])  # fmt: skip
    return wayne, acme


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_query_finds_leads_by_phone_email_name_and_words(client: httpx.AsyncClient) -> None:
    wayne, acme = await _wayne_and_acme(client)
    expectations = {
        "(650) 555-1234": [wayne["id"]], "phone:+16505551234": [wayne["id"]],
        "phone_number:650.555.1234": [wayne["id"]], "+442079460000": [acme["id"]],
        "email_address:ann@acme.example": [acme["id"]], "BRUCE@wayne.example": [wayne["id"]],
        'name:"Bruce Wayne"': [wayne["id"]], "ceo": [wayne["id"]], "nobody": [],
        'status:"Customer"': [acme["id"]], "acme OR wayne sort:name": [acme["id"], wayne["id"]],
        "* sort:-name": [wayne["id"], acme["id"]], f"{acme['id']}": [acme["id"]],
        "not acme": [wayne["id"]], "+16505550000": [],
    }  # fmt: skip
    for text, expected in expectations.items():
        response = await client.get(LEADS, params={"query": text})
        assert _ids(response) == expected, text
        assert response.json()["total_results"] == len(expected)
    found = (await client.get(LEADS, params={"query": "ceo"})).json()["data"][0]
    assert found["contacts"][0]["name"] == "Bruce Wayne"


async def test_query_pages_counts_and_fields(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await create_lead(client, f"Shop {n}")
    page = (await client.get(LEADS, params={"query": "shop", "_limit": 2, "_fields": "id"})).json()
    assert (len(page["data"]), page["has_more"], page["total_results"]) == (2, True, 3)
    assert set(page["data"][0]) == {"id"}
    count = (await client.get(LEADS, params={"query": "shop", "_limit": 0})).json()
    assert count == {"data": [], "has_more": False, "total_results": 3}


async def test_unimplemented_clause_is_a_400_naming_it(client: httpx.AsyncClient) -> None:
    await create_lead(client)
    response = await client.get(LEADS, params={"query": "has:calls"})
    assert response.status_code == 400
    body = response.json()
    assert "has:calls" in body["field-errors"]["query"] and "has:calls" in body["error"]


def _by(related: str, field_name: str, value: str, *, top: str = "lead") -> dict[str, Any]:
    return {"query": {"type": "and", "queries": [
        {"type": "object_type", "object_type": top},
        {"type": "has_related", "this_object_type": top, "related_object_type": related,
         "related_query": {"type": "field_condition",
                           "field": {"type": "regular_field", "object_type": related,
                                     "field_name": field_name},
                           "condition": {"type": "text", "mode": "phrase",
                                         "value": value}}}]}}  # fmt: skip


async def test_data_search_by_phone_and_email(client: httpx.AsyncClient) -> None:
    wayne, acme = await _wayne_and_acme(client)
    response = await client.post(SEARCH, json={**_by("contact_phone", "phone", "6505551234"),
                                               "_limit": 1})  # fmt: skip
    assert response.json() == {"data": [{"__object_type": "lead", "id": wayne["id"]}],
                                "cursor": None}  # fmt: skip
    body = _by("contact_email", "email", "ann@acme.example", top="contact")
    body["_fields"] = {"contact": ["name", "lead_id"]}
    [contact] = (await client.post(SEARCH, json=body)).json()["data"]
    assert contact == {"__object_type": "contact", "id": acme["contacts"][0]["id"],
                       "name": "Ann", "lead_id": acme["id"]}  # fmt: skip


async def test_data_search_cursor_pages_through_everything(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    made = []
    for n in range(5):
        clock.advance(timedelta(seconds=1))
        made.append((await create_lead(client, f"Lead {n}"))["id"])
    body: dict[str, Any] = {"query": {"type": "object_type", "object_type": "lead"}, "_limit": 2,
                            "sort": [{"direction": "asc", "field": {
                                "type": "regular_field", "object_type": "lead",
                                "field_name": "date_created"}}]}  # fmt: skip
    seen: list[str] = []
    while True:
        page = (await client.post(SEARCH, json=body)).json()
        seen += [item["id"] for item in page["data"]]
        if page["cursor"] is None:
            break
        body["cursor"] = page["cursor"]
    assert seen == made


async def test_data_search_refuses_what_it_does_not_implement(client: httpx.AsyncClient) -> None:
    refused = [
        ({**_by("opportunity", "value", "1")}, "query.queries.1.related_object_type"),
        ({**_by("contact_phone", "phone", "x")}, "query.queries.1.related_query.condition.value"),
        ({**_by("contact", "title", "CEO"), "include_counts": True}, "include_counts"),
        ({"query": {"type": "and", "queries": [
            {"type": "object_type", "object_type": "lead"},
            {"type": "field_condition", "field": {"type": "regular_field", "object_type": "lead",
                                                  "field_name": "num_calls"},
             "condition": {"type": "number_range", "gte": 1}}]}},
         "query.queries.1.field.field_name"),
        ({"query": {"type": "object_type", "object_type": "opportunity"}}, "query"),
    ]  # fmt: skip
    for body, path in refused:
        response = await client.post(SEARCH, json=body)
        assert response.status_code == 400, body
        assert path in response.json()["field-errors"], response.json()


async def test_contact_list_takes_the_same_query(client: httpx.AsyncClient) -> None:
    wayne, acme = await _wayne_and_acme(client)
    response = await client.get("/api/v1/contact/", params={"query": "(650) 555-1234"})
    assert _ids(response) == [wayne["contacts"][0]["id"]]
    both = await client.get("/api/v1/contact/", params={"query": "*", "lead_id": acme["id"]})
    assert _ids(both) == [acme["contacts"][0]["id"]]
    refused = await client.get("/api/v1/contact/", params={"query": "has:calls"})
    assert refused.status_code == 400
