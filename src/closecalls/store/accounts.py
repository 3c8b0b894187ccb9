"""Organizations, users and credentials (API keys, OAuth tokens), and an organization's reset."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from closecalls.store.rows import Credential, CredentialMatch, Organization, User
from closecalls.store.sql import (
    CREDENTIAL_COLUMNS,
    FIRST_ORGANIZATION,
    GET_ORGANIZATION,
    INSERT_CREDENTIAL,
    INSERT_ORGANIZATION,
    INSERT_USER,
    LIST_USERS,
    ORGANIZATION_OWNER,
    RESET_ORGANIZATION,
    USER_COLUMNS,
)
from closecalls.store.transaction import (
    DIRECTORY,
    Driver,
    Scope,
    Transaction,
    act_for,
    one,
    row,
    rows,
    run,
    run_many,
    tenant,
    value,
)

CREDENTIAL_ORGANIZATION = "SELECT organization_id FROM credential WHERE kind = ? AND lookup = ?"
FIND_CREDENTIAL = f"SELECT {CREDENTIAL_COLUMNS} FROM credential WHERE kind = ? AND lookup = ?"
USER_NAME = 'SELECT first_name, last_name FROM "user" WHERE id = ? AND organization_id = ?'
REVOKE_CREDENTIAL = (
    "UPDATE credential SET revoked = ? WHERE organization_id = ? AND kind = ? AND lookup = ? "
    "AND secret_hash = ? AND revoked = ?"
)


def user_values(user: User) -> tuple[object, ...]:
    return (user.id, user.organization_id, user.first_name, user.last_name, user.email,
            user.date_created)  # fmt: skip


def credential_values(credential: Credential) -> tuple[object, ...]:
    return (credential.id, credential.kind, credential.organization_id, credential.user_id,
            credential.lookup, credential.secret_hash, credential.date_created,
            credential.expires_at, credential.revoked)  # fmt: skip


def credential_from(values: Sequence[Any]) -> Credential:
    return Credential(
        id=values[0], kind=values[1], organization_id=values[2], user_id=values[3],
        lookup=values[4], secret_hash=bytes(values[5]), date_created=values[6],
        expires_at=values[7], revoked=bool(values[8]),
    )  # fmt: skip


def create_organization(
    organization: Organization, user: User, credentials: list[Credential]
) -> Transaction[None]:
    yield run(INSERT_ORGANIZATION, organization.id, organization.name, organization.date_created)
    yield run(INSERT_USER, *user_values(user))
    yield run_many(INSERT_CREDENTIAL, [credential_values(credential) for credential in credentials])


def revoke_credential(kind: str, lookup: str, secret_hash: bytes) -> Transaction[bool]:
    organization_id = yield value(CREDENTIAL_ORGANIZATION, kind, lookup)
    if organization_id is None:
        return False
    yield act_for(organization_id)
    revoked = yield run(REVOKE_CREDENTIAL, True, organization_id, kind, lookup, secret_hash, False)
    return bool(revoked > 0)


def find_credential(kind: str, lookup: str) -> Transaction[CredentialMatch | None]:
    # The credential names its organization; only then may the user's row be read.
    found = yield row(FIND_CREDENTIAL, kind, lookup)
    if found is None:
        return None
    credential = credential_from(found)
    yield act_for(credential.organization_id)
    names = yield row(USER_NAME, credential.user_id, credential.organization_id)
    return CredentialMatch(credential, f"{names[0]} {names[1]}".strip() if names else "")


def reset_organization(organization_id: str) -> Transaction[None]:
    for statement in RESET_ORGANIZATION:
        yield run(statement, organization_id)


class AccountStore:
    """The store's organizations, users and credentials, written once for both engines."""

    db: Driver

    async def create_organization(
        self, organization: Organization, user: User, credentials: Iterable[Credential]
    ) -> None:
        await self.db.write(
            tenant(organization.id), create_organization, organization, user, list(credentials)
        )

    async def first_organization(self) -> Organization | None:
        found = await self.db.read(DIRECTORY, one, row(FIRST_ORGANIZATION))
        return Organization(*found) if found else None

    async def organization_owner(self, organization_id: str) -> User | None:
        found = await self.db.read(
            tenant(organization_id), one, row(ORGANIZATION_OWNER, organization_id)
        )
        return User(*found) if found else None

    async def reset_organization(self, organization_id: str) -> None:
        """Delete the organization's activities, leads, contacts and outcomes; keep its users."""
        await self.db.write(tenant(organization_id), reset_organization, organization_id)

    async def add_user(self, user: User) -> None:
        await self.db.write(tenant(user.organization_id), one, run(INSERT_USER, *user_values(user)))

    async def add_credential(self, credential: Credential) -> None:
        insert = run(INSERT_CREDENTIAL, *credential_values(credential))
        await self.db.write(tenant(credential.organization_id), one, insert)

    async def revoke_credential(self, kind: str, lookup: str, secret_hash: bytes) -> bool:
        scope = Scope(credential_lookup=lookup)
        return await self.db.write(scope, revoke_credential, kind, lookup, secret_hash)

    async def find_credential(self, kind: str, lookup: str) -> CredentialMatch | None:
        return await self.db.read(Scope(credential_lookup=lookup), find_credential, kind, lookup)

    async def users_by_id(self, organization_id: str, user_ids: Iterable[str]) -> list[User]:
        ids = list(user_ids)
        if not ids:
            return []
        args: list[object] = []
        where = f"organization_id = {self.db.dialect.param(args, organization_id)} AND "
        where += self.db.dialect.one_of("id", ids, args)
        found = await self.db.read(
            tenant(organization_id),
            one,
            rows(f'SELECT {USER_COLUMNS} FROM "user" WHERE {where}', *args),
        )
        return [User(*values) for values in found]

    async def get_organization(self, organization_id: str, wanted_id: str) -> Organization | None:
        """The organization `wanted_id`, if it is the caller's own (`organization_id`)."""
        found = await self.db.read(
            tenant(organization_id), one, row(GET_ORGANIZATION, organization_id, wanted_id)
        )
        return Organization(*found) if found else None

    async def list_users(
        self, organization_id: str, *, limit: int, skip: int
    ) -> tuple[list[User], bool]:
        page = rows(LIST_USERS, organization_id, limit + 1, skip)
        found = await self.db.read(tenant(organization_id), one, page)
        return [User(*values) for values in found[:limit]], len(found) > limit
