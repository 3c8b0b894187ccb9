"""The local closecalls that exchanges are replayed against: an app in this process."""

from __future__ import annotations

import httpx

from closecalls import accounts
from closecalls.app import App, build_app
from closecalls.settings import Settings

API_BASE = "/api/v1/"


class LocalKeyMissing(RuntimeError):
    """An existing database and no key for it."""


class Local:
    """closecalls on its own database, reached through httpx's ASGI transport (no sockets)."""

    def __init__(self, settings: Settings, api_key: str | None) -> None:
        # The integration's webhooks are Close's to deliver: a replay must not send them twice.
        self.app: App = build_app(settings.replace(deliver_webhooks=False))
        self.api_key = api_key
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://closecalls.local",
            timeout=60,
        )  # fmt: skip

    async def start(self) -> None:
        """Open the database, making the organization (with the given key) when it is empty."""

        await self.app.startup()
        started = await accounts.first_start(self.app.services.store, self.api_key)
        self.api_key = self.api_key or started.api_key
        if self.api_key is None:
            await self.stop()
            raise LocalKeyMissing(
                "the local database already has an organization: give its API key "
                "(--local-key or CLOSECALLS_PARITY_LOCAL_KEY)"
            )

    async def stop(self) -> None:
        await self.client.aclose()
        await self.app.shutdown()
