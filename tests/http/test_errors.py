"""One envelope for every failure, in Close's shapes; success bodies never look like errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.settings import Settings
from tests.conftest import client_for
from tests.support import stored_activity_count

CALLS = "/api/v1/activity/call/"
ERROR_KEYS = {"error", "errors", "field-errors"}
JSON = {"content-type": "application/json"}
FORGED_OAUTH = "Bearer oa2at_" + "x" * 43

Failure = Callable[[App, Tenant], Awaitable[httpx.Response]]


async def _request(
    app: App, key: str | None, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    async with client_for(app, key) as client:
        return await client.request(method, path, **kwargs)


FAILURES: dict[str, tuple[int, Failure]] = {
    "no credentials": (401, lambda app, t: _request(app, None, "POST", CALLS, json={})),
    "wrong key": (401, lambda app, t: _request(app, "api_x.y", "GET", CALLS + "acti_1/")),
    "bad bearer": (401, lambda app, t: _request(
        app, None, "GET", CALLS + "acti_1/", headers={"authorization": "Bearer nope"})),
    "unknown oauth token": (401, lambda app, t: _request(
        app, None, "GET", CALLS + "acti_1/", headers={"authorization": FORGED_OAUTH})),
    "unknown path": (404, lambda app, t: _request(app, t.api_key, "GET", "/api/v1/nope/")),
    "unknown id": (404, lambda app, t: _request(app, t.api_key, "GET", CALLS + "acti_1/")),
    "wrong method": (405, lambda app, t: _request(app, t.api_key, "PATCH", CALLS)),
    "wrong content type": (400, lambda app, t: _request(
        app, t.api_key, "POST", CALLS, content=b"{}", headers={"content-type": "text/csv"})),
    "invalid json": (400, lambda app, t: _request(
        app, t.api_key, "POST", CALLS, content=b"{nope", headers=JSON)),
    "not an object": (400, lambda app, t: _request(
        app, t.api_key, "POST", CALLS, content=b"[1, 2]", headers=JSON)),
    "bad field": (400, lambda app, t: _request(
        app, t.api_key, "POST", CALLS, json={"direction": "north"})),
    "bad reference": (400, lambda app, t: _request(
        app, t.api_key, "POST", CALLS, json={"user_id": "user_nobody"})),
    "too large": (413, lambda app, t: _request(
        app, t.api_key, "POST", CALLS, content=b"{" + b" " * 2_000_000 + b"}", headers=JSON)),
    "non-ascii basic": (401, lambda app, t: _request(
        app, None, "GET", CALLS, headers=[(b"authorization", b"Basic \xff\xfe")])),
    "executable url": (400, lambda app, t: _request(
        app, t.api_key, "POST", CALLS, json={"voicemail_url": "javascript:alert(1)"})),
    "non-ascii limit": (400, lambda app, t: _request(
        app, t.api_key, "GET", CALLS, params={"_limit": "\u0665"})),
    "bad tz offset": (400, lambda app, t: _request(
        app, t.api_key, "GET", CALLS, headers={"x-tz-offset": "99"})),
}  # fmt: skip


@pytest.mark.parametrize("name", FAILURES)
async def test_every_failure_has_closes_envelope_and_stores_nothing(
    app: App, tenant: Tenant, settings: Settings, name: str
) -> None:
    status, make = FAILURES[name]
    response = await make(app, tenant)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body, dict)
    assert isinstance(body["error"], str) and body["error"]
    if status == 400:
        assert isinstance(body["errors"], list)
        assert isinstance(body["field-errors"], dict)
        # The summary names every field at fault (clients that read only `error` learn which).
        assert all(name in body["error"] for name in body["field-errors"]), body
    else:
        assert set(body) == {"error"}
    assert stored_activity_count(settings.database) == 0


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
plausible = {
    "direction": st.sampled_from(["inbound", "outbound", "sideways"]),
    "status": st.sampled_from(["completed", "busy", "nope"]),
    "duration": st.integers(-10, 700_000),
    "phone": st.sampled_from(["+16505551234", "(650) 555-1234", "nope", ""]),
    "recording_url": st.sampled_from(["https://x.io/a.mp3", "http://x.io/a.mp3", ""]),
    "activity_at": st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-01", "later"]),
    "note": st.text(max_size=30),
    "note_html": st.text(max_size=30),
}
bodies = st.fixed_dictionaries(
    {}, optional={**plausible, "lead_id": json_values, "custom_fields": json_values}
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
async def test_any_body_is_either_a_call_or_a_clean_400(
    client: httpx.AsyncClient, settings: Settings, body: dict[str, Any]
) -> None:
    before = stored_activity_count(settings.database)
    response = await client.post(CALLS, json=body)
    after = stored_activity_count(settings.database)
    payload = response.json()
    if response.status_code == 200:
        assert not ERROR_KEYS & payload.keys()
        assert payload["_type"] == "Call"
        assert after == before + 1
    else:
        assert response.status_code == 400
        assert payload["field-errors"], payload
        assert set(payload["field-errors"]) <= set(body)
        assert after == before
