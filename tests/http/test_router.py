"""Unknown paths, wrong methods and missing trailing slashes."""

from __future__ import annotations

import httpx


async def test_unknown_path_is_404_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/wibble/")
    assert response.status_code == 404
    assert isinstance(response.json()["error"], str)


async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/activity/call/")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert isinstance(response.json()["error"], str)


async def test_missing_trailing_slash_redirects_keeping_method_and_query(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/activity/call/acti_x?_fields=id")
    assert response.status_code == 308
    assert response.headers["location"] == "/api/v1/activity/call/acti_x/?_fields=id"


async def test_redirect_is_followed_by_a_post(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/activity/call", json={}, follow_redirects=True)
    assert response.status_code == 200
    assert response.json()["_type"] == "Call"
