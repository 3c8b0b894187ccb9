"""CPU per create, in process: where the milliseconds of a durable create go, without HTTP.

Run: .venv/bin/python -m bench.create_cpu [--creates 5000]

Calls the ASGI app directly (no sockets) 100 requests at a time with synchronous=OFF, so
that only CPU counts, and prints the process's and the event loop's CPU per create for an
empty body and for the bench's 18-key body. The baseline, measured in the same run, is the
same harness against bench/ceiling.py: what calling an ASGI app costs at all.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bench import ceiling
from bench.http_throughput import BODY
from closecalls import accounts
from closecalls.app import App, build_app
from closecalls.settings import Settings

ASGI = Callable[..., Awaitable[None]]


async def drive(
    app: ASGI, path: str, body: bytes | list[bytes], headers: list[tuple[bytes, bytes]], count: int
) -> tuple[float, float]:
    """(process CPU, event-loop CPU) per request, in microseconds; a list of bodies is sent
    one after another."""
    bodies = iter(body) if isinstance(body, list) else None

    async def one() -> None:
        sent: list[MutableMapping[str, Any]] = []
        content = body if bodies is None else next(bodies)
        messages = [{"type": "http.request", "body": content, "more_body": False}]

        async def receive() -> MutableMapping[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": path, "query_string": b"",
                 "headers": headers}  # fmt: skip
        await app(scope, receive, send)
        assert sent[0]["status"] == 200, sent

    for _ in range(100):
        await one()
    process, thread = time.process_time(), time.thread_time()
    for _ in range(count // 100):
        await asyncio.gather(*(one() for _ in range(100)))
    return ((time.process_time() - process) / count * 1e6,
            (time.thread_time() - thread) / count * 1e6)  # fmt: skip


@asynccontextmanager
async def started_app(
    database: Path, **overrides: Any
) -> AsyncIterator[tuple[App, list[tuple[bytes, bytes]]]]:
    """The app on a SQLite file (synchronous=OFF, limits off: CPU only), and a tenant's headers."""
    settings = Settings.load(
        {"database": str(database), "sqlite_synchronous": "OFF", "rate_limits": False,
         **overrides},
        environ={},
    )  # fmt: skip
    app = build_app(settings)
    await app.startup()
    try:
        services = app.services
        tenant = await accounts.create_organization(
            services.store, name="cpu", clock=services.clock, ids=services.ids
        )
        token = base64.b64encode(f"{tenant.api_key}:".encode())
        yield app, [(b"authorization", b"Basic " + token), (b"content-type", b"application/json")]
    finally:
        await app.shutdown()


def realistic_bodies(count: int, lead_id: str, contact_id: str, seed: int = 22) -> list[bytes]:
    """The 18-key body with a lead and contact, a new number and a note of 0-15 sentences
    each time (as bench/http_throughput's headline sends)."""
    chance = random.Random(seed)
    bodies = []
    for _ in range(count):
        if chance.random() < 0.75:
            phone = (
                f"+1{chance.choice(('650', '415', '212', '312'))}{chance.randint(2000000, 9999999)}"
            )
        else:
            phone = f"+447{chance.randint(400000000, 999999999)}"
        note = "Discussed pricing and the rollout plan. " * chance.randint(0, 15)
        body = {**BODY, "phone": phone, "note": note, "lead_id": lead_id, "contact_id": contact_id}
        bodies.append(json.dumps(body).encode())
    return bodies


async def realistic(app: ASGI, headers: list[tuple[bytes, bytes]], count: int) -> list[bytes]:
    """Realistic bodies naming a lead and contact created through the app."""
    sent: list[MutableMapping[str, Any]] = []
    lead = json.dumps({"name": "Acme", "contacts": [{"name": "Ann"}]}).encode()
    messages = [{"type": "http.request", "body": lead, "more_body": False}]

    async def receive() -> MutableMapping[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/lead/", "query_string": b"",
             "headers": headers}  # fmt: skip
    await app(scope, receive, send)
    created = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    return realistic_bodies(count, created["id"], created["contacts"][0]["id"])


async def measure(count: int) -> None:
    calls = "/api/v1/activity/call/"
    with tempfile.TemporaryDirectory() as folder:
        async with started_app(Path(folder) / "cpu.db") as (app, headers):
            floor = await drive(ceiling.app, "/", b"{}", [], count)
            rows = {"ASGI call alone (baseline: bench/ceiling.py)": floor}
            for name, body in (("create, empty body", {}), ("create, 18-key body", BODY)):
                rows[name] = await drive(app, calls, json.dumps(body).encode(), headers, count)
            rows["create, realistic body"] = await drive(
                app, calls, await realistic(app, headers, count + 100), headers, count
            )
    print(f"{'scenario':<46} {'CPU us':>8} {'loop us':>8} {'x baseline':>10}")
    for name, (process, thread) in rows.items():
        print(f"{name:<46} {process:>8.0f} {thread:>8.0f} {process / floor[0]:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--creates", type=int, default=5000)
    asyncio.run(measure(parser.parse_args().creates))


if __name__ == "__main__":
    main()
