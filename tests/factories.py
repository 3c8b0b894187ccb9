"""Real leads, contacts and outcomes made through the API, for tests that need them."""

from __future__ import annotations

from typing import Any

import httpx

from closecalls import accounts
from closecalls.accounts import Tenant
from closecalls.api.activity_resource import activity_row
from closecalls.app import App
from closecalls.domain import meetings
from closecalls.domain.activity import References
from closecalls.domain.principal import Principal
from closecalls.http.responses import encode_json
from closecalls.store.rows import User


async def create_lead(client: httpx.AsyncClient, name: str = "Acme", **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/lead/", json={"name": name, **body})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def create_leads(client: httpx.AsyncClient, count: int) -> list[str]:
    """Ids of `count` new leads."""
    return [(await create_lead(client, f"Lead {n}"))["id"] for n in range(count)]


async def create_contact(
    client: httpx.AsyncClient, lead_id: str | None, **body: Any
) -> dict[str, Any]:
    payload = (
        {"name": "Ann", **body} if lead_id is None else {"name": "Ann", "lead_id": lead_id, **body}
    )
    response = await client.post("/api/v1/contact/", json=payload)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def create_outcome(
    client: httpx.AsyncClient, name: str = "Demo booked", **body: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/outcome/", json={"name": name, **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def create_lead_now(client: httpx.Client, name: str = "Acme") -> str:
    """The same against a live server, with the synchronous client; returns the lead id."""
    response = client.post("/api/v1/lead/", json={"name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def create_user(app: App, tenant: Tenant, first_name: str = "Rita") -> User:
    """A second user of the tenant's organization, straight through accounts."""
    services = app.services
    return await accounts.create_user(
        services.store, organization_id=tenant.organization.id, first_name=first_name,
        last_name="Rep", email=None, clock=services.clock, ids=services.ids,
    )  # fmt: skip


async def create_meeting(app: App, tenant: Tenant, lead_id: str, **body: Any) -> dict[str, Any]:
    """A meeting as a calendar would bring it: Close's API has no plain create for one."""
    services = app.services
    owner = tenant.user
    principal = Principal(tenant.organization.id, owner.id, owner.display_name, "test")
    contact_id = body.get("contact_id")
    refs = References(
        users={owner.id: owner.display_name}, leads=frozenset({lead_id}),
        contact_leads={contact_id: lead_id} if contact_id else {},
    )  # fmt: skip
    cleaned = meetings.validate_create({"lead_id": lead_id, **body}, phone_region="US", refs=refs)
    meeting = meetings.new_meeting(
        cleaned, activity_id=services.ids.new("acti"), now=services.clock.now(),
        principal=principal, user_names=refs.users,
    )  # fmt: skip
    await services.store.insert_activity(activity_row(meeting, encode_json(meeting)))
    return meeting
