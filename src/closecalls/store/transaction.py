"""A transaction written once: a generator that yields statements and receives their results.

Each store method builds a transaction and hands it to its driver: SQLite's runs it
synchronously inside the group-committing writer (or on the reader), PostgreSQL's runs it
with asyncpg inside a transaction scoped by row-level security. Statements are written with
`?` placeholders; the PostgreSQL driver numbers them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Sequence
from typing import Any, NamedTuple, ParamSpec, Protocol, TypeVar

from closecalls.store.events import EventRow
from closecalls.store.rows import ActivityRow
from closecalls.store.sql import Dialect

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")

# What a statement gives back to the transaction that yielded it (the reading kinds first:
# drivers test `returns <= VALUE`).
ROWS = 0  # every row (a list of tuple-like rows)
ROW = 1  # the first row, or None
VALUE = 2  # the first column of the first row, or None
COUNT = 3  # how many rows the statement changed
MANY = 4  # executemany over `args` (a list of argument tuples); gives None
ACT_FOR = 5  # from here on the transaction acts for organization `args[0]` (row-level security)

# PostgreSQL-only row locks; SQLite's one writer already runs write transactions one by one.
FOR_UPDATE = " FOR UPDATE"
SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"


class Statement(NamedTuple):
    """One SQL statement of a transaction, its arguments and what it gives back."""

    sql: str
    args: Sequence[Any]
    returns: int
    lock: str = ""  # appended on PostgreSQL only (FOR_UPDATE, SKIP_LOCKED, ...)


# A transaction yields Statements, is sent each one's result and returns its answer.
Transaction = Generator[Statement, Any, T]


def rows(sql: str, *args: Any, lock: str = "") -> Statement:
    """Every row the query returns."""
    return Statement(sql, args, ROWS, lock)


def row(sql: str, *args: Any, lock: str = "") -> Statement:
    """The query's first row, or None."""
    return Statement(sql, args, ROW, lock)


def value(sql: str, *args: Any, lock: str = "") -> Statement:
    """The first column of the query's first row, or None."""
    return Statement(sql, args, VALUE, lock)


def run(sql: str, *args: Any) -> Statement:
    """Run a statement; gives how many rows it changed."""
    return Statement(sql, args, COUNT)


def run_many(sql: str, args: Sequence[Sequence[Any]]) -> Statement:
    """Run a statement once per argument tuple."""
    return Statement(sql, args, MANY)


def act_for(organization_id: str) -> Statement:
    """Act for this organization from here on (PostgreSQL's row-level security; no-op on SQLite)."""
    return Statement("", (organization_id,), ACT_FOR)


def one(statement: Statement) -> Transaction[Any]:
    """A transaction of one statement, answering its result."""
    return (yield statement)


class Scope(NamedTuple):
    """Whom a transaction acts for: PostgreSQL's row-level security reads it, SQLite ignores it."""

    organization_id: str | None = None
    deliverer: bool = False  # the webhook deliverer, which spans organizations
    directory: bool = False  # the organization directory (first organization, bootstrap)
    credential_lookup: str | None = None  # the one credential a key or token names
    index_order: bool = False  # pages read in index order whatever the statistics say


def tenant(organization_id: str) -> Scope:
    """The scope of one organization's rows."""
    return Scope(organization_id=organization_id)


UNSCOPED = Scope()
DELIVERER = Scope(deliverer=True)
DIRECTORY = Scope(directory=True)


def opened(resource: R | None) -> R:
    """A driver's connection or pool, which exists only while the store is open."""
    if resource is None:
        raise RuntimeError("the store is not open")
    return resource


class Driver(Protocol):
    """Runs transactions on one engine."""

    dialect: Dialect

    async def read(
        self, scope: Scope, body: Callable[P, Transaction[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `body(*args, **kwargs)`, a transaction that only reads."""
        ...

    async def write(
        self, scope: Scope, body: Callable[P, Transaction[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `body(*args, **kwargs)`, a transaction that writes; durable when this returns.

        The body may run more than once (SQLite replays a failed group commit), so it must
        not act outside the store.
        """
        ...

    def stream(
        self, scope: Scope, sql: str, args: Sequence[Any], *, batch: int
    ) -> AsyncIterator[list[Any]]:
        """The rows a long query returns, `batch` at a time (exports)."""
        ...

    async def idle(self, statement: Statement) -> bool:
        """Whether a probe finds nothing, so a poll may skip its write (SQLite asks its reader).

        PostgreSQL always answers False: its write transaction finds out as cheaply.
        """
        ...

    def insert_activity_at_once(
        self, row: ActivityRow, events: Sequence[EventRow]
    ) -> Awaitable[None] | None:
        """The engine's own fast create of an activity and its events, if it fits.

        PostgreSQL: one round trip (with one event); SQLite: the inserts straight in the
        group-committing writer. None when the write does not fit: the caller then runs the
        ordinary transaction.
        """
        ...
