"""`closecalls import`: rows become calls through the API's validation, in large batches.

Each batch is one transaction that writes its calls with their natural keys, so an
import that stops (or is killed) can be run again: committed rows are skipped, the
rest are loaded. Rows that fail validation go to the error file and stop nothing.
"""

from __future__ import annotations

import asyncio
import csv
import multiprocessing
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import IO, Any

from closecalls.api.calls import call_row, look_up_references
from closecalls.bulk.formats import BadRow, Raw, to_row
from closecalls.bulk.mappings import RowError, RowMapper
from closecalls.domain import calls
from closecalls.domain.clock import Clock, SystemClock
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.ids import IdSource
from closecalls.domain.phones import normalize_phone
from closecalls.domain.principal import Principal
from closecalls.http.responses import encode_json
from closecalls.settings import Settings
from closecalls.store.activities import ActivityValues, activity_values
from closecalls.store.bulk import Keyed
from closecalls.store.store import Store

# Rows per transaction: more saves little (a batch's commit costs by its pages, not its
# count), and every batch in flight is held in memory, two or three at a time.
BATCH = 2_000
# Rows per task a worker process checks.
CHUNK = 500
# Files with more rows than this are checked in worker processes by default.
WORKER_ROWS = 40_000
# The error file's "field" for a row that repeats an earlier one (not an error of the row's).
REPEATED = "(repeated)"
Progress = Callable[[int], None]


@dataclass(slots=True)
class ImportReport:
    """What an import did with each row it read."""

    rows: int = 0
    imported: int = 0
    skipped: int = 0  # imported before (same natural key)
    repeated: int = 0  # the same call as an earlier row of this file (same natural key)
    failed: int = 0


class ErrorFile:
    """Bad rows as CSV: row number, field, and Close's message (one line per bad field)."""

    def __init__(self, output: IO[str]) -> None:
        self._writer = csv.writer(output)
        self._writer.writerow(["row", "field", "message"])

    def add(self, number: int, field: str, message: str) -> None:
        """One bad field of a row (rows are added in the order they were read)."""
        self._writer.writerow((number, field, message))


# A row's problems: (field, Close's message) each; the field is "" for the row as a whole.
Problems = list[tuple[str, str]]
# (row number, natural key, request body or why the row has none): a row as mapped. A row
# that cannot be read has no key.
Mapped = tuple[int, str | None, dict[str, Any] | Problems]
# (row number, natural key, the call's row or why the row was refused): a row as checked.
Outcome = tuple[int, str | None, ActivityValues | Problems]


@dataclass(frozen=True, slots=True)
class Unchecked:
    """Mapped rows that name leads, contacts, outcomes or users: to be looked up first."""

    mapped: list[Mapped]


def map_rows(
    chunk: list[tuple[int, Raw]], header: list[str] | None, mapper: RowMapper
) -> list[Mapped]:
    """Each row's natural key and request body (pure: runs anywhere)."""
    mapped: list[Mapped] = []
    for number, raw in chunk:
        row = to_row(raw, header)
        if isinstance(row, BadRow):
            mapped.append((number, None, [("", row.message)]))
            continue
        try:
            key = mapper.natural_key(row)
        except RowError as error:
            mapped.append((number, None, [("", str(error))]))
            continue
        try:
            mapped.append((number, key, mapper.body(row)))
        except RowError as error:
            mapped.append((number, key, [("", str(error))]))
    return mapped


def check_batch(
    mapped: list[Mapped],
    refs: calls.References,
    principal: Principal,
    phone_region: str,
    now: datetime,
    ids: IdSource | None = None,
) -> list[Outcome]:
    """Validate each body as the API does and build the call it logs (pure: runs anywhere)."""
    ids = ids or _process_ids()
    checked: list[Outcome] = []
    for number, key, body in mapped:
        if not isinstance(body, dict):
            checked.append((number, key, body))
            continue
        try:
            cleaned = calls.validate_create(body, phone_region=phone_region, refs=refs)
        except ValidationFailed as failure:
            problems = [("", message) for message in failure.errors]
            problems.extend(failure.field_errors.items())
            checked.append((number, key, problems))
            continue
        call = calls.new_call(
            cleaned, call_id=ids.new("acti"), now=now, principal=principal, user_names=refs.users
        )
        checked.append((number, key, activity_values(call_row(call, encode_json(call)))))
    return checked


