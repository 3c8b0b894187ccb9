"""/api/v1/event/ answers in Close's cursor shape."""

from __future__ import annotations

import httpx


async def test_event_log_has_closes_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/event/", params={"object_type": "activity.call"})
    assert response.status_code == 200
    assert response.json() == {"data": [], "cursor_next": None, "cursor_previous": None}


async def test_event_log_needs_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/event/", auth=("api_wrong.key", ""))
    assert response.status_code == 401
