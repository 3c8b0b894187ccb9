"""The SQLite store: WAL, one group-committing writer thread, reads on their own connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from closecalls.domain.listing import ActivityQuery
from closecalls.store.base import (
    ActivityRow,
    Credential,
    CredentialMatch,
    Organization,
    User,
)
from closecalls.store.migrations import load_migrations
from closecalls.store.writer import GroupCommitWriter

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")

USER_COLUMNS = "id, organization_id, first_name, last_name, email, date_created"


class SQLiteStore:
    """A Store on one SQLite file; this process must be the file's only writer."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        if synchronous.upper() not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}")
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        self._writer = GroupCommitWriter(self._connect_writer)
        self._reader: sqlite3.Connection | None = None

    # Lifecycle ------------------------------------------------------------------------
    async def open(self) -> None:
        self.open_sync()

    def open_sync(self) -> None:
        if self.path.parent != Path():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer.start()
        self._writer.submit_sync(_migrate)
        self._reader = self._connect(readonly=True)

    async def close(self) -> None:
        self.close_sync()

    def close_sync(self) -> None:
        self._writer.stop()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

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
                "INSERT INTO organization (id, name, date_created) VALUES (?, ?, ?)",
                (organization.id, organization.name, organization.date_created),
            )
            _insert_user(connection, user)
            for credential in rows:
                _insert_credential(connection, credential)

        await self._writer.submit(write)

    async def first_organization(self) -> Organization | None:
        row = self.reader.execute(
            "SELECT id, name, date_created FROM organization ORDER BY seq LIMIT 1"
        ).fetchone()
        return Organization(*row) if row else None

    async def organization_owner(self, organization_id: str) -> User | None:
        row = self.reader.execute(
            f"SELECT {USER_COLUMNS} FROM user WHERE organization_id = ? "
            "ORDER BY date_created, seq LIMIT 1",
            (organization_id,),
        ).fetchone()
        return User(*row) if row else None

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
            f"SELECT {USER_COLUMNS} FROM user WHERE organization_id = ? AND id IN ({marks})",
            (organization_id, *ids),
        ).fetchall()
        return [User(*row) for row in rows]

    async def get_organization(self, organization_id: str, wanted_id: str) -> Organization | None:
        row = self.reader.execute(
            "SELECT id, name, date_created FROM organization WHERE id = ? AND id = ?",
            (organization_id, wanted_id),
        ).fetchone()
        return Organization(*row) if row else None

    async def list_users(
        self, organization_id: str, *, limit: int, skip: int
    ) -> tuple[list[User], bool]:
        rows = self.reader.execute(
            f"SELECT {USER_COLUMNS} FROM user WHERE organization_id = ? "
            "ORDER BY date_created, seq LIMIT ? OFFSET ?",
            (organization_id, limit + 1, skip),
        ).fetchall()
        return [User(*row) for row in rows[:limit]], len(rows) > limit

    # Activities -----------------------------------------------------------------------
    async def insert_activity(self, row: ActivityRow) -> None:
        await self._writer.submit(lambda connection: _insert_activities(connection, [row]))

    async def insert_activities(self, rows: Iterable[ActivityRow]) -> None:
        batch = list(rows)
        await self._writer.submit(lambda connection: _insert_activities(connection, batch))

    async def get_activity(self, organization_id: str, type: str, activity_id: str) -> bytes | None:
        row = self.reader.execute(
            "SELECT document FROM activity WHERE id = ? AND organization_id = ? AND type = ?",
            (activity_id, organization_id, type),
        ).fetchone()
        return bytes(row[0]) if row else None

    async def update_activity(
        self,
        organization_id: str,
        type: str,
        activity_id: str,
        change: Callable[[bytes], ActivityRow],
    ) -> bytes | None:
        def write(connection: sqlite3.Connection) -> bytes | None:
            found = connection.execute(
                "SELECT document FROM activity WHERE id = ? AND organization_id = ? AND type = ?",
                (activity_id, organization_id, type),
            ).fetchone()
            if found is None:
                return None
            row = change(bytes(found[0]))
            connection.execute(
                "UPDATE activity SET lead_id = ?, contact_id = ?, user_id = ?, activity_at = ?, "
                "document = ? WHERE id = ? AND organization_id = ?",
                (row.lead_id, row.contact_id, row.user_id, row.activity_at, row.document,
                 activity_id, organization_id),
            )  # fmt: skip
            return row.document

        return await self._writer.submit(write)

    async def delete_activity(self, organization_id: str, type: str, activity_id: str) -> bool:
        def write(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "DELETE FROM activity WHERE id = ? AND organization_id = ? AND type = ?",
                (activity_id, organization_id, type),
            )
            return cursor.rowcount > 0

        return await self._writer.submit(write)

    async def list_activities(
        self, organization_id: str, query: ActivityQuery
    ) -> tuple[list[bytes], bool]:
        built = build_list_sql(organization_id, query)
        if built is None or query.limit == 0:
            return [], False
        sql, args = built
        rows = self.reader.execute(sql, args).fetchall()
        has_more = len(rows) > query.limit
        return [bytes(row[0]) for row in rows[: query.limit]], has_more