def load_chunk(
    chunk: list[tuple[int, Raw]],
    header: list[str] | None,
    mapper: RowMapper,
    principal: Principal,
    phone_region: str,
    now: datetime,
    ids: IdSource | None = None,
) -> list[Outcome] | Unchecked:
    """Read, map and check a chunk of rows where they are (a worker process, or this one).

    Rows that name no other object (a provider's export names none) are checked at once;
    a chunk that does name some comes back unchecked, for the store to look them up.
    """
    mapped = map_rows(chunk, header, mapper)
    if any(isinstance(body, dict) and calls.referenced_ids(body) for _, _, body in mapped):
        return Unchecked(mapped)
    refs = calls.References(users={principal.user_id: principal.user_name})
    return check_batch(mapped, refs, principal, phone_region, now, ids)


class FirstRows:
    """Each natural key's first row in the file, so that a repeat is reported as one.

    Kept in a temporary SQLite file, not a dict: a million keys held in memory cost about
    145 MB, as much again as the rest of an import; this costs about 2 µs a row.
    """

    # Keys per statement (two parameters each), as the store claims them.
    CHUNK = 500

    def __init__(self) -> None:
        # "" is a private temporary file, deleted on close; nothing here needs to survive.
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA cache_size = -2048")
        self._db.execute(
            "CREATE TABLE first_row (key TEXT PRIMARY KEY, number INTEGER NOT NULL) WITHOUT ROWID"
        )

    def of(self, rows: list[tuple[int, str]]) -> dict[str, int]:
        """The first row of each key of these (row number, key) pairs, these rows included."""
        firsts: dict[str, int] = {}
        for number, key in rows:
            firsts.setdefault(key, number)
        fresh = list(firsts.items())
        self._db.execute("BEGIN")
        for start in range(0, len(fresh), self.CHUNK):
            chunk = fresh[start : start + self.CHUNK]
            # A key seen before keeps its number and returns it; a new one is stored.
            sql = (
                f"INSERT INTO first_row VALUES {', '.join(['(?, ?)'] * len(chunk))} "
                "ON CONFLICT (key) DO UPDATE SET number = number RETURNING key, number"
            )
            firsts.update(self._db.execute(sql, [item for pair in chunk for item in pair]))
        self._db.execute("COMMIT")
        return firsts

    def close(self) -> None:
        self._db.close()


def _exit_with_parent(parent: int) -> None:
    """Pool initializer: a worker whose import was killed stops too, instead of lingering."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="closecalls-parent-watch", daemon=True).start()


_ids: IdSource | None = None


def _process_ids() -> IdSource:
    """A worker process's own id source (ids stay unique: their tails are random)."""
    global _ids
    if _ids is None:
        _ids = IdSource(SystemClock())
    return _ids


