"""The SQLite store: WAL, one group-committing writer thread, reads on their own connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from closecalls.store.events import EventRow, Recorder, RemovalRecorder
from closecalls.store.rows import (
    Credential,
    CredentialMatch,
    ObjectRow,
    Organization,
    User,
)
from closecalls.store.sql import (
    CONTACTS_BY_PHONE,
    DELETE_LEAD,
    DELETE_LEAD_ACTIVITIES,
    DELETE_LEAD_CONTACTS,
    DELETE_OBJECT,
    DELETE_PHONES,
    FIRST_ORGANIZATION,
    GET_OBJECT,
    GET_ORGANIZATION,
    INSERT_CREDENTIAL,
    INSERT_OBJECT,
    INSERT_ORGANIZATION,
    INSERT_PHONE,
    INSERT_USER,
    LIST_USERS,
    ORGANIZATION_OWNER,
    RESET_ORGANIZATION,
    SQLITE,
    UPDATE_OBJECT,
    USER_COLUMNS,
    list_objects_sql,
    object_filter,
    objects_by_id,
)
from closecalls.store.sqlite_driver import SQLiteDriver
from closecalls.store.sqlite_events import SQLiteWebhooks, insert_events
from closecalls.store.store import Store


class SQLiteStore(Store, SQLiteWebhooks):
    """A Store on one SQLite file; this process must be the file's only writer."""

    db: SQLiteDriver

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        super().__init__(SQLiteDriver(path, synchronous=synchronous))
        self._writer = self.db.writer

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def reader(self) -> sqlite3.Connection:
        return self.db.reader

    def open_sync(self) -> None:
        self.db.open_sync()

    def close_sync(self) -> None:
        self.db.close_sync()

    def _connect(self, *, readonly: bool) -> sqlite3.Connection:
        return self.db.connect(readonly=readonly)

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
