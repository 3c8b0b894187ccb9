"""Real leads, contacts and outcomes made through the API, for tests that need them."""

from __future__ import annotations

from typing import Any

import httpx

from closecalls import accounts
from closecalls.accounts import Tenant
from closecalls.app import App
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
