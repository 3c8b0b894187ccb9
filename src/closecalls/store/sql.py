"""SQL that both dialects share, written once and rendered per placeholder style."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from closecalls.domain.listing import ActivityQuery

ORDER_COLUMNS = ("date_created", "activity_at")

# Statements both stores run as they are, written with `?` (PostgreSQL's store numbers them).
# `user` is a reserved word in PostgreSQL, so the table is always written "user".
USER_COLUMNS = "id, organization_id, first_name, last_name, email, date_created"
CREDENTIAL_COLUMNS = (
    "id, kind, organization_id, user_id, lookup, secret_hash, date_created, expires_at, revoked"
)
ACTIVITY_COLUMNS = (
    "id, organization_id, type, lead_id, contact_id, user_id, date_created, activity_at, document"
)
INSERT_ORGANIZATION = "INSERT INTO organization (id, name, date_created) VALUES (?, ?, ?)"
FIRST_ORGANIZATION = "SELECT id, name, date_created FROM organization ORDER BY seq LIMIT 1"
GET_ORGANIZATION = "SELECT id, name, date_created FROM organization WHERE id = ? AND id = ?"
INSERT_USER = f'INSERT INTO "user" ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)'
ORGANIZATION_OWNER = (
    f'SELECT {USER_COLUMNS} FROM "user" WHERE organization_id = ? '
    "ORDER BY date_created, seq LIMIT 1"
)
LIST_USERS = (
    f'SELECT {USER_COLUMNS} FROM "user" WHERE organization_id = ? '
    "ORDER BY date_created, seq LIMIT ? OFFSET ?"
)
INSERT_CREDENTIAL = (
    f"INSERT INTO credential ({CREDENTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_ACTIVITY = f"INSERT INTO activity ({ACTIVITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
GET_ACTIVITY = "SELECT document FROM activity WHERE id = ? AND organization_id = ? AND type = ?"
UPDATE_ACTIVITY = (
    "UPDATE activity SET lead_id = ?, contact_id = ?, user_id = ?, activity_at = ?, "
    "document = ? WHERE id = ? AND organization_id = ?"
)
DELETE_ACTIVITY = "DELETE FROM activity WHERE id = ? AND organization_id = ? AND type = ?"


@dataclass(frozen=True, slots=True)
class Dialect:
    """How a dialect writes parameters: SQLite `?`, PostgreSQL `$1`, `$2`, ..."""

    numbered: bool
    # Boolean literals, for conditions a partial index must recognise (a parameter hides them).
    false: str = "0"
    true: str = "1"
    name: str = "sqlite"  # its migrations' folder

    def param(self, args: list[object], value: object) -> str:
        """Append `value` to `args` and return its placeholder."""
        args.append(value)
        return f"${len(args)}" if self.numbered else "?"

    def one_of(self, column: str, values: Sequence[object], args: list[object]) -> str:
        """`column` equals any of `values` (never empty).

        PostgreSQL takes the list as one array parameter so that lists of any length
        share one prepared statement; one value stays an equality so that the index
        can still deliver rows in order.
        """
        if len(values) == 1:
            return f"{column} = {self.param(args, values[0])}"
        if self.numbered:
            return f"{column} = ANY({self.param(args, list(values))})"
        return f"{column} IN ({', '.join(self.param(args, value) for value in values)})"


SQLITE = Dialect(numbered=False)
POSTGRES = Dialect(numbered=True, false="false", true="true", name="postgresql")

_QUESTION_MARK = re.compile(r"\?")


@functools.lru_cache(maxsize=4096)
def numbered(sql: str) -> str:
    """Rewrite `?` placeholders as `$1`, `$2`, ... (our SQL has no `?` inside literals)."""
    counter = iter(range(1, sql.count("?") + 1))
    return _QUESTION_MARK.sub(lambda _: f"${next(counter)}", sql)


def build_list_sql(
    dialect: Dialect, organization_id: str, query: ActivityQuery
) -> tuple[str, list[object]] | None:
    """The SELECT for one page plus one row (to know `has_more`); None when nothing can match."""
    found = ordered_filter(dialect, organization_id, query)
    if found is None:
        return None
    where, order, args = found
    limit = dialect.param(args, query.limit + 1)
    offset = dialect.param(args, query.skip)
    # Page through the index first and read only the page's documents: both engines
    # would otherwise fetch every document an OFFSET skips.
    sql = (
        f"SELECT document FROM activity WHERE seq IN (SELECT seq FROM activity "
        f"WHERE {where} {order} LIMIT {limit} OFFSET {offset}) {order}"
    )
    return sql, args


def ordered_filter(
    dialect: Dialect, organization_id: str, query: ActivityQuery
) -> tuple[str, str, list[object]] | None:
    """A list query's WHERE condition, ORDER BY (ties by seq) and arguments; None if none match."""
    where = list_filter(dialect, organization_id, query)
    if where is None:
        return None
    clauses, args = where
    if query.order_field not in ORDER_COLUMNS:
        raise ValueError(f"cannot order by {query.order_field!r}")
    direction = "DESC" if query.descending else "ASC"
    order = f"ORDER BY {query.order_field} {direction}, seq {direction}"
    return " AND ".join(clauses), order, args


