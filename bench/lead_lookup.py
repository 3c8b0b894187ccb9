"""Finding a lead by phone, email or name among N leads, next to a GET of one lead by id.

Run: .venv/bin/python -m bench.lead_lookup [--leads 100000] [--requests 200]

Loads N leads, each with one contact holding its own phone number and email address, into one
organization of a fresh SQLite file (bulk, through the store), starts a real server on it, and
times lookups over HTTP from this process. The baseline, measured in the same run, is GET of
one lead by id. Free-text searches read every lead, so they are timed with fewer requests.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.report import Timing, print_table, time_calls
from closecalls import accounts
from closecalls.api.objects import object_row
from closecalls.domain import contacts, leads
from closecalls.domain.clock import ManualClock
from closecalls.domain.ids import IdSource
from closecalls.domain.principal import Principal
from closecalls.store.rows import ObjectRow
from closecalls.store.sqlite_driver import SQLiteDriver
from closecalls.store.store import Store
from closecalls.testing.server import UNLIMITED, LiveServer

KEY = "api_benchbenchbenchbench00.benchbenchbenchbench00"
START = datetime(2024, 1, 1, tzinfo=UTC)
BATCH = 5_000


def phone_of(n: int) -> str:
    """A distinct, valid US number per lead."""
    return f"+1415{200 + n // 10_000}{n % 10_000:04d}"


async def load(path: Path, count: int, seed: int) -> str:
    """Fill one organization with `count` leads and contacts; return a lead id to fetch."""
    clock = ManualClock(START)
    ids = IdSource(clock, seed=seed)
    store = Store(SQLiteDriver(path))
    await store.open()
    tenant = await accounts.create_organization(
        store, name="bench", clock=clock, ids=ids, api_key=KEY
    )
    principal = Principal(tenant.organization.id, tenant.user.id, "API User", "api_bench")
    statuses = leads.default_statuses(tenant.organization.id)
    started = time.perf_counter()
    rows: list[ObjectRow] = []
    sample = ""
    for n in range(count):
        lead = leads.new_lead({"name": f"Company {n}"}, lead_id=ids.new("lead"), now=clock.now(),
                              principal=principal, statuses=statuses)  # fmt: skip
        cleaned = contacts.validate(
            {"name": f"Person {n}", "phones": [{"phone": phone_of(n)}],
             "emails": [{"email": f"person{n}@company{n}.example"}]}, phone_region="US",
        )  # fmt: skip
        contact = contacts.new_contact(cleaned, contact_id=ids.new("cont"), lead_id=lead["id"],
                                       now=clock.now(), principal=principal)  # fmt: skip
        rows += [object_row("lead", lead),
                 object_row("contact", contact, parent_id=lead["id"],
                            phones=contacts.phone_numbers(contact))]  # fmt: skip
        sample = sample or lead["id"]
        if len(rows) >= BATCH:
            await store.insert_objects(rows)
            rows = []
    if rows:
        await store.insert_objects(rows)
    elapsed = time.perf_counter() - started
    await store.close()
    print(f"loaded {count} leads with contacts in {elapsed:.1f} s ({count / elapsed:,.0f} leads/s)")
    return sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per indexed scenario")
    parser.add_argument("--scans", type=int, default=5, help="requests per full-scan scenario")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="closecalls-bench-") as folder:
        workdir = Path(folder)
        database = workdir / "bench.db"
        lead_id = asyncio.run(load(database, args.leads, args.seed))
        server = LiveServer(f"sqlite:///{database}", KEY, workdir, environment=UNLIMITED)
        server.start()
        rng = random.Random(args.seed)
        try:
            with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=600) as client:

                def found(response: httpx.Response) -> None:
                    response.raise_for_status()
                    assert response.json()["data"], response.text

                def found_lead(wanted: str) -> None:
                    client.get(f"/api/v1/lead/{wanted}/").raise_for_status()

                def query(text: Callable[[int], str]) -> Callable[[], None]:
                    def run() -> None:
                        n = rng.randrange(args.leads)
                        found(client.get("/api/v1/lead/", params={"query": text(n)}))

                    return run

                def by_phone_search() -> None:
                    n = rng.randrange(args.leads)
                    body = {"query": {"type": "and", "queries": [
                        {"type": "object_type", "object_type": "lead"},
                        {"type": "has_related", "this_object_type": "lead",
                         "related_object_type": "contact_phone",
                         "related_query": {"type": "field_condition",
                                           "field": {"type": "regular_field",
                                                     "object_type": "contact_phone",
                                                     "field_name": "phone"},
                                           "condition": {"type": "text", "mode": "phrase",
                                                         "value": phone_of(n)}}}]}}  # fmt: skip
                    found(client.post("/api/v1/data/search/", json=body))

                def formatted(n: int) -> str:
                    digits = phone_of(n)[2:]
                    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"

                indexed: dict[str, Callable[[], None]] = {
                    "GET one lead by id (baseline)": lambda: found_lead(lead_id),
                    "query=+1415…  (E.164)": query(phone_of),
                    "query=(415) 2xx-xxxx": query(formatted),
                    "query=phone_number:… sort:created": query(
                        lambda n: f"phone_number:{phone_of(n)} sort:created"
                    ),
                    "POST /data/search/ lead by contact_phone": by_phone_search,
                }
                scans: dict[str, Callable[[], None]] = {
                    "query=email_address:… (SQL scan of contacts)": query(
                        lambda n: f"email_address:person{n}@company{n}.example"
                    ),
                    'query="Company N" (reads every lead)': query(lambda n: f'"Company {n}"'),
                }
                for call in indexed.values():
                    call()  # warm the page cache before timing
                timings: list[Timing] = [
                    time_calls(name, call, args.requests) for name, call in indexed.items()
                ] + [time_calls(name, call, args.scans) for name, call in scans.items()]
            rss = server.peak_rss_kib()
        finally:
            server.stop()
    print_table(
        timings,
        baseline=timings[0],
        extra={
            "leads in the organization": f"{args.leads:,}",
            "requests per indexed scenario": str(args.requests),
            "requests per scan scenario": str(args.scans),
            "server peak RSS": f"{rss / 1024:.0f} MiB",
        },
    )


if __name__ == "__main__":
    main()
