"""The PostgreSQL store: asyncpg with a pool, each transaction scoped by row-level security."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

import asyncpg

from closecalls.store import sql
from closecalls.store.events import EventRow, Recorder, RemovalRecorder
from closecalls.store.postgres_driver import (
    CREDENTIAL_LOOKUP,
    DIRECTORY,
    TENANT,
    PostgresDriver,
    _affected,
    is_postgres_url,
    set_scope,
)
from closecalls.store.postgres_events import PostgresWebhooks, insert_events
from closecalls.store.rows import (
    Credential,
    CredentialMatch,
    ObjectRow,
    Organization,
    User,
)
from closecalls.store.sql import (
    CREDENTIAL_COLUMNS,
    POSTGRES,
    USER_COLUMNS,
    list_objects_sql,
    numbered,
    object_filter,
    objects_by_id,
)
from closecalls.store.store import Store

if TYPE_CHECKING:
    from closecalls.store.postgres_driver import Connection

__all__ = ["CREDENTIAL_LOOKUP", "DIRECTORY", "TENANT", "PostgresStore", "is_postgres_url"]

# The statements the SQLite store runs too, with PostgreSQL's numbered parameters.
INSERT_ORGANIZATION = numbered(sql.INSERT_ORGANIZATION)
FIRST_ORGANIZATION = sql.FIRST_ORGANIZATION
GET_ORGANIZATION = numbered(sql.GET_ORGANIZATION)
INSERT_USER = numbered(sql.INSERT_USER)
ORGANIZATION_OWNER = numbered(sql.ORGANIZATION_OWNER)
LIST_USERS = numbered(sql.LIST_USERS)
INSERT_CREDENTIAL = numbered(sql.INSERT_CREDENTIAL)
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


class PostgresStore(Store, PostgresWebhooks):
    """A Store on a PostgreSQL database that any number of processes and hosts may share."""

    db: PostgresDriver

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        super().__init__(PostgresDriver(url, pool_size=pool_size))

    @property
    def url(self) -> str:
        return self.db.url

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        return self.db.pool

    def connection(self) -> AbstractAsyncContextManager[Connection]:
        return self.db.connection()

    def transaction(self, **scope: str) -> AbstractAsyncContextManager[Connection]:
        return self.db.transaction(**scope)

    def tenant(self, organization_id: str) -> AbstractAsyncContextManager[Connection]:
        return self.db.tenant(organization_id)

    def exclusively(self) -> AbstractAsyncContextManager[None]:
        return self.db.exclusively()

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


async def _replace_phones(connection: Connection, row: ObjectRow) -> None:
    await connection.execute(DELETE_PHONES, row.id, row.organization_id)
    await connection.executemany(
        INSERT_PHONE, [(row.organization_id, phone, row.id) for phone in row.phones]
    )


def _user_values(user: User) -> tuple[object, ...]:
    return (user.id, user.organization_id, user.first_name, user.last_name, user.email,
            user.date_created)  # fmt: skip


def _credential_values(credential: Credential) -> tuple[object, ...]:
    return (credential.id, credential.kind, credential.organization_id, credential.user_id,
            credential.lookup, credential.secret_hash, credential.date_created,
            credential.expires_at, credential.revoked)  # fmt: skip
