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
from closecalls.bulk.formats import BadRow
from closecalls.bulk.mappings import RowError, RowMapper
from closecalls.domain import calls
from closecalls.domain.clock import Clock, SystemClock
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.ids import IdSource
from closecalls.domain.phones import normalize_phone
from closecalls.domain.principal import Principal
from closecalls.http.responses import encode_json
from closecalls.settings import Settings
from closecalls.store.activities import activity_values
from closecalls.store.bulk import Keyed
from closecalls.store.store import Store

BATCH = 20_000
Progress = Callable[[int], None]
NumberedRow = tuple[int, dict[str, Any] | BadRow]


@dataclass(slots=True)
class ImportReport:
    """What an import did with each row it read."""

    rows: int = 0
    imported: int = 0
    skipped: int = 0  # imported before (same natural key)
    failed: int = 0


class ErrorFile:
    """Bad rows as CSV: row number, field, and Close's message (one line per bad field)."""

    def __init__(self, output: IO[str]) -> None:
        self._writer = csv.writer(output)
        self._writer.writerow(["row", "field", "message"])
        self._pending: list[tuple[int, str, str]] = []

    def add(self, number: int, field: str, message: str) -> None:
        self._pending.append((number, field, message))

    def flush(self) -> None:
        """Write what was added, in row order (a batch finds its errors in two passes)."""
        ordered = sorted(self._pending, key=lambda pending: pending[0])
        self._writer.writerows(ordered)
        self._pending.clear()


ErrorLine = tuple[int, str, str]
# (row number, natural key, request body) of a row that mapped to a body.
Mapped = tuple[int, str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Checked:
    """A batch after validation: its calls with their natural keys, and its bad rows."""

    keyed: list[Keyed]
    errors: list[ErrorLine]


def check_batch(
    mapped: list[Mapped],
    refs: calls.References,
    principal: Principal,
    phone_region: str,
    now: datetime,
    ids: IdSource | None = None,
) -> Checked:
    """Validate each body as the API does and build the call it logs (pure: runs anywhere)."""
    ids = ids or _process_ids()
    keyed: list[Keyed] = []
    errors: list[ErrorLine] = []
    for number, key, body in mapped:
        try:
            cleaned = calls.validate_create(body, phone_region=phone_region, refs=refs)
        except ValidationFailed as failure:
            errors.extend((number, "", message) for message in failure.errors)
            errors.extend((number, field, text) for field, text in failure.field_errors.items())
            continue
        call = calls.new_call(
            cleaned, call_id=ids.new("acti"), now=now, principal=principal, user_names=refs.users
        )
        keyed.append((key, activity_values(call_row(call, encode_json(call)))))
    return Checked(keyed, errors)


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

    With `workers` > 1 the batches are validated in that many processes while this one
    reads ahead and the store writes: validation is most of an import's work.
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
        self, rows: Iterable[NumberedRow], errors: ErrorFile, progress: Progress
    ) -> ImportReport:
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
        checking: deque[tuple[int, list[ErrorLine], asyncio.Future[Checked]]] = deque()
        writing: asyncio.Future[int] | None = None

        async def write_next() -> None:
            nonlocal writing
            count, mapping_errors, checked_future = checking.popleft()
            checked = await checked_future
            for line in (*mapping_errors, *checked.errors):
                errors.add(*line)
            errors.flush()
            report.failed += len({line[0] for line in (*mapping_errors, *checked.errors)})
            # The previous batch commits while this one was being checked.
            if writing is not None:
                report.imported += await writing
            writing = asyncio.ensure_future(
                self.store.import_activities(self.principal.organization_id, checked.keyed)
            )
            report.rows += count
            progress(count)

        try:
            for chunk in _chunks(iter(rows), self.batch):
                mapped, mapping_errors = self._map(chunk)
                checking.append((len(chunk), mapping_errors, await self._check(mapped, pool)))
                if len(checking) > self.workers:
                    await write_next()
            while checking:
                await write_next()
            if writing is not None:
                report.imported += await writing
                writing = None
        finally:
            if writing is not None:
                await writing
            for _, _, future in checking:
                future.cancel()
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        report.skipped = report.rows - report.failed - report.imported
        return report

    def _map(self, chunk: list[NumberedRow]) -> tuple[list[Mapped], list[ErrorLine]]:
        """Each row's natural key and request body; rows that cannot be read, as errors."""
        mapped: list[Mapped] = []
        errors: list[ErrorLine] = []
        mapper = self.mapper
        for number, row in chunk:
            if isinstance(row, BadRow):
                errors.append((number, "", row.message))
                continue
            try:
                mapped.append((number, mapper.natural_key(row), mapper.body(row)))
            except RowError as error:
                errors.append((number, "", str(error)))
        return mapped, errors

    async def _check(
        self, mapped: list[Mapped], pool: ProcessPoolExecutor | None
    ) -> asyncio.Future[Checked]:
        """Start validating a batch (in a worker process when there is a pool)."""
        principal, region, now = self.principal, self.settings.phone_region, self.clock.now()
        if self.settings.match_phone:
            mapped = await self._attach_by_phone(mapped, region)
        refs = await self._references(body for _, _, body in mapped)
        loop = asyncio.get_running_loop()
        if pool is not None:
            return loop.run_in_executor(pool, check_batch, mapped, refs, principal, region, now)
        future: asyncio.Future[Checked] = loop.create_future()
        future.set_result(check_batch(mapped, refs, principal, region, now, self.ids))
        return future

    async def _attach_by_phone(self, mapped: list[Mapped], region: str) -> list[Mapped]:
        """With `--match-phone`: give unattached calls the contact their number names."""
        attached: list[Mapped] = []
        for number, key, body in mapped:
            if isinstance(body.get("phone"), str) and not (
                body.get("lead_id") or body.get("contact_id")
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

    async def _references(self, bodies: Iterable[dict[str, Any]]) -> calls.References:
        """What the organization holds of every id the batch names: one lookup per batch."""
        wanted = calls.ReferencedIds(set(), set(), set(), set())
        for body in bodies:
            named = calls.referenced_ids(body)
            if named is not None:
                wanted.users.update(named.users)
                wanted.leads.update(named.leads)
                wanted.contacts.update(named.contacts)
                wanted.outcomes.update(named.outcomes)
        return await look_up_references(self.store, self.principal, wanted)


def _chunks(rows: Iterator[NumberedRow], size: int) -> Iterator[list[NumberedRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk
