"""`closecalls import`: rows become calls through the API's validation, in large batches.

Each batch is one transaction that writes its calls with their natural keys, so an
import that stops (or is killed) can be run again: committed rows are skipped, the
rest are loaded. Rows that fail validation go to the error file and stop nothing.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from closecalls.api.calls import call_row
from closecalls.bulk.formats import BadRow
from closecalls.bulk.mappings import RowError, RowMapper
from closecalls.domain import calls
from closecalls.domain.clock import Clock
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.ids import IdSource
from closecalls.domain.principal import Principal
from closecalls.http.responses import encode_json
from closecalls.settings import Settings
from closecalls.store.base import Store
from closecalls.store.bulk import Keyed

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

    def add_failure(self, number: int, failure: ValidationFailed) -> None:
        for message in failure.errors:
            self.add(number, "", message)
        for field, message in failure.field_errors.items():
            self.add(number, field, message)


@dataclass(slots=True)
class _Prepared:
    number: int
    key: str
    body: dict[str, Any]


class Importer:
    """Loads rows into one organization as one of its users."""

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
    ) -> None:
        self.store = store
        self.settings = settings
        self.principal = principal
        self.mapper = mapper
        self.clock = clock
        self.ids = ids
        self.batch = batch

    async def run(
        self, rows: Iterable[NumberedRow], errors: ErrorFile, progress: Progress
    ) -> ImportReport:
        report = ImportReport()
        writing: asyncio.Task[int] | None = None
        try:
            for chunk in _chunks(iter(rows), self.batch):
                keyed = await self._prepare(chunk, errors, report)
                errors.flush()
                # The previous batch commits while this one was being checked.
                if writing is not None:
                    report.imported += await writing
                writing = asyncio.ensure_future(
                    self.store.import_activities(self.principal.organization_id, keyed)
                )
                report.rows += len(chunk)
                progress(len(chunk))
            if writing is not None:
                report.imported += await writing
                writing = None
        finally:
            if writing is not None:
                await writing
        report.skipped = report.rows - report.failed - report.imported
        return report

    async def _prepare(
        self, chunk: list[NumberedRow], errors: ErrorFile, report: ImportReport
    ) -> list[Keyed]:
        """The batch's valid rows as (natural key, stored row); the bad ones reported."""
        prepared: list[_Prepared] = []
        for number, row in chunk:
            if isinstance(row, BadRow):
                errors.add(number, "", row.message)
                report.failed += 1
                continue
            try:
                prepared.append(
                    _Prepared(number, self.mapper.natural_key(row), self.mapper.body(row))
                )
            except RowError as error:
                errors.add(number, "", str(error))
                report.failed += 1
        refs = await self._references(item.body for item in prepared)
        principal, region = self.principal, self.settings.phone_region
        now = self.clock.now()
        keyed: list[Keyed] = []
        for item in prepared:
            try:
                cleaned = calls.validate_create(item.body, phone_region=region, refs=refs)
            except ValidationFailed as failure:
                errors.add_failure(item.number, failure)
                report.failed += 1
                continue
            phone = cleaned.get("phone")
            if self.settings.match_phone and phone is not None:
                matches = await self.store.contacts_by_phone(principal.organization_id, phone.e164)
                cleaned = calls.attach_by_phone(cleaned, matches)
            call = calls.new_call(
                cleaned,
                call_id=self.ids.new("acti"),
                now=now,
                principal=principal,
                user_names=refs.users,
            )
            keyed.append((item.key, call_row(call, encode_json(call))))
        return keyed

    async def _references(self, bodies: Iterable[dict[str, Any]]) -> calls.References:
        """What the organization holds of every id the batch names: one lookup per batch."""
        principal = self.principal
        users = {principal.user_id: principal.user_name}
        wanted = calls.ReferencedIds(set(), set(), set(), set())
        for body in bodies:
            named = calls.referenced_ids(body)
            if named is not None:
                wanted.users.update(named.users)
                wanted.leads.update(named.leads)
                wanted.contacts.update(named.contacts)
                wanted.outcomes.update(named.outcomes)
        organization_id = principal.organization_id
        if wanted.users - users.keys():
            for user in await self.store.users_by_id(organization_id, wanted.users - users.keys()):
                users[user.id] = user.display_name
        found = await self.store.find_objects(
            organization_id, wanted.leads | wanted.contacts | wanted.outcomes
        )
        return calls.References(
            users=users,
            leads=frozenset(oid for oid, (kind, _) in found.items() if kind == "lead"),
            contact_leads={
                oid: parent for oid, (kind, parent) in found.items() if kind == "contact" and parent
            },
            outcomes=frozenset(oid for oid, (kind, _) in found.items() if kind == "outcome"),
        )


def _chunks(rows: Iterator[NumberedRow], size: int) -> Iterator[list[NumberedRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk
