"""The web UI's files: served at `/` with a strict policy; the API stays authenticated."""

from __future__ import annotations

import re

import httpx

from closecalls.web.pages import CONTENT_SECURITY_POLICY

IMPORT = re.compile(r'from "\./([\w.]+)"')


async def test_the_page_is_public_and_strict(client: httpx.AsyncClient) -> None:
    anonymous = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
    async with anonymous:
        page = await anonymous.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self';" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert b'<script type="module" src="/ui/app.js">' in page.content
        script = await anonymous.get("/ui/app.js")
        assert script.headers["content-type"] == "text/javascript; charset=utf-8"
        assert script.headers["x-content-type-options"] == "nosniff"
        assert (await anonymous.get("/ui/style.css")).headers["content-type"].startswith("text/css")
        # The UI is files only: the data behind it needs a key like any API call.
        assert (await anonymous.get("/api/v1/activity/call/")).status_code == 401
        assert (await anonymous.get("/ui/missing.js")).status_code == 404
        assert (await anonymous.post("/", json={})).status_code == 404


async def test_every_module_the_page_imports_is_served(client: httpx.AsyncClient) -> None:
    seen: set[str] = set()
    waiting = ["app.js"]
    while waiting:
        name = waiting.pop()
        answer = await client.get(f"/ui/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        seen.add(name)
        waiting += [found for found in IMPORT.findall(answer.text) if found not in seen]
    assert {"api.js", "calls.js", "sanitize.js", "charts.js", "admin.js"} <= seen
