"""Bodies: content type, JSON, objects only, and a size limit."""

from __future__ import annotations

import httpx

from closecalls.app import App
from closecalls.settings import Settings
from tests.support import stored_activity_count

CALLS = "/api/v1/activity/call/"


async def test_wrong_content_type_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(CALLS, content=b"{}", headers={"content-type": "text/plain"})
    assert response.status_code == 400
    assert response.json()["error"] == (
        "Please send valid JSON with a 'Content-Type: application/json' header."
    )


async def test_form_posts_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(CALLS, data={"direction": "inbound"})
    assert response.status_code == 400


async def test_json_content_type_with_charset_is_fine(client: httpx.AsyncClient) -> None:
    response = await client.post(
        CALLS, content=b"{}", headers={"content-type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200


async def test_invalid_json_is_400(client: httpx.AsyncClient) -> None:
    for body in (b"{", b"", b"{'a': 1}", b"\xff\xfe{}", b'{"a": 1} trailing'):
        response = await client.post(
            CALLS, content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, body
        assert response.json()["error"] == "The request contains invalid JSON.", body


async def test_hostile_json_is_a_clean_400(client: httpx.AsyncClient, settings: Settings) -> None:
    for body in (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b'{"duration": 1e400}',
                 b'{"note": "\\ud800"}'):  # fmt: skip
        response = await client.post(
            CALLS, content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "The request contains invalid JSON."
    assert stored_activity_count(settings.database) == 0


async def test_huge_integers_are_range_errors_not_crashes(client: httpx.AsyncClient) -> None:
    response = await client.post(CALLS, json={"duration": 10**40})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "duration": "The value must not be larger than 604800."
    }


async def test_json_that_is_not_an_object_is_400(client: httpx.AsyncClient) -> None:
    for body in (b"[]", b'"text"', b"5", b"null", b"true"):
        response = await client.post(
            CALLS, content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "JSON data must be a dict."


async def test_body_over_the_limit_is_413_and_stores_nothing(
    app: App, client: httpx.AsyncClient, settings: Settings
) -> None:
    limit = app.services.settings.max_body_bytes
    response = await client.post(CALLS, json={"note": "x" * limit})
    assert response.status_code == 413
    assert "limit" in response.json()["error"]
    assert stored_activity_count(settings.database) == 0


async def test_streamed_body_over_the_limit_is_413(app: App, client: httpx.AsyncClient) -> None:
    limit = app.services.settings.max_body_bytes

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"note": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        CALLS, content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_a_body_that_is_not_utf8_is_invalid_json_not_a_crash(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    for body in (b'{"note": "\xff\xfe"}', b'{"\xc3": 1}', b"\xef\xbb\xbf{}"):
        response = await client.post(
            CALLS, content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, body
        assert response.json()["error"] == "The request contains invalid JSON."
    assert stored_activity_count(settings.database) == 0
