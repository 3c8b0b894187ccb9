"""What a create's SQLite inserts cost, index by index, and what the event row adds.

Run: .venv/bin/python -m bench.write_path [--inserts 4000] [--rounds 5] [--prefill 20000]
                                          [--synchronous OFF] [--rows FILE] [--only NAME]

Takes real rows (a realistic call and its event, created through the app), then inserts
copies with fresh ids and times into files built from the real migrations, several creates
per transaction as the group-committing writer does, and prints the process CPU per
create (activity row + event row) for each variant of the schema against today's, measured
in the same run, variants alternating over rounds (medians). `synchronous=OFF` by default,
so that only CPU counts; `--synchronous FULL` adds the fsyncs (their wait is not CPU).

Instruction counts, which load on the machine does not move: `--only NAME` runs the one
variant whose name starts so, once; run it under `valgrind --tool=callgrind` with
`--prefill 0 --rows FILE` (the rows are made once and kept, so the app is not loaded),
once with `--inserts 0` and once with `--inserts N`: the difference over N is one create's.
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from closecalls.store.events_sql import INSERT_EVENT
from closecalls.store.migrations import load_migrations
from closecalls.store.sql import INSERT_ACTIVITY
from closecalls.store.sqlite_driver import _statements

ACTIVITY_INDEXES = (
    "activity_created", "activity_activity_at", "activity_lead_created", "activity_lead_at",
    "activity_contact_created", "activity_user_created", "activity_timeline_created",
)  # fmt: skip
EVENT_INDEXES = (
    "event_updated", "event_object", "event_type", "event_lead", "event_user", "event_request",
    "event_undispatched", "event_age",
)  # fmt: skip
BATCH = 8  # creates per transaction, about what group commit shares under load
ORGANIZATION_KEY = "organization_id TEXT NOT NULL REFERENCES organization (id)"


@dataclass(frozen=True)
class Variant:
    name: str
    drop: tuple[str, ...] = ()  # indexes dropped after the migrations
    event: bool = True  # the create writes its event row
    # Rewrites of the activity and event tables' organization column.
    organization_column: str = ORGANIZATION_KEY
    integer_organization: bool = False


def variants() -> list[Variant]:
    found = [Variant("today: 7 activity indexes + id, event row with 8 + id")]
    found += [Variant(f"without {name}", drop=(name,)) for name in ACTIVITY_INDEXES]
    found.append(Variant("without the 7 list indexes", drop=ACTIVITY_INDEXES))
    found.append(Variant("without the event row", event=False))
    found.append(Variant("event without its 8 indexes", drop=EVENT_INDEXES))
    found += [Variant(f"event without {name}", drop=(name,)) for name in EVENT_INDEXES]
    found.append(Variant("organization key not checked (no REFERENCES)",
                         organization_column="organization_id TEXT NOT NULL"))  # fmt: skip
    found.append(
        Variant("integer organization key (no REFERENCES)",
                organization_column="organization_id INTEGER NOT NULL", integer_organization=True)
    )  # fmt: skip
    return found


def build(path: Path, variant: Variant, synchronous: str, organization: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA cache_size = -65536")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    connection.execute("BEGIN")
    for migration in load_migrations("sqlite"):
        for statement in _statements(migration.sql):
            if statement.startswith(("CREATE TABLE activity", "CREATE TABLE event ")):
                statement = statement.replace(ORGANIZATION_KEY, variant.organization_column)
            connection.execute(statement)
    for name in variant.drop:
        connection.execute(f"DROP INDEX {name}")
    connection.execute(
        "INSERT INTO organization (id, name, date_created) VALUES (?, 'bench', '')",
        (organization,),
    )
    connection.execute("COMMIT")
    return connection


Row = tuple[tuple[object, ...], tuple[object, ...]]


async def real_rows() -> tuple[str, list[Row]]:
    """Realistic calls and their events as the app stores them."""
    # Imported here: under callgrind, `--rows` spares loading the app at all.
    from bench.create_cpu import drive, realistic, started_app

    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "rows.db"
        async with started_app(database) as (app, headers):
            await drive(app, "/api/v1/activity/call/", await realistic(app, headers, 200), headers,
                        100)  # fmt: skip
        connection = sqlite3.connect(database)
        activities = connection.execute(
            "SELECT id, organization_id, type, lead_id, contact_id, user_id, date_created, "
            "activity_at, document FROM activity ORDER BY seq"
        ).fetchall()
        events = {
            row[3]: row
            for row in connection.execute(
                "SELECT id, organization_id, object_type, object_id, action, lead_id, user_id, "
                "request_id, date_created, date_updated, document FROM event"
            )
        }
        organization = connection.execute("SELECT id FROM organization").fetchone()[0]
        connection.close()
    return organization, [(activity, events[activity[0]]) for activity in activities]


def copies(organization: str, templates: list[Row], count: int, integer: bool) -> list[Row]:
    """`count` creates shaped like the templates, with new ids and later times."""
    org: object = 1 if integer else organization
    micros = 1_800_000_000_000_000
    rows = []
    for number in range(count):
        activity, event = templates[number % len(templates)]
        micros += 1000
        # Ids as long as real ones and, like them, ordered by time (real ones end randomly).
        activity_id = f"acti_{micros:043d}"
        rows.append((
            (activity_id, org, *activity[2:6], micros, micros, activity[8]),
            (f"ev_{micros:043d}", org, *event[2:3], activity_id, event[4], *event[5:7],
             f"req_{micros:043d}", micros, micros, event[10]),
        ))  # fmt: skip
    return rows


def insert(connection: sqlite3.Connection, rows: list[Row], event: bool) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute("BEGIN IMMEDIATE")
        for activity, event_row in rows[start : start + BATCH]:
            connection.execute(INSERT_ACTIVITY, activity)
            if event:
                connection.execute(INSERT_EVENT, event_row)
        connection.execute("COMMIT")


def run(
    variant: Variant, organization: str, templates: list[Row], args: argparse.Namespace
) -> float:
    """Microseconds of process CPU per create."""
    with tempfile.TemporaryDirectory() as folder:
        connection = build(Path(folder) / "write.db", variant, args.synchronous, organization)
        if variant.integer_organization:
            connection.execute("PRAGMA foreign_keys = OFF")
        rows = copies(organization, templates, args.prefill + args.inserts,
                      variant.integer_organization)  # fmt: skip
        insert(connection, rows[: args.prefill], variant.event)
        started = time.process_time()
        insert(connection, rows[args.prefill :], variant.event)
        spent = time.process_time() - started
        connection.close()
    inserts: int = args.inserts
    return spent / max(inserts, 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--inserts", type=int, default=4000)
    parser.add_argument("--prefill", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--synchronous", default="OFF")
    parser.add_argument("--only", help="run one variant once (for callgrind)")
    parser.add_argument("--rows", type=Path, help="keep the real rows in this file between runs")
    args = parser.parse_args()
    if args.rows is not None and args.rows.exists():
        organization, templates = pickle.loads(args.rows.read_bytes())
    else:
        organization, templates = asyncio.run(real_rows())
        if args.rows is not None:
            args.rows.write_bytes(pickle.dumps((organization, templates)))
    every = variants()
    if args.only is not None:
        chosen = [variant for variant in every if variant.name.startswith(args.only)]
        print(f"{chosen[0].name}: {run(chosen[0], organization, templates, args):.1f} us")
        return
    spent: dict[str, list[float]] = {variant.name: [] for variant in every}
    for number in range(args.rounds):
        for variant in every if number % 2 == 0 else every[::-1]:
            spent[variant.name].append(run(variant, organization, templates, args))
    today = statistics.median(spent[every[0].name])
    print(f"{args.inserts} creates after {args.prefill}, {BATCH} a transaction, "
          f"synchronous={args.synchronous}, median of {args.rounds} rounds\n")  # fmt: skip
    print(f"{'variant':<58} {'CPU us':>7} {'x today':>8}")
    for variant in every:
        median = statistics.median(spent[variant.name])
        print(f"{variant.name:<58} {median:>7.1f} {median / today:>8.3f}")


if __name__ == "__main__":
    main()
