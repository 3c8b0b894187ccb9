"""The recording proxy: answers from the upstream, replays locally, compares, records."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from closecalls.http.responses import Response, json_response, send_response
from closecalls.parity.cassette import CassetteWriter
from closecalls.parity.exchange import Answer, Exchange, Request
from closecalls.parity.local import Local
from closecalls.parity.replay import Replayer, now_text
from closecalls.web.pages import WebUI

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

CLOSE_API = "https://api.close.com/api/v1/"
REPORT_PATH = "/_parity/report.json"
# Hop-by-hop and per-connection headers: each leg of the proxy has its own.
NOT_FORWARDED = frozenset({
    "host", "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
    "trailer", "transfer-encoding", "upgrade", "content-length",
})  # fmt: skip

log = logging.getLogger("closecalls.parity")


class UnsafeUpstream(ValueError):
    """An upstream that would carry credentials in the clear."""


def check_upstream(url: str, *, allow_http: bool) -> str:
    """The upstream API base, ending in `/`; plain http only when allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise UnsafeUpstream(f"the upstream must be an https:// URL, not {url!r}")
    if parts.scheme == "http" and not allow_http:
        raise UnsafeUpstream(
            "the upstream is not https: callers' credentials would cross the network in "
            "the clear (--allow-http permits it, for a local upstream)"
        )
    return url if url.endswith("/") else url + "/"


class Proxy:
    """An ASGI app: requests under the upstream's API path go to the upstream, then locally."""

    def __init__(
        self,
        *,
        upstream: str,
        local: Local,
        report_token: str,
        tolerance_seconds: float,
        cassette: CassetteWriter | None = None,
    ) -> None:
        self.upstream = upstream
        self.prefix = urlsplit(upstream).path
        self.local = local
        self.replayer = Replayer(local, tolerance_seconds=tolerance_seconds)
        self.report_token = report_token
        self.cassette = cassette
        self.web = WebUI()
        self.client = httpx.AsyncClient(timeout=120, follow_redirects=False)
        # One local replay at a time, in the order the upstream answered: a session's
        # creates are known before the requests that use their ids are replayed.
        self._replaying = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        page = self.web.respond(scope["method"], path)
        if page is not None:
            await send_response(send, page)
        elif path == REPORT_PATH:
            await send_response(send, await self._report(scope))
        elif path.startswith(self.prefix):
            await self._forward(scope, receive, send)
        else:
            await send_response(send, _error(404, f"closecalls proxy: {path} is not under "
                                                  f"the upstream's {self.prefix}"))  # fmt: skip

    async def _report(self, scope: Scope) -> Response:
        headers = dict(scope["headers"])
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.report_token.encode()
        ):
            return _error(401, "closecalls proxy: the report needs the report token")
        async with self._replaying:
            return json_response(self.replayer.report.document())

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        content = await _body(receive)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        relative = raw_path[len(self.prefix) :]
        query = scope.get("query_string", b"").decode("latin-1")
        headers = httpx.Headers([
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]
            if name.decode("latin-1").lower() not in NOT_FORWARDED
        ])  # fmt: skip
        upstream_request = self.client.build_request(
            scope["method"], self.upstream + relative + ("?" + query if query else ""),
            headers=headers, content=content,
        )  # fmt: skip
        at = now_text()
        try:
            response = await self.client.send(upstream_request, stream=True)
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
            await response.aclose()
        except httpx.HTTPError as error:
            # The error's text names the host, never the caller's credentials.
            log.warning("upstream failed for %s %s: %s", scope["method"], relative, type(error))
            await send_response(send, _error(502, f"closecalls proxy: upstream failed: {error}"))
            return
        # Unchanged, byte for byte: the integration keeps working against the upstream.
        answer_headers = [(name.encode("latin-1"), value.encode("latin-1"))
                          for name, value in response.headers.multi_items()
                          if name.lower() not in NOT_FORWARDED]  # fmt: skip
        answer_headers.append((b"content-length", str(len(raw)).encode()))
        decoded = httpx.Response(response.status_code, headers=response.headers, content=raw)
        exchange = Exchange(
            request=Request.capture(scope["method"], relative, query, headers, content),
            upstream=Answer.capture(decoded), at=at,
        )  # fmt: skip
        async with self._replaying:
            await self._replay(exchange)
        await send({"type": "http.response.start", "status": response.status_code,
                    "headers": answer_headers})  # fmt: skip
        await send({"type": "http.response.body", "body": raw})

    async def _replay(self, exchange: Exchange) -> None:
        """Replay and record; a local failure is reported, never passed to the caller."""
        try:
            await self.replayer.replay(exchange)
        except Exception:
            log.exception("local replay of %s %s failed", exchange.request.method,
                          exchange.request.path)  # fmt: skip
            return
        if self.cassette is not None:
            self.cassette.record(exchange)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.local.start()
                except Exception as error:
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.client.aclose()
                await self.local.stop()
                if self.cassette is not None:
                    self.cassette.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return b"".join(chunks)


def _error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}).encode(), status)
