"""What an OAuth access token costs per request against an API key, and what a refresh costs.

Run: .venv/bin/python -m bench.oauth [--requests 2000] [--rounds 5]

In process (httpx's ASGI transport, no sockets) on a SQLite file with synchronous=OFF and
rate limits off, so that only CPU counts. The baseline, measured in the same run, is
`GET /api/v1/me/` with an API key; the same request with an OAuth access token follows, with
the credential cache on (the default, one second) and off (every request looks its
credential up). Last, a refresh at `/oauth2/token/`, which spends a refresh token and stores
two new tokens in one transaction. Each figure is the median of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from closecalls import accounts, apps
from closecalls.app import build_app
from closecalls.settings import Settings

CALLBACK = "https://dialer.example/cb"


Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def per_request_us(client: httpx.AsyncClient, send: Send, count: int) -> float:
    """Microseconds per request of `count` requests made by `send(client)`, after a warm-up."""
    for _ in range(min(50, count)):
        await send(client)
    started = time.perf_counter()
    for _ in range(count):
        response = await send(client)
        assert response.status_code == 200, response.text
    return (time.perf_counter() - started) / count * 1e6


async def scenario_times(folder: Path, cache_seconds: float, count: int) -> dict[str, float]:
    settings = Settings.load({
        "database": f"sqlite:///{folder / f'{cache_seconds}.db'}", "rate_limits": False,
        "sqlite_synchronous": "OFF", "auth_cache_seconds": cache_seconds,
    }, environ={})  # fmt: skip
    app = build_app(settings)
    await app.startup()
    try:
        services = app.services
        tenant = await accounts.create_organization(
            services.store, name="bench", clock=services.clock, ids=services.ids
        )
        made = await apps.register_app(
            services.store, organization_id=tenant.organization.id, name="bench",
            redirect_uris=[CALLBACK], clock=services.clock,
        )  # fmt: skip
        location = await apps.decide(
            services.store, {"client_id": made.app.client_id, "response_type": "code"},
            allow=True, organization_id=tenant.organization.id, user_id=tenant.user.id,
            clock=services.clock, ids=services.ids,
        )  # fmt: skip
        credentials = {"client_id": made.app.client_id, "client_secret": made.client_secret}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            code = parse_qs(urlsplit(location).query)["code"][0]
            token = (await client.post("/oauth2/token/", data={
                **credentials, "grant_type": "authorization_code", "code": code,
            })).json()  # fmt: skip
            key = {"authorization": httpx.BasicAuth(tenant.api_key, "")._auth_header}
            bearer = {"authorization": f"Bearer {token['access_token']}"}
            refresh = [token["refresh_token"]]

            async def with_key(http: httpx.AsyncClient) -> httpx.Response:
                return await http.get("/api/v1/me/", headers=key)

            async def with_token(http: httpx.AsyncClient) -> httpx.Response:
                return await http.get("/api/v1/me/", headers=bearer)

            async def refreshing(http: httpx.AsyncClient) -> httpx.Response:
                response = await http.post("/oauth2/token/", data={
                    **credentials, "grant_type": "refresh_token", "refresh_token": refresh[0],
                })  # fmt: skip
                refresh[0] = response.json()["refresh_token"]
                return response

            return {
                "key": await per_request_us(client, with_key, count),
                "token": await per_request_us(client, with_token, count),
                "refresh": await per_request_us(client, refreshing, max(1, count // 10)),
            }
    finally:
        await app.shutdown()


async def measure(count: int, rounds: int) -> None:
    runs: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(rounds):
            for cache in (1.0, 0.0):
                where = Path(folder) / str(round_)
                where.mkdir(exist_ok=True)
                times = await scenario_times(where, cache, count)
                label = "cache on" if cache else "cache off"
                runs.setdefault(f"GET /me/ with an API key, {label}", []).append(times["key"])
                runs.setdefault(f"GET /me/ with an OAuth token, {label}", []).append(times["token"])
                if cache:
                    runs.setdefault("POST /oauth2/token/ refresh", []).append(times["refresh"])
    medians = {name: statistics.median(values) for name, values in runs.items()}
    baseline = next(iter(medians.values()))
    print(f"{'scenario':<44} {'us/request':>10} {'x baseline':>10}")
    for name, value in medians.items():
        print(f"{name:<44} {value:>10.0f} {value / baseline:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.requests, arguments.rounds))


if __name__ == "__main__":
    main()
