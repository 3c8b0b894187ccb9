"""The proxy against a second closecalls: itself identical, each injected difference once."""

from __future__ import annotations

from pathlib import Path

import pytest

from closecalls.parity.proxy import UnsafeUpstream, check_upstream
from tests.parity.conftest import SESSION_EXCHANGES, ParityFactory, session, upstream_server
from tests.support import LiveServer


async def test_a_session_replayed_against_itself_is_identical(
    upstream: LiveServer, parity_for: ParityFactory
) -> None:
    parity = await parity_for(upstream)
    await session(parity.client)
    report = await parity.report()
    assert report["differences"] == []
    assert (report["exchanges"], report["identical"]) == (SESSION_EXCHANGES, SESSION_EXCHANGES)
    assert report["share_identical"] == 1.0
    endpoints = {(row["method"], row["endpoint"]): row for row in report["endpoints"]}
    assert endpoints["GET", "/activity/call/{id}/"]["exchanges"] == 2
    assert endpoints["POST", "/activity/call/"]["identical"] == 2


async def test_the_caller_gets_the_upstreams_answer_unchanged(
    upstream: LiveServer, parity_for: ParityFactory
) -> None:
    parity = await parity_for(upstream)
    lead = (await parity.client.post("/api/v1/lead/", json={"name": "Acme"})).json()
    # The id is the upstream's: the integration can read it back from the upstream itself.
    direct = parity.organization.client().get(f"lead/{lead['id']}/")
    assert direct.status_code == 200
    assert parity.proxy.replayer.ids.to_local[lead["id"]] != lead["id"]
    # Only the upstream's API is forwarded, and the report needs its token.
    assert (await parity.client.get("/elsewhere/")).status_code == 404
    assert (await parity.client.get("/_parity/report.json")).status_code == 401
    assert (await parity.report())["exchanges"] == 1


def test_only_an_https_upstream_unless_plain_http_is_allowed() -> None:
    close = "https://api.close.com/api/v1"
    assert check_upstream(close, allow_http=False) == close + "/"
    with pytest.raises(UnsafeUpstream, match="--allow-http"):
        check_upstream("http://127.0.0.1:8000/api/v1/", allow_http=False)
    assert check_upstream("http://127.0.0.1:8000/api/v1/", allow_http=True).startswith("http:")
    with pytest.raises(UnsafeUpstream):
        check_upstream("ftp://example.test/", allow_http=True)


async def test_a_fault_on_the_upstream_is_reported_once(
    upstream: LiveServer, parity_for: ParityFactory
) -> None:
    parity = await parity_for(upstream)
    fault = parity.organization.fault
    await session(parity.client, before_get=lambda: fault("GET", "/api/v1/activity/call/*",
                                                          status=503))  # fmt: skip
    report = await parity.report()
    assert report["exchanges"] - report["identical"] == 1
    (differing,) = report["differences"]
    assert (differing["method"], differing["endpoint"]) == ("GET", "/activity/call/{id}/")
    assert differing["differences"][0] == {
        "where": "status",
        "kind": "value",
        "upstream": 503,
        "local": 200,
    }
    assert differing["upstream"]["status"] == 503 and differing["local"]["status"] == 200


async def test_a_different_setting_upstream_is_reported_once(
    tmp_path: Path, parity_for: ParityFactory
) -> None:
    server = upstream_server(tmp_path, CLOSECALLS_RATE_LIMIT_GROUPS="GET /me/=50")
    try:
        parity = await parity_for(server)
        await session(parity.client)
        report = await parity.report()
    finally:
        server.stop()
    (differing,) = report["differences"]
    assert differing["endpoint"] == "/me/"
    (difference,) = differing["differences"]
    assert difference["where"] == "header ratelimit"
    assert difference["upstream"].startswith("limit=50,")
    assert difference["local"].startswith("limit=320,")


async def test_a_field_the_upstream_leaves_out_is_reported_once(
    upstream: LiveServer, parity_for: ParityFactory, field_remover: object
) -> None:
    api_url = field_remover("/api/v1/activity/call/acti_", "note_html")  # type: ignore[operator]
    parity = await parity_for(upstream, api_url=api_url)
    await session(parity.client)
    report = await parity.report()
    (differing,) = report["differences"]
    assert (differing["method"], differing["endpoint"]) == ("GET", "/activity/call/{id}/")
    (difference,) = differing["differences"]
    assert difference == {
        "where": "body.note_html", "kind": "extra", "upstream": None,
        "local": "<body>Talked about rockets</body>",
    }  # fmt: skip
