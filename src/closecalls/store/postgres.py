"""The PostgreSQL store: asyncpg with a pool, each transaction scoped by row-level security."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, TypeAlias

import asyncpg

from closecalls.domain.idempotency import IdempotencyKey, StoredKey
from closecalls.domain.listing import ActivityQuery
from closecalls.store import sql
from closecalls.store.base import (
    ActivityRow,
    Credential,
    CredentialMatch,
    ObjectRow,
    Organization,
    Probe,
    User,
)
from closecalls.store.bulk import Keyed, count_sql, export_postgres, export_sql, import_postgres
from closecalls.store.events import EventRow, Recorder, RemovalRecorder
from closecalls.store.events_sql import EVENT_COLUMNS, event_values
from closecalls.store.idempotency import claim_postgres, finish_postgres, release_postgres
from closecalls.store.migrations import Migration, load_migrations
from closecalls.store.postgres_events import PostgresWebhooks, insert_events
from closecalls.store.sql import (
    ACTIVITY_COLUMNS,
    CREDENTIAL_COLUMNS,
    POSTGRES,
    USER_COLUMNS,
    build_list_sql,
    list_objects_sql,
    numbered,
    object_filter,
    objects_by_id,
)

log = logging.getLogger("closecalls")

# What the row-level security policies read (migrations/postgresql/0001_initial.sql).
TENANT = "closecalls.organization_id"
CREDENTIAL_LOOKUP = "closecalls.credential_lookup"
DIRECTORY = "closecalls.directory"

# Fixed 64-bit keys of the advisory locks processes take to migrate and to bootstrap.
MIGRATION_LOCK = 0x636C6F7365  # "close"
BOOTSTRAP_LOCK = MIGRATION_LOCK + 1

if TYPE_CHECKING:
    Connection: TypeAlias = (
        asyncpg.Connection[asyncpg.Record] | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]
    )

# The statements the SQLite store runs too, with PostgreSQL's numbered parameters.
INSERT_ORGANIZATION = numbered(sql.INSERT_ORGANIZATION)
FIRST_ORGANIZATION = sql.FIRST_ORGANIZATION
GET_ORGANIZATION = numbered(sql.GET_ORGANIZATION)
INSERT_USER = numbered(sql.INSERT_USER)
ORGANIZATION_OWNER = numbered(sql.ORGANIZATION_OWNER)
LIST_USERS = numbered(sql.LIST_USERS)
INSERT_CREDENTIAL = numbered(sql.INSERT_CREDENTIAL)
INSERT_ACTIVITY = numbered(sql.INSERT_ACTIVITY)
GET_ACTIVITY = numbered(sql.GET_ACTIVITY)
UPDATE_ACTIVITY = numbered(sql.UPDATE_ACTIVITY)
DELETE_ACTIVITY = numbered(sql.DELETE_ACTIVITY)
INSERT_OBJECT = numbered(sql.INSERT_OBJECT)
GET_OBJECT = numbered(sql.GET_OBJECT)
UPDATE_OBJECT = numbered(sql.UPDATE_OBJECT)
DELETE_OBJECT = numbered(sql.DELETE_OBJECT)
DELETE_LEAD = numbered(sql.DELETE_LEAD)
DELETE_LEAD_CONTACTS = numbered(sql.DELETE_LEAD_CONTACTS)
DELETE_LEAD_ACTIVITIES = numbered(sql.DELETE_LEAD_ACTIVITIES)
DELETE_PHONES = numbered(sql.DELETE_PHONES)
INSERT_PHONE = numbered(sql.INSERT_PHONE)
CONTACTS_BY_PHONE = numbered(sql.CONTACTS_BY_PHONE)
RESET_ORGANIZATION = tuple(numbered(statement) for statement in sql.RESET_ORGANIZATION)

# A create, the hottest write, takes one round trip instead of three (BEGIN with the
# setting, INSERT, COMMIT): the statement is its own transaction, its row comes out of
# the subquery that sets the organization, and the policy checks the row only then. (Reads
# keep their transaction: a scan's place in a plan is the planner's choice, not ours.)
TENANT_ROW = f"(SELECT set_config('{TENANT}', $1, true) AS id) tenant"
INSERT_ACTIVITY_SCOPED = (
    f"INSERT INTO activity ({ACTIVITY_COLUMNS}) SELECT $2, tenant.id, $3, $4, $5, $6, "
    f"$7::bigint, $8::bigint, $9::bytea FROM {TENANT_ROW}"
)
# A create and its event, in the same single round trip: both rows come out of the one
# (materialised) tenant row, so both are checked under the organization it sets.
INSERT_ACTIVITY_WITH_EVENT = (
    f"WITH tenant AS MATERIALIZED (SELECT set_config('{TENANT}', $1, true) AS id), "
    f"created AS (INSERT INTO activity ({ACTIVITY_COLUMNS}) SELECT $2, tenant.id, $3, $4, $5, "
    "$6, $7::bigint, $8::bigint, $9::bytea FROM tenant) "
    f"INSERT INTO event ({EVENT_COLUMNS}) SELECT $10, tenant.id, $11, $12, $13, $14, $15, $16, "
    "$17::bigint, $18::bigint, $19::bytea FROM tenant"
)


# A page is read in order straight off an index, as on SQLite, whatever the statistics
# say: a table fresh from a bulk load has none, and the planner, expecting a handful of
# rows, would otherwise sort every row of the organization to find the first hundred.
READ_OFF_AN_INDEX = {"enable_seqscan": "off", "enable_bitmapscan": "off"}

SESSION_SETTINGS = {
    # Which process holds a connection, for pg_stat_activity readers.
    "application_name": f"closecalls {os.getpid()}",
    # _begin() writes literals, which are exact only with standard strings.
    "standard_conforming_strings": "on",
}


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgres://", "postgresql://"))


class PostgresStore(PostgresWebhooks):
    """A Store on a PostgreSQL database that any number of processes and hosts may share."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self.applied: list[Migration] = []
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # Lifecycle ------------------------------------------------------------------------
    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._pool = await asyncpg.create_pool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            reset=_keep_session,
            server_settings=SESSION_SETTINGS,
        )
        async with self._pool.acquire() as connection:
            self.applied = await migrate(connection)
            if await connection.fetchval(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
            ):
                log.warning(
                    "closecalls: connected as a role that bypasses row-level security; "
                    "use a role that is neither SUPERUSER nor BYPASSRLS (docs/operations.md)"
                )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def probe(self) -> Probe:
        async with self._deliverer() as connection:
            version = await connection.fetchval("SELECT max(version) FROM schema_migration")
            pending = await connection.fetchval(
                "SELECT count(*) FROM webhook_delivery WHERE status = 'pending'"
            )
        latest = load_migrations("postgresql")[-1].version
        return Probe(version or 0, latest, True, pending)

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._pool is None:
            raise RuntimeError("the store is not open")
        return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A connection from the pool, for as long as the block runs."""
        pool = self.pool
        if asyncio.get_running_loop() is self._loop:
            async with pool.acquire() as pooled:
                yield pooled
            return
        # asyncpg connections belong to the event loop that opened them: a caller on another
        # loop (a test client that runs the app on a loop of its own) gets its own connection.
        own = await asyncpg.connect(self.url, server_settings=SESSION_SETTINGS)
        try:
            yield own
        finally:
            await own.close()

    @asynccontextmanager
    async def transaction(self, **scope: str) -> AsyncIterator[Connection]:
        """One transaction, with these settings (the organization, ...) for its length."""
        async with self.connection() as connection:
            await connection.execute(_begin(scope))
            try:
                yield connection
            except BaseException:
                try:
                    await connection.execute("ROLLBACK")
                except Exception:
                    connection.terminate()  # broken: the pool opens a fresh one
                raise
            await connection.execute("COMMIT")

    @asynccontextmanager
    async def exclusively(self) -> AsyncIterator[None]:
        """Hold the bootstrap lock: one process at a time finds or makes the first tenant."""
        # A connection of its own: the pool may be one connection, needed inside.
        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", BOOTSTRAP_LOCK)
            yield
        finally:
            await connection.close()  # ends the session, and with it the lock

    def tenant(self, organization_id: str) -> AbstractAsyncContextManager[Connection]:
        """A transaction that sees only this organization's rows."""
        return self.transaction(**{TENANT: organization_id})

    # Accounts -------------------------------------------------------------------------
    async def create_organization(
        self, organization: Organization, user: User, credentials: Iterable[Credential]
    ) -> None:
        async with self.tenant(organization.id) as connection:
            await connection.execute(
                INSERT_ORGANIZATION, organization.id, organization.name, organization.date_created
            )
            await connection.execute(INSERT_USER, *_user_values(user))
            await connection.executemany(
                INSERT_CREDENTIAL, [_credential_values(credential) for credential in credentials]
            )

    async def first_organization(self) -> Organization | None:
        async with self.transaction(**{DIRECTORY: "on"}) as connection:
            row = await connection.fetchrow(FIRST_ORGANIZATION)
        return Organization(*row) if row else None

    async def organization_owner(self, organization_id: str) -> User | None:
        async with self.tenant(organization_id) as connection:
            row = await connection.fetchrow(ORGANIZATION_OWNER, organization_id)
        return User(*row) if row else None

    async def add_user(self, user: User) -> None:
        async with self.tenant(user.organization_id) as connection:
            await connection.execute(INSERT_USER, *_user_values(user))

    async def add_credential(self, credential: Credential) -> None:
        async with self.tenant(credential.organization_id) as connection:
            await connection.execute(INSERT_CREDENTIAL, *_credential_values(credential))

    async def revoke_credential(self, kind: str, lookup: str, secret_hash: bytes) -> bool:
        async with self.transaction(**{CREDENTIAL_LOOKUP: lookup}) as connection:
            organization_id = await connection.fetchval(
                "SELECT organization_id FROM credential WHERE kind = $1 AND lookup = $2",
                kind, lookup,
            )  # fmt: skip
            if organization_id is None:
                return False
            await set_scope(connection, TENANT, organization_id)
            status = await connection.execute(
                "UPDATE credential SET revoked = true WHERE organization_id = $1 AND kind = $2 "
                "AND lookup = $3 AND secret_hash = $4 AND NOT revoked",
                organization_id, kind, lookup, secret_hash,
            )  # fmt: skip
        return _affected(status) > 0

    async def find_credential(self, kind: str, lookup: str) -> CredentialMatch | None:
        # The credential names its organization; only then may the user's row be read.
        async with self.transaction(**{CREDENTIAL_LOOKUP: lookup}) as connection:
            row = await connection.fetchrow(
                f"SELECT {CREDENTIAL_COLUMNS} FROM credential WHERE kind = $1 AND lookup = $2",
                kind, lookup,
            )  # fmt: skip
            if row is None:
                return None
            credential = Credential(*row)
            await set_scope(connection, TENANT, credential.organization_id)
            names = await connection.fetchrow(
                'SELECT first_name, last_name FROM "user" WHERE id = $1 AND organization_id = $2',
                credential.user_id, credential.organization_id,
            )  # fmt: skip
        name = f"{names[0]} {names[1]}".strip() if names else ""
        return CredentialMatch(credential, name)

    async def users_by_id(self, organization_id: str, user_ids: Iterable[str]) -> list[User]:
        ids = list(user_ids)
        if not ids:
            return []
        async with self.tenant(organization_id) as connection:
            rows = await connection.fetch(
                f'SELECT {USER_COLUMNS} FROM "user" WHERE organization_id = $1 AND id = ANY($2)',
                organization_id, ids,
            )  # fmt: skip
        return [User(*row) for row in rows]

    async def get_organization(self, organization_id: str, wanted_id: str) -> Organization | None:
        async with self.tenant(organization_id) as connection:
            row = await connection.fetchrow(GET_ORGANIZATION, organization_id, wanted_id)
        return Organization(*row) if row else None

    async def list_users(
        self, organization_id: str, *, limit: int, skip: int
    ) -> tuple[list[User], bool]:
        async with self.tenant(organization_id) as connection:
            rows = await connection.fetch(LIST_USERS, organization_id, limit + 1, skip)
        return [User(*row) for row in rows[:limit]], len(rows) > limit

    # Leads, contacts and outcomes ------------------------------------------------------
    async def insert_objects(
        self, rows: Iterable[ObjectRow], *, events: Sequence[EventRow] = ()
    ) -> None:
        by_organization: dict[str, list[ObjectRow]] = {}
        for row in rows:
            by_organization.setdefault(row.organization_id, []).append(row)
        if not by_organization:
            return
        async with self.transaction() as connection:
            for organization_id, batch in by_organization.items():
                await set_scope(connection, TENANT, organization_id)
                await connection.executemany(
                    INSERT_OBJECT,
                    [(row.id, row.organization_id, row.kind, row.parent_id, row.date_created,
                      row.document) for row in batch],
                )  # fmt: skip
                for row in batch:
                    await _replace_phones(connection, row)
                mine = [event for event in events if event.organization_id == organization_id]
                await insert_events(connection, mine)

    async def get_objects(
        self, organization_id: str, kind: str, object_ids: Iterable[str]
    ) -> dict[str, bytes]:
        ids = list(object_ids)
        if not ids:
            return {}
        sql, args = objects_by_id(POSTGRES, "id, document", organization_id, kind, ids)
        async with self.tenant(organization_id) as connection:
            rows = await connection.fetch(sql, *args)
        return {row[0]: row[1] for row in rows}

    async def find_objects(
        self, organization_id: str, object_ids: Iterable[str]
    ) -> dict[str, tuple[str, str | None]]:
        # An id with a NUL cannot exist, and PostgreSQL refuses it as a parameter.
        ids = [object_id for object_id in object_ids if "\x00" not in object_id]
        if not ids:
            return {}
        sql, args = objects_by_id(POSTGRES, "id, kind, parent_id", organization_id, None, ids)
        async with self.tenant(organization_id) as connection:
            rows = await connection.fetch(sql, *args)
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
        async with self.tenant(organization_id) as connection:
            stored = await connection.fetchval(
                GET_OBJECT + " FOR UPDATE", object_id, organization_id, kind
            )
            if stored is None:
                return None
            row = change(stored)
            await connection.execute(
                UPDATE_OBJECT, row.parent_id, row.document, object_id, organization_id
            )
            await _replace_phones(connection, row)
            if record is not None:
                await insert_events(connection, record(stored, row.document))
        return row.document

    async def delete_object(
        self,
        organization_id: str,
        kind: str,
        object_id: str,
        *,
        record: RemovalRecorder | None = None,
    ) -> bool:
        async with self.tenant(organization_id) as connection:
            removed = await connection.fetchval(
                DELETE_OBJECT + " RETURNING document", object_id, organization_id, kind
            )
            if record is not None and removed is not None:
                await insert_events(connection, record([(kind, removed)]))
        return removed is not None

    async def reset_organization(self, organization_id: str) -> None:
        async with self.tenant(organization_id) as connection:
            for statement in RESET_ORGANIZATION:
                await connection.execute(statement, organization_id)

    async def delete_lead(
        self, organization_id: str, lead_id: str, *, record: RemovalRecorder | None = None
    ) -> bool:
        async with self.tenant(organization_id) as connection:
            lead = await connection.fetchval(
                DELETE_LEAD + " RETURNING document", lead_id, organization_id
            )
            if lead is None:
                return False
            removed: list[tuple[str, bytes]] = [("lead", lead)]
            for sql in (DELETE_LEAD_CONTACTS + " RETURNING kind, document",
                        DELETE_LEAD_ACTIVITIES + " RETURNING type, document"):  # fmt: skip
                rows = await connection.fetch(sql, organization_id, lead_id)
                removed += [(row[0], row[1]) for row in rows]
            if record is not None:
                await insert_events(connection, record(removed))
        return True

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
            POSTGRES, organization_id, kind, parent_ids=parent_ids, limit=limit, skip=skip,
            newest_first=newest_first,
        )  # fmt: skip
        async with self.tenant(organization_id) as connection:
            rows = await connection.fetch(sql, *args)
        return [row[0] for row in rows[:limit]], len(rows) > limit

    async def count_objects(
        self, organization_id: str, kind: str, *, parent_ids: tuple[str, ...] | None
    ) -> int:
        where, args = object_filter(POSTGRES, organization_id, kind, parent_ids)
        async with self.tenant(organization_id) as connection:
            count: int = await connection.fetchval(
                f"SELECT count(*) FROM crm_object WHERE {where}", *args
            )
        return count

    async def contacts_by_phone(self, organization_id: str, phone: str) -> list[tuple[str, str]]:
        async with self.tenant(organization_id) as connection:
            rows = await connection.fetch(CONTACTS_BY_PHONE, organization_id, phone)
        return [(row[0], row[1]) for row in rows]

    # Activities -----------------------------------------------------------------------
    async def insert_activity(
        self,
        row: ActivityRow,
        *,
        events: Sequence[EventRow] = (),
        idempotency: IdempotencyKey | None = None,
    ) -> None:
        if idempotency is not None:
            async with self.tenant(row.organization_id) as connection:
                await connection.execute(INSERT_ACTIVITY, *_activity_values(row))
                await insert_events(connection, events)
                await finish_postgres(connection, idempotency, 200, row.document)
            return
        if len(events) == 1 and events[0].organization_id == row.organization_id:
            async with self.connection() as connection:
                await connection.execute(
                    INSERT_ACTIVITY_WITH_EVENT, row.organization_id, row.id, row.type,
                    *_activity_values(row)[3:], *event_values(events[0])[:1],
                    *event_values(events[0])[2:],
                )  # fmt: skip
            return
        if events:
            async with self.tenant(row.organization_id) as connection:
                await connection.execute(INSERT_ACTIVITY, *_activity_values(row))
                await insert_events(connection, events)
            return
        async with self.connection() as connection:
            await connection.execute(
                INSERT_ACTIVITY_SCOPED, row.organization_id, row.id, row.type,
                *_activity_values(row)[3:],
            )  # fmt: skip

    async def insert_activities(self, rows: Iterable[ActivityRow]) -> None:
        by_organization: dict[str, list[tuple[object, ...]]] = {}
        for row in rows:
            by_organization.setdefault(row.organization_id, []).append(_activity_values(row))
        if not by_organization:
            return
        async with self.transaction() as connection:
            for organization_id, values in by_organization.items():
                await set_scope(connection, TENANT, organization_id)
                await connection.executemany(INSERT_ACTIVITY, values)

    async def get_activity(self, organization_id: str, type: str, activity_id: str) -> bytes | None:
        async with self.tenant(organization_id) as connection:
            document: bytes | None = await connection.fetchval(
                GET_ACTIVITY, activity_id, organization_id, type
            )
        return document

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
        async with self.tenant(organization_id) as connection:
            # The row lock makes concurrent updates of one activity apply one after another.
            stored = await connection.fetchval(
                GET_ACTIVITY + " FOR UPDATE", activity_id, organization_id, type
            )
            if stored is None:
                return None
            row = change(stored)
            await connection.execute(
                UPDATE_ACTIVITY,
                row.lead_id, row.contact_id, row.user_id, row.activity_at, row.document,
                activity_id, organization_id,
            )  # fmt: skip
            if record is not None:
                await insert_events(connection, record(stored, row.document))
            if idempotency is not None:
                await finish_postgres(connection, idempotency, 200, row.document)
        return row.document

    async def delete_activity(
        self,
        organization_id: str,
        type: str,
        activity_id: str,
        *,
        record: RemovalRecorder | None = None,
    ) -> bool:
        async with self.tenant(organization_id) as connection:
            removed = await connection.fetchval(
                DELETE_ACTIVITY + " RETURNING document", activity_id, organization_id, type
            )
            if record is not None and removed is not None:
                await insert_events(connection, record([(type, removed)]))
        return removed is not None

    # Idempotency-Key (an extension, not Close) ---------------------------------------------
    async def claim_idempotency_key(
        self, key: IdempotencyKey, *, now: int, expires_at: int, stale_before: int
    ) -> StoredKey | None:
        async with self.tenant(key.organization_id) as connection:
            return await claim_postgres(
                connection, key, now=now, expires_at=expires_at, stale_before=stale_before
            )

    async def release_idempotency_key(self, key: IdempotencyKey) -> None:
        async with self.tenant(key.organization_id) as connection:
            await release_postgres(connection, key)

    # Bulk import and export -------------------------------------------------------------
    async def import_activities(self, organization_id: str, rows: list[Keyed]) -> int:
        async with self.tenant(organization_id) as connection:
            return await import_postgres(connection, organization_id, rows)

    async def count_activities(self, organization_id: str, query: ActivityQuery) -> int:
        built = count_sql(POSTGRES, organization_id, query)
        if built is None:
            return 0
        async with self.tenant(organization_id) as connection:
            count: int = await connection.fetchval(built[0], *built[1])
        return count

    async def export_activities(
        self, organization_id: str, query: ActivityQuery, *, batch: int = 5_000
    ) -> AsyncIterator[list[bytes]]:
        built = export_sql(POSTGRES, organization_id, query)
        if built is None:
            return
        async with self.transaction(**{TENANT: organization_id}, **READ_OFF_AN_INDEX) as connection:
            async for documents in export_postgres(connection, *built, batch):
                yield documents

    async def list_activities(
        self, organization_id: str, query: ActivityQuery
    ) -> tuple[list[bytes], bool]:
        built = build_list_sql(POSTGRES, organization_id, query)
        if built is None or query.limit == 0:
            return [], False
        sql, args = built
        async with self.transaction(**{TENANT: organization_id}, **READ_OFF_AN_INDEX) as connection:
            rows = await connection.fetch(sql, *args)
        return [row[0] for row in rows[: query.limit]], len(rows) > query.limit