def list_filter(
    dialect: Dialect, organization_id: str, query: ActivityQuery
) -> tuple[list[str], list[object]] | None:
    """The WHERE clauses and arguments of a list query's filters; None when nothing can match."""
    if query.organization_id is not None and query.organization_id != organization_id:
        return None
    args: list[object] = []
    clauses = [f"organization_id = {dialect.param(args, organization_id)}"]
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
        clauses.append(dialect.one_of(column, values, args))
    for column, bounds in (
        ("date_created", query.date_created),
        ("activity_at", query.activity_at),
    ):
        if bounds.low is not None:
            clauses.append(f"{column} >= {dialect.param(args, bounds.low)}")
        if bounds.high is not None:
            clauses.append(f"{column} < {dialect.param(args, bounds.high)}")
    return clauses, args


# Leads, contacts and outcomes -----------------------------------------------------------
INSERT_OBJECT = (
    "INSERT INTO crm_object (id, organization_id, kind, parent_id, date_created, document) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
GET_OBJECT = "SELECT document FROM crm_object WHERE id = ? AND organization_id = ? AND kind = ?"
UPDATE_OBJECT = (
    "UPDATE crm_object SET parent_id = ?, document = ? WHERE id = ? AND organization_id = ?"
)
DELETE_OBJECT = "DELETE FROM crm_object WHERE id = ? AND organization_id = ? AND kind = ?"
DELETE_LEAD = "DELETE FROM crm_object WHERE id = ? AND organization_id = ? AND kind = 'lead'"
DELETE_LEAD_CONTACTS = (
    "DELETE FROM crm_object WHERE organization_id = ? AND kind = 'contact' AND parent_id = ?"
)
DELETE_LEAD_ACTIVITIES = "DELETE FROM activity WHERE organization_id = ? AND lead_id = ?"
# A lead's tasks go with it, their events under `task.<type>`.
DELETE_LEAD_TASKS = "DELETE FROM task WHERE organization_id = ? AND lead_id = ?"
DELETE_PHONES = "DELETE FROM contact_phone WHERE contact_id = ? AND organization_id = ?"
# An organization's data, children first; the organization, its users and keys stay.
RESET_ORGANIZATION = (
    "DELETE FROM webhook_attempt WHERE organization_id = ?",
    "DELETE FROM webhook_delivery WHERE organization_id = ?",
    "DELETE FROM webhook_subscription WHERE organization_id = ?",
    "DELETE FROM event WHERE organization_id = ?",
    "DELETE FROM idempotency_key WHERE organization_id = ?",
    "DELETE FROM imported_row WHERE organization_id = ?",
    "DELETE FROM contact_phone WHERE organization_id = ?",
    "DELETE FROM task WHERE organization_id = ?",
    "DELETE FROM activity WHERE organization_id = ?",
    "DELETE FROM crm_object WHERE organization_id = ?",
    "DELETE FROM lead_status WHERE organization_id = ?",
    "DELETE FROM custom_field WHERE organization_id = ?",
)
INSERT_PHONE = "INSERT INTO contact_phone (organization_id, phone, contact_id) VALUES (?, ?, ?)"
CONTACTS_BY_PHONE = (
    "SELECT o.id, o.parent_id FROM contact_phone p JOIN crm_object o "
    "ON o.id = p.contact_id AND o.organization_id = p.organization_id "
    "WHERE p.organization_id = ? AND p.phone = ? ORDER BY o.date_created DESC, o.seq DESC"
)


def objects_by_id(
    dialect: Dialect, columns: str, organization_id: str, kind: str | None, ids: Sequence[str]
) -> tuple[str, list[object]]:
    """`columns` of the objects among `ids` (never empty), of one kind or any."""
    args: list[object] = []
    where = f"organization_id = {dialect.param(args, organization_id)}"
    if kind is not None:
        where += f" AND kind = {dialect.param(args, kind)}"
    where += " AND " + dialect.one_of("id", ids, args)
    return f"SELECT {columns} FROM crm_object WHERE {where}", args


def object_filter(
    dialect: Dialect, organization_id: str, kind: str, parent_ids: tuple[str, ...] | None
) -> tuple[str, list[object]]:
    """The WHERE clause of a list of one kind, perhaps of some parents only."""
    args: list[object] = []
    where = f"organization_id = {dialect.param(args, organization_id)} "
    where += f"AND kind = {dialect.param(args, kind)}"
    if parent_ids is not None:
        where += " AND " + (
            dialect.one_of("parent_id", parent_ids, args) if parent_ids else "0 = 1"
        )
    return where, args
