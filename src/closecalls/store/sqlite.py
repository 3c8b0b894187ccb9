"""The SQLite store: WAL, one group-committing writer thread, reads on their own connection."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from closecalls.domain.idempotency import IdempotencyKey, StoredKey
from closecalls.domain.listing import ActivityQuery
from closecalls.store.base import (
    ActivityRow,
    Credential,
    CredentialMatch,
    ObjectRow,
    Organization,
    Probe,
    User,
)
from closecalls.store.bulk import Keyed, count_sql, export_sql, export_sqlite, import_sqlite
from closecalls.store.events import EventRow, Recorder, RemovalRecorder
from closecalls.store.idempotency import claim_sqlite, finish_sqlite, release_sqlite
from closecalls.store.migrations import Migration, load_migrations
from closecalls.store.sql import (
    CONTACTS_BY_PHONE,
    DELETE_ACTIVITY,
    DELETE_LEAD,
    DELETE_LEAD_ACTIVITIES,
    DELETE_LEAD_CONTACTS,
    DELETE_OBJECT,
    DELETE_PHONES,
    FIRST_ORGANIZATION,
    GET_ACTIVITY,
    GET_OBJECT,
    GET_ORGANIZATION,
    INSERT_ACTIVITY,
    INSERT_CREDENTIAL,
    INSERT_OBJECT,
    INSERT_ORGANIZATION,
    INSERT_PHONE,
    INSERT_USER,
    LIST_USERS,
    ORGANIZATION_OWNER,
    RESET_ORGANIZATION,
    SQLITE,
    UPDATE_ACTIVITY,
    UPDATE_OBJECT,
    USER_COLUMNS,
    build_list_sql,
    list_objects_sql,
    object_filter,
    objects_by_id,
)
from closecalls.store.sqlite_events import SQLiteWebhooks, insert_events
from closecalls.store.writer import GroupCommitWriter

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


class SQLiteStore(SQLiteWebhooks):
    """A Store on one SQLite file; this process must be the file's only writer."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        if synchronous.upper() not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}")
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        self._writer = GroupCommitWriter(self._connect_writer)
        self._reader: sqlite3.Connection | None = None
        self.applied: list[Migration] = []

    # Lifecycle ------------------------------------------------------------------------
    async def open(self) -> None:
        self.open_sync()

    def open_sync(self) -> None:
        if self.path.parent != Path():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer.start()
        self.applied = self._writer.submit_sync(_migrate)
        self._reader = self._connect(readonly=True)

    async def close(self) -> None:
        self.close_sync()

    def close_sync(self) -> None:
        self._writer.stop()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def observe_commits(self, observer: Callable[[int, float], None]) -> None:
        """Tell `observer` each commit's batch size and seconds (for metrics)."""
        self._writer.on_commit = observer

    async def probe(self) -> Probe:
        reader = self.reader
        version = reader.execute("SELECT max(version) FROM schema_migration").fetchone()[0]
        pending = reader.execute(PENDING_DELIVERIES).fetchone()[0]
        latest = load_migrations("sqlite")[-1].version
        return Probe(version or 0, latest, self._writer.alive, pending)

    def _connect(self, *, readonly: bool) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30
        )
        connection.execute("PRAGMA foreign_keys = ON")
        # 64 MiB of page cache each: index pages stay hot for writes and for list pages.
        connection.execute("PRAGMA cache_size = -65536")
        if readonly:
            connection.execute("PRAGMA query_only = ON")
            connection.execute("PRAGMA mmap_size = 268435456")
        return connection

    def _connect_writer(self) -> sqlite3.Connection:
        connection = self._connect(readonly=False)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return connection

    @property
    def reader(self) -> sqlite3.Connection:
        if self._reader is None:
            raise RuntimeError("the store is not open")
        return self._reader

    # Accounts -------------------------------------------------------------------------
    async def create_organization(
        self, organization: Organization, user: User, credentials: Iterable[Credential]
    ) -> None:
        rows = list(credentials)

        def write(connection: sqlite3.Connection) -> None:
            connection.execute(
                INSERT_ORGANIZATION,
                (organization.id, organization.name, organization.date_created),
            )
            _insert_user(connection, user)
            for credential in rows:
                _insert_credential(connection, credential)

        await self._writer.submit(write)

    async def first_organization(self) -> Organization | None:
        row = self.reader.execute(FIRST_ORGANIZATION).fetchone()
        return Organization(*row) if row else None

    async def organization_owner(self, organization_id: str) -> User | None:
        row = self.reader.execute(ORGANIZATION_OWNER, (organization_id,)).fetchone()
        return User(*row) if row else None

    async def reset_organization(self, organization_id: str) -> None:
        def write(connection: sqlite3.Connection) -> None:
            for statement in RESET_ORGANIZATION:
                connection.execute(statement, (organization_id,))

        await self._writer.submit(write)

    async def add_user(self, user: User) -> None:
        await self._writer.submit(lambda connection: _insert_user(connection, user))

    async def add_credential(self, credential: Credential) -> None:
        await self._writer.submit(lambda connection: _insert_credential(connection, credential))

    async def revoke_credential(self, kind: str, lookup: str, secret_hash: bytes) -> bool:
        def write(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE credential SET revoked = 1 "
                "WHERE kind = ? AND lookup = ? AND secret_hash = ? AND revoked = 0",
                (kind, lookup, secret_hash),
            )
            return cursor.rowcount > 0

        return await self._writer.submit(write)

    async def find_credential(self, kind: str, lookup: str) -> CredentialMatch | None:
        row = self.reader.execute(
            "SELECT c.id, c.kind, c.organization_id, c.user_id, c.lookup, c.secret_hash, "
            "c.date_created, c.expires_at, c.revoked, u.first_name, u.last_name "
            "FROM credential c JOIN user u ON u.id = c.user_id "
            "WHERE c.kind = ? AND c.lookup = ?",
            (kind, lookup),
        ).fetchone()
        if row is None:
            return None
        credential = Credential(
            id=row[0], kind=row[1], organization_id=row[2], user_id=row[3], lookup=row[4],
            secret_hash=bytes(row[5]), date_created=row[6], expires_at=row[7],
            revoked=bool(row[8]),
        )  # fmt: skip
        return CredentialMatch(credential, f"{row[9]} {row[10]}".strip())

    async def users_by_id(self, organization_id: str, user_ids: Iterable[str]) -> list[User]:
        ids = list(user_ids)
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self.reader.execute(
            f'SELECT {USER_COLUMNS} FROM "user" WHERE organization_id = ? AND id IN ({marks})',
            (organization_id, *ids),
        ).fetchall()
        return [User(*row) for row in rows]

    async def get_organization(self, organization_id: str, wanted_id: str) -> Organization | None:
        row = self.reader.execute(GET_ORGANIZATION, (organization_id, wanted_id)).fetchone()
        return Organization(*row) if row else None

    async def list_users(
        self, organization_id: str, *, limit: int, skip: int
    ) -> tuple[list[User], bool]:
        rows = self.reader.execute(LIST_USERS, (organization_id, limit + 1, skip)).fetchall()
        return [User(*row) for row in rows[:limit]], len(rows) > limit

    # Leads, contacts and outcomes ------------------------------------------------------
    async def insert_objects(
        self, rows: Iterable[ObjectRow], *, events: Sequence[EventRow] = ()
    ) -> None:
        batch = list(rows)

        def write(connection: sqlite3.Connection) -> None:
            _insert_objects(connection, batch)
            insert_events(connection, events)

        await self._writer.submit(write)

    async def get_objects(
        self, organization_id: str, kind: str, object_ids: Iterable[str]
    ) -> dict[str, bytes]:
        ids = list(object_ids)
        if not ids:
            return {}
        rows = self.reader.execute(
            *objects_by_id(SQLITE, "id, document", organization_id, kind, ids)
        ).fetchall()
        return {row[0]: bytes(row[1]) for row in rows}

    async def find_objects(
        self, organization_id: str, object_ids: Iterable[str]
    ) -> dict[str, tuple[str, str | None]]:
        ids = list(object_ids)
        if not ids:
            return {}
        rows = self.reader.execute(
            *objects_by_id(SQLITE, "id, kind, parent_id", organization_id, None, ids)
        ).fetchall()
        return {row[0]: (row[1], row[2]) for row in rows}

    async def update_object(
        self,
        organization_id: str,
        kind: str,
        object_id: str,
        change: Callable[[bytes], ObjectRow],
        *,
        record: Recorder | None = None,
    ) -> bytes | None:
        def write(connection: sqlite3.Connection) -> bytes | None:
            found = connection.execute(GET_OBJECT, (object_id, organization_id, kind)).fetchone()
            if found is None:
                return None
            row = change(bytes(found[0]))
            connection.execute(
                UPDATE_OBJECT, (row.parent_id, row.document, object_id, organization_id)
            )
            _replace_phones(connection, row)
            if record is not None:
                insert_events(connection, record(bytes(found[0]), row.document))
            return row.document

        return await self._writer.submit(write)

    async def delete_object(
        self,
        organization_id: str,
        kind: str,
        object_id: str,
        *,
        record: RemovalRecorder | None = None,
    ) -> bool:
        def write(connection: sqlite3.Connection) -> bool:
            removed = connection.execute(
                DELETE_OBJECT + " RETURNING document", (object_id, organization_id, kind)
            ).fetchall()
            if record is not None and removed:
                insert_events(connection, record([(kind, bytes(removed[0][0]))]))
            return bool(removed)

        return await self._writer.submit(write)

    async def delete_lead(
        self, organization_id: str, lead_id: str, *, record: RemovalRecorder | None = None
    ) -> bool:
        def write(connection: sqlite3.Connection) -> bool:
            lead = connection.execute(
                DELETE_LEAD + " RETURNING document", (lead_id, organization_id)
            ).fetchall()
            if not lead:
                return False
            removed = [("lead", bytes(lead[0][0]))]
            for sql, args in (
                (DELETE_LEAD_CONTACTS + " RETURNING kind, document", (organization_id, lead_id)),
                (DELETE_LEAD_ACTIVITIES + " RETURNING type, document", (organization_id, lead_id)),
            ):
                removed += [(row[0], bytes(row[1])) for row in connection.execute(sql, args)]
            if record is not None:
                insert_events(connection, record(removed))
            return True

        return await self._writer.submit(write)

    async def list_objects(
        self,
        organization_id: str,
        kind: str,
        *,
        parent_ids: tuple[str, ...] | None,
        limit: int,
        skip: int,
        newest_first: bool,
    ) -> tuple[list[bytes], bool]:
        sql, args = list_objects_sql(
            SQLITE, organization_id, kind, parent_ids=parent_ids, limit=limit, skip=skip,
            newest_first=newest_first,
        )  # fmt: skip
        rows = self.reader.execute(sql, args).fetchall()
        return [bytes(row[0]) for row in rows[:limit]], len(rows) > limit

    async def count_objects(
        self, organization_id: str, kind: str, *, parent_ids: tuple[str, ...] | None
    ) -> int:
        where, args = object_filter(SQLITE, organization_id, kind, parent_ids)
        row = self.reader.execute(f"SELECT count(*) FROM crm_object WHERE {where}", args)
        return int(row.fetchone()[0])

    async def contacts_by_phone(self, organization_id: str, phone: str) -> list[tuple[str, str]]:
        rows = self.reader.execute(CONTACTS_BY_PHONE, (organization_id, phone)).fetchall()
        return [(row[0], row[1]) for row in rows]

    # Activities -----------------------------------------------------------------------
    async def insert_activity(
        self,
        row: ActivityRow,
        *,
        events: Sequence[EventRow] = (),
        idempotency: IdempotencyKey | None = None,
    ) -> None:
        def write(connection: sqlite3.Connection) -> None:
            _insert_activities(connection, [row])
            insert_events(connection, events)
            if idempotency is not None:
                finish_sqlite(connection, idempotency, 200, row.document)

        await self._writer.submit(write)

    async def insert_activities(self, rows: Iterable[ActivityRow]) -> None:
        batch = list(rows)
        await self._writer.submit(lambda connection: _insert_activities(connection, batch))

    async def get_activity(self, organization_id: str, type: str, activity_id: str) -> bytes | None:
        row = self.reader.execute(GET_ACTIVITY, (activity_id, organization_id, type)).fetchone()
        return bytes(row[0]) if row else None

    async def update_activity(
        self,
        organization_id: str,
        type: str,
        activity_id: str,
        change: Callable[[bytes], ActivityRow],
        *,
        record: Recorder | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> bytes | None:
        def write(connection: sqlite3.Connection) -> bytes | None:
            found = connection.execute(
                GET_ACTIVITY, (activity_id, organization_id, type)
            ).fetchone()
            if found is None:
                return None
            row = change(bytes(found[0]))
            connection.execute(
                UPDATE_ACTIVITY,
                (row.lead_id, row.contact_id, row.user_id, row.activity_at, row.document,
                 activity_id, organization_id),
            )  # fmt: skip
            if record is not None:
                insert_events(connection, record(bytes(found[0]), row.document))
            if idempotency is not None:
                finish_sqlite(connection, idempotency, 200, row.document)
            return row.document

        return await self._writer.submit(write)

    async def delete_activity(
        self,
        organization_id: str,
        type: str,
        activity_id: str,
        *,
        record: RemovalRecorder | None = None,
    ) -> bool:
        def write(connection: sqlite3.Connection) -> bool:
            removed = connection.execute(
                DELETE_ACTIVITY + " RETURNING document", (activity_id, organization_id, type)
            ).fetchall()
            if record is not None and removed:
                insert_events(connection, record([(type, bytes(removed[0][0]))]))
            return bool(removed)

        return await self._writer.submit(write)

    # Idempotency-Key (an extension, not Close) ---------------------------------------------
    async def claim_idempotency_key(
        self, key: IdempotencyKey, *, now: int, expires_at: int, stale_before: int
    ) -> StoredKey | None:
        return await self._writer.submit(
            lambda connection: claim_sqlite(
                connection, key, now=now, expires_at=expires_at, stale_before=stale_before
            )
        )

    async def release_idempotency_key(self, key: IdempotencyKey) -> None:
        await self._writer.submit(lambda connection: release_sqlite(connection, key))

    # Bulk import and export -------------------------------------------------------------
    async def import_activities(self, organization_id: str, rows: list[Keyed]) -> int:
        return await self._writer.submit(
            lambda connection: import_sqlite(connection, organization_id, rows)
        )

    async def count_activities(self, organization_id: str, query: ActivityQuery) -> int:
        built = count_sql(SQLITE, organization_id, query)
        return 0 if built is None else int(self.reader.execute(*built).fetchone()[0])

    async def export_activities(
        self, organization_id: str, query: ActivityQuery, *, batch: int = 5_000
    ) -> AsyncIterator[list[bytes]]:
        built = export_sql(SQLITE, organization_id, query)
        if built is None:
            return
        # A connection of its own: a long read must not hold the shared reader's cursor.
        connection = self._connect(readonly=True)
        try:
            for documents in export_sqlite(connection, *built, batch):
                yield documents
        finally:
            connection.close()

    async def list_activities(
        self, organization_id: str, query: ActivityQuery
    ) -> tuple[list[bytes], bool]:
        built = build_list_sql(SQLITE, organization_id, query)
        if built is None or query.limit == 0:
            return [], False
        sql, args = built
        rows = self.reader.execute(sql, args).fetchall()
        has_more = len(rows) > query.limit
        return [bytes(row[0]) for row in rows[: query.limit]], has_more


def _insert_activities(connection: sqlite3.Connection, rows: list[ActivityRow]) -> None:
    connection.executemany(
        INSERT_ACTIVITY,
        [(row.id, row.organization_id, row.type, row.lead_id, row.contact_id, row.user_id,
          row.date_created, row.activity_at, row.document) for row in rows],
    )  # fmt: skip


def _insert_objects(connection: sqlite3.Connection, rows: list[ObjectRow]) -> None:
    connection.executemany(
        INSERT_OBJECT,
        [(row.id, row.organization_id, row.kind, row.parent_id, row.date_created, row.document)
         for row in rows],
    )  # fmt: skip
    for row in rows:
        _replace_phones(connection, row)


def _replace_phones(connection: sqlite3.Connection, row: ObjectRow) -> None:
    connection.execute(DELETE_PHONES, (row.id, row.organization_id))
    connection.executemany(
        INSERT_PHONE, [(row.organization_id, phone, row.id) for phone in row.phones]
    )


def _insert_user(connection: sqlite3.Connection, user: User) -> None:
    connection.execute(
        INSERT_USER,
        (user.id, user.organization_id, user.first_name, user.last_name, user.email,
         user.date_created),
    )  # fmt: skip


def _insert_credential(connection: sqlite3.Connection, credential: Credential) -> None:
    connection.execute(
        INSERT_CREDENTIAL,
        (credential.id, credential.kind, credential.organization_id, credential.user_id,
         credential.lookup, credential.secret_hash, credential.date_created,
         credential.expires_at, int(credential.revoked)),
    )  # fmt: skip


PENDING_DELIVERIES = "SELECT count(*) FROM webhook_delivery WHERE status = 'pending'"


def _migrate(connection: sqlite3.Connection) -> list[Migration]:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in connection.execute("SELECT version FROM schema_migration")}
    applied = []
    for migration in load_migrations("sqlite"):
        if migration.version in done:
            continue
        for statement in _statements(migration.sql):
            connection.execute(statement)
        connection.execute(
            "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, datetime.now(UTC).isoformat()),
        )
        applied.append(migration)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [statement for statement in statements if statement]
