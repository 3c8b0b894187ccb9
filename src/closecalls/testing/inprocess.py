"""The app in this process, on an event loop thread of its own, behind a sync httpx transport."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

from closecalls.app import App
from closecalls.toolkit.hook import DroppedConnection

T = TypeVar("T")


class InProcessApp:
    """Runs the app's startup, requests and shutdown on one loop, for tests with no sockets."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self.run(self.app.startup())

    def stop(self) -> None:
        self.run(self.app.shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    def transport(self) -> InProcessTransport:
        return InProcessTransport(self)


class InProcessTransport(httpx.BaseTransport):
    """httpx's ASGI transport, driven from synchronous code."""

    def __init__(self, server: InProcessApp) -> None:
        self._server = server
        self._asgi = httpx.ASGITransport(app=server.app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        copy = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read()
        )

        async def exchange() -> tuple[int, httpx.Headers, bytes]:
            response = await self._asgi.handle_async_request(copy)
            return response.status_code, response.headers, await response.aread()

        try:
            status, headers, body = self._server.run(exchange())
        except DroppedConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        return httpx.Response(status, headers=headers, content=body, request=request)
