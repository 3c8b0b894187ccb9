"""POST and GET /api/v1/activity/call/ through the ASGI app on a real database."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.settings import Settings
from tests.factories import create_contact, create_lead, create_outcome, create_user
from tests.support import stored_activity_count

CALLS = "/api/v1/activity/call/"
FULL_BODY: dict[str, Any] = {
    "direction": "inbound",
    "status": "no-answer",
    "source": "External",
    "disposition": "vm-left",
    "duration": 12,
    "phone": "+16505551234",
    "note": "left a message",
    "recording_url": "https://recordings.example.com/1.mp3",
    "voicemail_url": "https://recordings.example.com/vm.mp3",
    "custom_fields": {"campaign": "spring", "score": 3},
    "conversation_type_id": "convtype_1",
    "playbook_id": "playbook_1",
    "quality_info": "mos=4.2",
    "activity_at": "2026-01-08T10:00:00+00:00",
    "date_created": "2026-01-08T10:05:00+00:00",
    "organization_id": "orga_ignored",
}


async def create(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post(CALLS, json=body)


@pytest.fixture
async def full_body(client: httpx.AsyncClient) -> dict[str, Any]:
    """Every create key, with a lead, contact and outcome that exist."""
    lead = await create_lead(client)
    contact = await create_contact(client, lead["id"])
    outcome = await create_outcome(client)
    return {**FULL_BODY, "lead_id": lead["id"], "contact_id": contact["id"],
            "outcome_id": outcome["id"]}  # fmt: skip


async def test_create_answers_200_with_the_full_call(
    client: httpx.AsyncClient, tenant: Tenant, full_body: dict[str, Any]
) -> None:
    response = await create(client, full_body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    call = response.json()
    assert re.fullmatch(r"acti_[0-9A-Za-z]{43}", call["id"])
    assert call["organization_id"] == tenant.organization.id
    echoed = set(full_body) - {"activity_at", "date_created", "organization_id"}
    for key in echoed:
        assert call[key] == full_body[key], key
    assert call["activity_at"] == "2026-01-08T10:00:00.000000+00:00"
    assert call["date_created"] == "2026-01-08T10:05:00.000000+00:00"
    assert call["note_html"] == "<body>left a message</body>"
    assert call["user_id"] == tenant.user.id
    assert call["user_name"] == "API User"


async def test_get_returns_exactly_what_create_answered(
    client: httpx.AsyncClient, full_body: dict[str, Any]
) -> None:
    created = await create(client, full_body)
    fetched = await client.get(f"{CALLS}{created.json()['id']}/")
    assert fetched.status_code == 200
    assert fetched.content == created.content


async def test_empty_body_logs_a_call_with_defaults(client: httpx.AsyncClient) -> None:
    call = (await create(client, {})).json()
    assert (call["status"], call["source"], call["call_method"]) == (
        "completed",
        "External",
        "external",
    )
    assert call["lead_id"] is None and call["contact_id"] is None


async def test_user_id_may_name_another_user_of_the_organization(
    app: App, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    rep = await create_user(app, tenant)
    call = (await create(client, {"user_id": rep.id, "created_by_id": rep.id})).json()
    assert (call["user_id"], call["user_name"]) == (rep.id, "Rita Rep")
    assert (call["created_by"], call["created_by_name"]) == (rep.id, "Rita Rep")
    assert call["updated_by"] == tenant.user.id


async def test_another_organizations_user_does_not_exist_here(
    client: httpx.AsyncClient, other_tenant: Tenant, settings: Settings
) -> None:
    response = await create(client, {"user_id": other_tenant.user.id})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {"user_id": "Object does not exist."}
    assert stored_activity_count(settings.database) == 0


async def test_unknown_id_is_404_in_closes_words(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{CALLS}acti_doesnotexist/")
    assert response.status_code == 404
    assert response.json() == {"error": "Empty query: Call matching query does not exist."}


async def test_another_organizations_call_is_404(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    theirs = (await create(other_client, {"note": "private"})).json()
    response = await client.get(f"{CALLS}{theirs['id']}/")
    assert response.status_code == 404
    assert "private" not in response.text


SCHEME = "This URL uses a scheme that's not allowed. You can only use http:// or https://."
CREDENTIALS = "URLs with a user name or password (user:password@host) are not allowed."
# Executable schemes, credentials, bad ports, invisible and control characters in the host.
HOSTILE_URLS = [
    ("javascript:alert(document.cookie)", SCHEME), ("JavaScript://%0aalert(1)", SCHEME),
    ("data:text/html;base64,PHNjcmlwdD4=", SCHEME), ("vbscript:msgbox(1)", SCHEME),
    ("file:///etc/passwd", SCHEME), ("ftp://example.com/a.mp3", SCHEME),
    ("https://user:pw@example.com/a.mp3", CREDENTIALS), ("https://token@example.com/", CREDENTIALS),
    ("https://example.com:65536/a.mp3", "Invalid URL."), ("https://example.com:0/", "Invalid URL."),
    ("https://example.com:-1/", "Invalid URL."), ("https://example.com:/a", "Invalid URL."),
    ("https://exa\u202emple.com/a.mp3", "Invalid URL."),
    ("https://exa\u200bmple.com/", "Invalid URL."),
    ("https://exa\x07mple.com/", "Invalid URL."), ("https://exa mple.com/", "Invalid URL."),
    ("https://ex%41mple.com/", "Invalid URL."), ("https://-bad-.com/", "Invalid URL."),
    ("https://example.com/" + "a" * 2100, "The URL must not be longer than 2048 characters."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"direction": "up"}, "direction", "Not a valid choice."),
        ({"status": "done"}, "status", "Not a valid choice."),
        ({"source": "Phone"}, "source", "Not a valid choice."),
        ({"duration": 604801}, "duration", "The value must not be larger than 604800."),
        ({"duration": -1}, "duration", "The value must be at least 0."),
        ({"duration": "60"}, "duration", "Value must be of int type."),
        ({"duration": 1.5}, "duration", "Value must be of int type."),
        ({"recording_url": "http://x.com/a.mp3"}, "recording_url",
         "This URL uses a scheme that's not allowed. You can only use https://."),
        ({"voicemail_url": "not a url"}, "voicemail_url", "Invalid URL."),
        *[({"voicemail_url": url}, "voicemail_url", problem) for url, problem in HOSTILE_URLS],
        *[({"recording_url": url}, "recording_url", problem)
          for url, problem in HOSTILE_URLS if problem != SCHEME],
        ({"activity_at": "yesterday"}, "activity_at", "Invalid ISO 8601 datetime."),
        ({"date_created": "2026-13-01"}, "date_created", "Invalid ISO 8601 datetime."),
        ({"phone": "call me"}, "phone", "Invalid phone number."),
        ({"lead_id": 5}, "lead_id", "Value must be of str type."),
        ({"custom_fields": [1]}, "custom_fields", "Value must be of dict type."),
    ],
)  # fmt: skip
async def test_each_rule_rejects_with_closes_message_and_stores_nothing(
    client: httpx.AsyncClient, settings: Settings, body: dict[str, Any], field: str, message: str
) -> None:
    response = await create(client, body)
    assert response.status_code == 400
    assert response.json()["field-errors"] == {field: message}
    assert response.json()["errors"] == []
    assert stored_activity_count(settings.database) == 0


async def test_web_urls_of_every_sound_form_are_stored_as_given(client: httpx.AsyncClient) -> None:
    for url in ("https://example.com:8443/a.mp3?x=1#t", "http://[2606:4700::1111]/v.wav",
                "https://bücher.example/v.mp3", "HTTPS://Example.COM/v.mp3"):  # fmt: skip
        response = await create(client, {"voicemail_url": url, "recording_url": url})
        if url.startswith("http:"):
            assert response.json()["field-errors"] == {
                "recording_url": "This URL uses a scheme that's not allowed. You can only use https://."
            }
            continue
        assert response.status_code == 200, response.text
        assert (response.json()["voicemail_url"], response.json()["recording_url"]) == (url, url)


async def test_all_bad_fields_are_reported_together(client: httpx.AsyncClient) -> None:
    body = {"direction": "up", "status": "x", "duration": -5, "phone": "?", "activity_at": "x"}
    response = await create(client, body)
    assert set(response.json()["field-errors"]) == set(body)


async def test_unknown_keys_are_ignored(client: httpx.AsyncClient) -> None:
    response = await create(client, {"call_method": "power", "cost": 5, "wibble": True})
    assert response.status_code == 200
    call = response.json()
    assert call["call_method"] == "external"
    assert call["cost"] is None
    assert "wibble" not in call


async def test_nul_characters_get_clear_errors_on_every_backend(
    client: httpx.AsyncClient, database_url: str
) -> None:
    # PostgreSQL text cannot hold a NUL: none may reach a query as an id or a filter.
    listed = await client.get("/api/v1/activity/call/", params={"user_id": "user_\x00"})
    assert listed.status_code == 400
    assert listed.json()["field-errors"] == {"user_id": "NUL characters are not allowed."}
    for method in ("GET", "PUT", "DELETE"):
        answer = await client.request(method, "/api/v1/activity/call/acti_%00/", json={})
        assert answer.status_code == 404, answer.text
    created = await client.post(
        "/api/v1/activity/call/", json={"lead_id": "lead_\x00", "note": "a\x00b"}
    )
    assert created.status_code == 400
    assert created.json()["field-errors"] == {"lead_id": "Object does not exist."}
    assert stored_activity_count(database_url) == 0