ORDER_COLUMNS = ("date_created", "activity_at")


def build_list_sql(organization_id: str, query: ActivityQuery) -> tuple[str, list[object]] | None:
    """The SELECT for one page plus one row (to know `has_more`); None when nothing can match."""
    if query.organization_id is not None and query.organization_id != organization_id:
        return None
    clauses = ["organization_id = ?"]
    args: list[object] = [organization_id]
    for column, values in (
        ("type", query.types),
        ("id", query.ids),
        ("lead_id", query.lead_ids),
        ("contact_id", query.contact_ids),
        ("user_id", query.user_ids),
    ):
        if values is None:
            continue
        if not values:
            return None
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
        args.extend(values)
    for column, bounds in (
        ("date_created", query.date_created),
        ("activity_at", query.activity_at),
    ):
        if bounds.low is not None:
            clauses.append(f"{column} >= ?")
            args.append(bounds.low)
        if bounds.high is not None:
            clauses.append(f"{column} < ?")
            args.append(bounds.high)
    if query.order_field not in ORDER_COLUMNS:
        raise ValueError(f"cannot order by {query.order_field!r}")
    direction = "DESC" if query.descending else "ASC"
    order = f"ORDER BY {query.order_field} {direction}, seq {direction}"
    # Page through the index first and read only the page's documents: SQLite evaluates
    # every row an OFFSET skips, which would otherwise load each skipped document.
    sql = (
        f"SELECT document FROM activity WHERE seq IN (SELECT seq FROM activity "
        f"WHERE {' AND '.join(clauses)} {order} LIMIT ? OFFSET ?) {order}"
    )
    args.extend((query.limit + 1, query.skip))
    return sql, args


def _insert_activities(connection: sqlite3.Connection, rows: list[ActivityRow]) -> None:
    connection.executemany(
        "INSERT INTO activity (id, organization_id, type, lead_id, contact_id, user_id, "
        "date_created, activity_at, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(row.id, row.organization_id, row.type, row.lead_id, row.contact_id, row.user_id,
          row.date_created, row.activity_at, row.document) for row in rows],
    )  # fmt: skip


def _insert_user(connection: sqlite3.Connection, user: User) -> None:
    connection.execute(
        f"INSERT INTO user ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        (user.id, user.organization_id, user.first_name, user.last_name, user.email,
         user.date_created),
    )  # fmt: skip


def _insert_credential(connection: sqlite3.Connection, credential: Credential) -> None:
    connection.execute(
        "INSERT INTO credential (id, kind, organization_id, user_id, lookup, secret_hash, "
        "date_created, expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (credential.id, credential.kind, credential.organization_id, credential.user_id,
         credential.lookup, credential.secret_hash, credential.date_created,
         credential.expires_at, int(credential.revoked)),
    )  # fmt: skip


def _migrate(connection: sqlite3.Connection) -> None:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    applied = {row[0] for row in connection.execute("SELECT version FROM schema_migration")}
    for migration in load_migrations("sqlite"):
        if migration.version in applied:
            continue
        for statement in _statements(migration.sql):
            connection.execute(statement)
        connection.execute(
            "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, datetime.now(UTC).isoformat()),
        )


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
