"""Organizations, users and their credentials: what the CLI and bootstrap create."""

from __future__ import annotations

from dataclasses import dataclass

from closecalls.domain.clock import Clock
from closecalls.domain.credentials import hash_secret, new_access_token, new_api_key
from closecalls.domain.ids import IdSource
from closecalls.domain.times import format_timestamp, to_micros
from closecalls.store.rows import Credential, Organization, User
from closecalls.store.store import Store

API_KEY = "api_key"
ACCESS_TOKEN = "access_token"


@dataclass(frozen=True, slots=True)
class Bootstrap:
    """What the first start created or found."""

    organization: Organization
    user: User
    api_key: str | None
    created: bool


def api_key_credential(secret: str, *, credential_id: str, user: User, clock: Clock) -> Credential:
    lookup, secret_hash = hash_secret(secret)
    return Credential(
        id=credential_id,
        kind=API_KEY,
        organization_id=user.organization_id,
        user_id=user.id,
        lookup=lookup,
        secret_hash=secret_hash,
        date_created=format_timestamp(clock.now()),
    )


async def bootstrap(
    store: Store, *, clock: Clock, ids: IdSource, api_key: str | None = None
) -> Bootstrap:
    """Create the first organization, user and API key on an empty database.

    On a database that already has them, reuse them; a given `api_key` is added
    when it is not there yet, so scripts can always know a working key.
    """
    organization = await store.first_organization()
    if organization is not None:
        user = await store.organization_owner(organization.id)
        assert user is not None, "an organization always has its first user"
        if api_key is not None and await find_api_key(store, api_key) is None:
            await store.add_credential(
                api_key_credential(
                    api_key, credential_id=ids.new("api", 22), user=user, clock=clock
                )
            )
        return Bootstrap(organization, user, api_key, created=False)

    tenant = await create_organization(
        store, name="closecalls", clock=clock, ids=ids, api_key=api_key
    )
    return Bootstrap(tenant.organization, tenant.user, tenant.api_key, created=True)


@dataclass(frozen=True, slots=True)
class Tenant:
    """A new organization with its first user and an API key for that user."""

    organization: Organization
    user: User
    api_key: str


async def create_organization(
    store: Store,
    *,
    name: str,
    clock: Clock,
    ids: IdSource,
    api_key: str | None = None,
    first_name: str = "API",
    last_name: str = "User",
    email: str | None = None,
) -> Tenant:
    """Create an organization, its first user and an API key (given or generated)."""
    now = format_timestamp(clock.now())
    organization = Organization(id=ids.new("orga"), name=name, date_created=now)
    user = User(
        id=ids.new("user"),
        organization_id=organization.id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        date_created=now,
    )
    if api_key is None:
        credential_id, api_key = new_api_key()
    else:
        credential_id = ids.new("api", 22)
    credential = api_key_credential(api_key, credential_id=credential_id, user=user, clock=clock)
    await store.create_organization(organization, user, [credential])
    return Tenant(organization, user, api_key)


async def create_user(
    store: Store,
    *,
    organization_id: str,
    first_name: str,
    last_name: str,
    email: str | None,
    clock: Clock,
    ids: IdSource,
) -> User:
    """Add a user to an organization."""
    user = User(
        id=ids.new("user"),
        organization_id=organization_id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        date_created=format_timestamp(clock.now()),
    )
    await store.add_user(user)
    return user


async def find_api_key(store: Store, secret: str) -> Credential | None:
    lookup, _ = hash_secret(secret)
    match = await store.find_credential(API_KEY, lookup)
    return match.credential if match else None


async def create_api_key(store: Store, *, user: User, clock: Clock) -> str:
    """A new API key for the user; the secret is returned once and stored only hashed."""
    credential_id, secret = new_api_key()
    await store.add_credential(
        api_key_credential(secret, credential_id=credential_id, user=user, clock=clock)
    )
    return secret


async def revoke_api_key(store: Store, secret: str) -> bool:
    lookup, secret_hash = hash_secret(secret)
    return await store.revoke_credential(API_KEY, lookup, secret_hash)


async def create_access_token(
    store: Store, *, user: User, clock: Clock, ids: IdSource, lifetime_seconds: int
) -> str:
    """An OAuth-style bearer token for the user, valid for `lifetime_seconds`."""
    secret = new_access_token()
    lookup, secret_hash = hash_secret(secret)
    now = clock.now()
    await store.add_credential(
        Credential(
            id=ids.new("oat", 22),
            kind=ACCESS_TOKEN,
            organization_id=user.organization_id,
            user_id=user.id,
            lookup=lookup,
            secret_hash=secret_hash,
            date_created=format_timestamp(now),
            expires_at=to_micros(now) + lifetime_seconds * 1_000_000,
        )
    )
    return secret
