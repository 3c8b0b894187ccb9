"""What writing an event with each change costs: durable creates with and without their event.

Run: .venv/bin/python -m bench.events [--creates 4000] [--rounds 3] [--postgres URL]

Inserts calls through the store, 64 at a time (group commit on SQLite, synchronous=FULL),
once without an event (the baseline, as before the event log) and once with the `created`
event the API now writes in the same transaction, alternating rounds so drift hits both.
Prints the best rate and the least process CPU per create of each: on a shared machine the
CPU figure is the steadier one.
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
from closecalls.store.store import Store
from closecalls.testing.postgres import ScratchDatabases

CONCURRENCY = 64


async def run_round(
    store: Store, principal: Principal, count: int, *, with_event: bool
) -> tuple[float, float]:
    """(creates per second, process CPU microseconds per create) for one round."""
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
            event = events.created_event(context, event_id=ids.new("ev", 22), now=now,
                                         kind=calls.CALL_TYPE, object_id=call["id"],
                                         lead_id=call["lead_id"])  # fmt: skip
            recorded.append(event_row(event, document))
        await store.insert_activity(call_row(call, document), events=recorded)

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count // CONCURRENCY):
        await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
    done = count // CONCURRENCY * CONCURRENCY
    return done / (time.perf_counter() - started), (time.process_time() - cpu) / done * 1e6


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
    base_cpu, best_cpu = min(cpu for _, cpu in plain), min(cpu for _, cpu in recorded)
    rows = ((f"{label}, create without event (baseline)", (base[0], base_cpu)),
            (f"{label}, create with its event", (best[0], best_cpu)))  # fmt: skip
    for name, (rate, cpu) in rows:
        print(
            f"{name:<50} {rate:>9.0f}/s {rate / base[0]:>6.2f}x {cpu:>8.0f} {cpu / base_cpu:>6.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--creates", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server")
    arguments = parser.parse_args()
    print(f"{'scenario':<50} {'creates':>11} {'ratio':>7} {'CPU us':>8} {'ratio':>7}")
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