async def migrate(connection: Connection) -> list[Migration]:
    """Apply the migrations this database lacks, each recorded; return the ones applied.

    Every process migrates on start, so the advisory lock lets one at a time look and
    apply; the others then find everything recorded. DDL is transactional here, so a
    failed migration leaves nothing half done.
    """
    applied = []
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (version integer PRIMARY KEY, "
            "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in await connection.fetch("SELECT version FROM schema_migration")}
        for migration in load_migrations("postgresql"):
            if migration.version in done:
                continue
            await connection.execute(migration.sql)
            await connection.execute(
                "INSERT INTO schema_migration (version, name) VALUES ($1, $2)",
                migration.version, migration.name,
            )  # fmt: skip
            applied.append(migration)
    return applied


def _begin(scope: dict[str, str]) -> str:
    """BEGIN and the transaction's settings, in one round trip."""
    if not scope:
        return "BEGIN"
    settings = ", ".join(
        f"set_config({_literal(name)}, {_literal(value)}, true)" for name, value in scope.items()
    )
    return f"BEGIN; SELECT {settings}"


def _literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a setting cannot contain NUL")
    return "'" + value.replace("'", "''") + "'"


async def set_scope(connection: Connection, name: str, value: str) -> None:
    """Change one row-level security setting for the rest of the transaction."""
    await connection.execute("SELECT set_config($1, $2, true)", name, value)


async def _keep_session(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    """Nothing to reset: the store only ever sets transaction-local settings."""


def _affected(status: str) -> int:
    """Rows a command touched, from its status tag (`UPDATE 1`, `DELETE 0`)."""
    return int(status.rsplit(" ", 1)[-1])


async def _replace_phones(connection: Connection, row: ObjectRow) -> None:
    await connection.execute(DELETE_PHONES, row.id, row.organization_id)
    await connection.executemany(
        INSERT_PHONE, [(row.organization_id, phone, row.id) for phone in row.phones]
    )


def _activity_values(row: ActivityRow) -> tuple[object, ...]:
    return (row.id, row.organization_id, row.type, row.lead_id, row.contact_id, row.user_id,
            row.date_created, row.activity_at, row.document)  # fmt: skip


def _user_values(user: User) -> tuple[object, ...]:
    return (user.id, user.organization_id, user.first_name, user.last_name, user.email,
            user.date_created)  # fmt: skip


def _credential_values(credential: Credential) -> tuple[object, ...]:
    return (credential.id, credential.kind, credential.organization_id, credential.user_id,
            credential.lookup, credential.secret_hash, credential.date_created,
            credential.expires_at, credential.revoked)  # fmt: skip