class Importer:
    """Loads rows into one organization as one of its users.

    With `workers` > 1, rows are mapped and validated in that many processes, a chunk at a
    time, while this one reads ahead and the store writes: that is most of an import's work.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        principal: Principal,
        mapper: RowMapper,
        *,
        clock: Clock,
        ids: IdSource,
        batch: int = BATCH,
        workers: int = 1,
    ) -> None:
        self.store = store
        self.settings = settings
        self.principal = principal
        self.mapper = mapper
        self.clock = clock
        self.ids = ids
        self.batch = batch
        # Matching phones to contacts needs the store for every row: that stays here.
        self.workers = 1 if settings.match_phone else max(1, workers)

    async def run(
        self,
        rows: Iterable[tuple[int, Raw]],
        errors: ErrorFile,
        progress: Progress,
        *,
        header: list[str] | None = None,
    ) -> ImportReport:
        """Load numbered rows as read (`formats.read_raw`; a CSV's rows need its `header`)."""
        report = ImportReport()
        pool = (
            ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
            if self.workers > 1
            else None
        )
        # Batches read and handed to the checkers, oldest first: (rows, its chunks checked).
        batches: deque[tuple[int, datetime, list[asyncio.Future[list[Outcome] | Unchecked]]]]
        batches = deque()
        first_rows = FirstRows()
        writing: asyncio.Future[int] | None = None

        async def write_next() -> None:
            nonlocal writing
            count, now, futures = batches.popleft()
            keyed: list[Keyed] = []
            for outcomes in await self._checked([await future for future in futures], now, pool):
                self._collect(outcomes, first_rows, keyed, errors, report)
            # The previous batch commits while this one was being checked.
            if writing is not None:
                report.imported += await writing
            writing = asyncio.ensure_future(
                self.store.import_activities(self.principal.organization_id, keyed)
            )
            report.rows += count
            progress(count)

        try:
            for batch in _chunks(iter(rows), self.batch):
                now = self.clock.now()
                futures = [self._load(chunk, header, now, pool) for chunk in _pieces(batch)]
                batches.append((len(batch), now, futures))
                # With worker processes, the next batch is being checked while this one is
                # collected; without, it is checked here while this one commits.
                if len(batches) > (pool is not None):
                    await write_next()
            while batches:
                await write_next()
            if writing is not None:
                report.imported += await writing
                writing = None
        finally:
            if writing is not None:
                await writing
            for _, _, futures in batches:
                for future in futures:
                    future.cancel()
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            first_rows.close()
        report.skipped = report.rows - report.failed - report.imported - report.repeated
        return report

    def _load(
        self,
        chunk: list[tuple[int, Raw]],
        header: list[str] | None,
        now: datetime,
        pool: ProcessPoolExecutor | None,
    ) -> asyncio.Future[list[Outcome] | Unchecked]:
        """Start reading, mapping and checking a chunk (in a worker process, with a pool)."""
        loop = asyncio.get_running_loop()
        principal, region = self.principal, self.settings.phone_region
        if pool is not None:
            return loop.run_in_executor(
                pool, load_chunk, chunk, header, self.mapper, principal, region, now
            )
        future: asyncio.Future[list[Outcome] | Unchecked] = loop.create_future()
        if self.settings.match_phone:
            # Matching phones to contacts needs the store for every row: checked below.
            future.set_result(Unchecked(map_rows(chunk, header, self.mapper)))
        else:
            future.set_result(
                load_chunk(chunk, header, self.mapper, principal, region, now, self.ids)
            )
        return future

    async def _checked(
        self,
        loaded: list[list[Outcome] | Unchecked],
        now: datetime,
        pool: ProcessPoolExecutor | None,
    ) -> list[list[Outcome]]:
        """The chunks of a batch checked: those that name other objects, after looking them up."""
        principal, region = self.principal, self.settings.phone_region
        loop = asyncio.get_running_loop()
        pending: list[asyncio.Future[list[Outcome]] | list[Outcome]] = []
        for chunk in loaded:
            if not isinstance(chunk, Unchecked):
                pending.append(chunk)
                continue
            mapped = chunk.mapped
            if self.settings.match_phone:
                mapped = await self._attach_by_phone(mapped, region)
            refs = await self._references(mapped)
            if pool is not None:
                pending.append(
                    loop.run_in_executor(pool, check_batch, mapped, refs, principal, region, now)
                )
            else:
                pending.append(check_batch(mapped, refs, principal, region, now, self.ids))
        return [chunk if isinstance(chunk, list) else await chunk for chunk in pending]

    def _collect(
        self,
        outcomes: list[Outcome],
        first_rows: FirstRows,
        keyed: list[Keyed],
        errors: ErrorFile,
        report: ImportReport,
    ) -> None:
        """Calls to write, and bad and repeated rows to report, in row order."""
        firsts = first_rows.of([(number, key) for number, key, _ in outcomes if key is not None])
        for number, key, outcome in outcomes:
            if key is not None and (first := firsts[key]) != number:
                errors.add(number, REPEATED, f"the same call as row {first}: not loaded")
                report.repeated += 1
                continue
            if isinstance(outcome, tuple):
                assert key is not None  # a row that became a call was read, so has a key
                keyed.append((key, outcome))
                continue
            report.failed += 1
            for field, message in outcome:
                errors.add(number, field, message)

    async def _attach_by_phone(self, mapped: list[Mapped], region: str) -> list[Mapped]:
        """With `--match-phone`: give unattached calls the contact their number names."""
        attached: list[Mapped] = []
        for number, key, body in mapped:
            if (
                isinstance(body, dict)
                and isinstance(body.get("phone"), str)
                and not (body.get("lead_id") or body.get("contact_id"))
            ):
                try:
                    phone = normalize_phone(body["phone"], default_region=region)
                except ValueError:
                    attached.append((number, key, body))  # validation will say why
                    continue
                matches = await self.store.contacts_by_phone(
                    self.principal.organization_id, phone.e164
                )
                if matches:
                    contact_id, lead_id = matches[0]
                    body = {**body, "contact_id": contact_id, "lead_id": lead_id}
            attached.append((number, key, body))
        return attached

    async def _references(self, mapped: list[Mapped]) -> calls.References:
        """What the organization holds of every id the rows name: one lookup per chunk."""
        wanted = calls.ReferencedIds(set(), set(), set(), set())
        for _, _, body in mapped:
            named = calls.referenced_ids(body) if isinstance(body, dict) else None
            if named is not None:
                wanted.users.update(named.users)
                wanted.leads.update(named.leads)
                wanted.contacts.update(named.contacts)
                wanted.outcomes.update(named.outcomes)
        return await look_up_references(self.store, self.principal, wanted)


def _chunks(rows: Iterator[tuple[int, Raw]], size: int) -> Iterator[list[tuple[int, Raw]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _pieces(batch: list[tuple[int, Raw]]) -> Iterator[list[tuple[int, Raw]]]:
    """A batch in chunks for the checkers: small enough to keep every worker busy."""
    for start in range(0, len(batch), CHUNK):
        yield batch[start : start + CHUNK]
