"""What writing an event with each change costs: durable creates with and without their event.

Run: .venv/bin/python -m bench.events [--creates 4000] [--rounds 3] [--postgres URL]

Inserts calls through the store, 64 at a time (group commit on SQLite, synchronous=FULL),
once without an event (the baseline, as before the event log) and once with the `created`
event the API now writes in the same transaction, alternating rounds so drift hits both.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from closecalls import accounts
from closecalls.api.calls import call_row
from closecalls.api.recording import event_row
from closecalls.domain import calls, events
from closecalls.domain.clock import SystemClock
from closecalls.domain.events import EventContext
from closecalls.domain.ids import IdSource
from closecalls.domain.principal import Principal
from closecalls.http.responses import encode_json
from closecalls.settings import Settings
from closecalls.store import create_store
from closecalls.store.base import Store
from closecalls.testing.postgres import ScratchDatabases

CONCURRENCY = 64


async def run_round(store: Store, principal: Principal, count: int, *, with_event: bool) -> float:
    """Creates per second for one round."""
    clock = SystemClock()
    ids = IdSource(clock)
    context = EventContext(principal.organization_id, principal.user_id, None, "req_bench",
                           "POST", "/api/v1/activity/call/")  # fmt: skip

    async def one() -> None:
        now = clock.now()
        call = calls.new_call({}, call_id=ids.new("acti"), now=now, principal=principal,
                              user_names={principal.user_id: principal.user_name})  # fmt: skip
        document = encode_json(call)
        recorded = []
        if with_event:
            event = events.new_event(context, event_id=ids.new("ev", 22), now=now,
                                     kind=calls.CALL_TYPE, action="created", before=None,
                                     after=call)  # fmt: skip
            recorded.append(event_row(event))
        await store.insert_activity(call_row(call, document), events=recorded)

    started = time.perf_counter()
    for _ in range(count // CONCURRENCY):
        await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
    return (count // CONCURRENCY * CONCURRENCY) / (time.perf_counter() - started)


async def measure(database: str, label: str, count: int, rounds: int) -> None:
    store = create_store(Settings.load({"database": database}, environ={}))
    await store.open()
    try:
        clock = SystemClock()
        tenant = await accounts.create_organization(
            store, name="bench", clock=clock, ids=IdSource(clock)
        )
        principal = Principal(tenant.organization.id, tenant.user.id, "Bench", "api_bench")
        await run_round(store, principal, CONCURRENCY * 4, with_event=True)  # warm up
        plain, recorded = [], []
        for _ in range(rounds):
            plain.append(await run_round(store, principal, count, with_event=False))
            recorded.append(await run_round(store, principal, count, with_event=True))
    finally:
        await store.close()
    base, best = max(plain), max(recorded)
    print(f"{label + ', create without event (baseline)':<52} {base:>9.0f}/s {1:>6.2f}x")
    print(f"{label + ', create with its event':<52} {best:>9.0f}/s {best / base:>6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--creates", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server")
    arguments = parser.parse_args()
    print(f"{'scenario':<52} {'creates':>11} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'events.db'}"
        asyncio.run(measure(database, "SQLite FULL", arguments.creates, arguments.rounds))
    if arguments.postgres:
        scratch = ScratchDatabases(arguments.postgres)
        scratch.setup()
        try:
            url = scratch.create()
            asyncio.run(measure(url, "PostgreSQL", arguments.creates, arguments.rounds))
        finally:
            scratch.teardown()


if __name__ == "__main__":
    main()
