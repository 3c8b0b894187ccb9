"""OAuth apps, codes and tokens: each transaction written once for both engines.

Codes, access tokens and refresh tokens share one table: each is a hashed secret of one
grant (one user's consent to one app), found by its lookup like an API key.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import msgspec

from closecalls.store.transaction import (
    FOR_UPDATE,
    Driver,
    Scope,
    Transaction,
    act_for,
    row,
    run,
    run_many,
    tenant,
)

APP_COLUMNS = "id, organization_id, name, secret_hash, redirect_uris, date_created"
TOKEN_COLUMNS = (
    "kind, lookup, secret_hash, grant_id, client_id, organization_id, user_id, redirect_uri, "
    "expires_at, revoked"
)
INSERT_TOKEN = f"INSERT INTO oauth_token ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
FIND_TOKEN = f"SELECT {TOKEN_COLUMNS} FROM oauth_token WHERE kind = ? AND lookup = ?"
SPEND_TOKEN = (
    "UPDATE oauth_token SET revoked = ? WHERE organization_id = ? AND kind = ? AND lookup = ?"
)
REVOKE_GRANT = "UPDATE oauth_token SET revoked = ? WHERE organization_id = ? AND grant_id = ?"


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """A registered app; its secret is stored only hashed."""

    client_id: str
    organization_id: str
    name: str
    secret_hash: bytes
    redirect_uris: tuple[str, ...]
    date_created: str


@dataclass(frozen=True, slots=True)
class OAuthToken:
    """A code, access token or refresh token of one grant, as stored."""

    kind: str
    lookup: str
    secret_hash: bytes
    grant_id: str
    client_id: str
    organization_id: str
    user_id: str
    redirect_uri: str | None
    expires_at: int | None
    revoked: bool = False

    def values(self) -> tuple[object, ...]:
        return (self.kind, self.lookup, self.secret_hash, self.grant_id, self.client_id,
                self.organization_id, self.user_id, self.redirect_uri, self.expires_at,
                self.revoked)  # fmt: skip

    def matches(self, secret_hash: bytes) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_hash)

    def expired(self, now: int) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def _token(found: Any) -> OAuthToken:
    """A row of TOKEN_COLUMNS as a token: blobs as bytes, the flag as a bool on both engines."""
    return OAuthToken(found[0], found[1], bytes(found[2]), found[3], found[4], found[5],
                      found[6], found[7], found[8], bool(found[9]))  # fmt: skip


def insert_app(app: OAuthApp) -> Transaction[None]:
    yield act_for(app.organization_id)
    yield run(
        f"INSERT INTO oauth_app ({APP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        app.client_id, app.organization_id, app.name, app.secret_hash,
        msgspec.json.encode(list(app.redirect_uris)).decode(), app.date_created,
    )  # fmt: skip


def find_app(client_id: str) -> Transaction[OAuthApp | None]:
    found = yield row(f"SELECT {APP_COLUMNS} FROM oauth_app WHERE id = ?", client_id)
    if found is None:
        return None
    uris = tuple(msgspec.json.decode(found[4]))
    return OAuthApp(found[0], found[1], found[2], bytes(found[3]), uris, found[5])


def insert_tokens(tokens: tuple[OAuthToken, ...]) -> Transaction[None]:
    yield act_for(tokens[0].organization_id)
    yield run_many(INSERT_TOKEN, [token.values() for token in tokens])


def find_token(kind: str, lookup: str) -> Transaction[OAuthToken | None]:
    found = yield row(FIND_TOKEN, kind, lookup)
    return None if found is None else _token(found)


def find_access_token(lookup: str) -> Transaction[tuple[OAuthToken, str] | None]:
    """An access token and its user's display name, for the authenticator."""
    found = yield row(FIND_TOKEN, "access", lookup)
    if found is None:
        return None
    token = _token(found)
    yield act_for(token.organization_id)
    names = yield row(
        'SELECT first_name, last_name FROM "user" WHERE id = ? AND organization_id = ?',
        token.user_id, token.organization_id,
    )  # fmt: skip
    return token, (f"{names[0]} {names[1]}".strip() if names else "")


def _locked(kind: str, lookup: str) -> Transaction[OAuthToken | None]:
    """The token, locked, acting for its organization from here on.

    Found first without the lock: PostgreSQL's policies let a row be locked (an update)
    only once the transaction acts for its organization.
    """
    found = yield row(FIND_TOKEN, kind, lookup)
    if found is None:
        return None
    yield act_for(_token(found).organization_id)
    locked = yield row(FIND_TOKEN, kind, lookup, lock=FOR_UPDATE)
    return None if locked is None else _token(locked)


def redeem(
    kind: str, lookup: str, secret_hash: bytes, *, client_id: str, now: int,
    redirect_uri: str | None, issued: tuple[OAuthToken, ...],
) -> Transaction[str | None]:  # fmt: skip
    """Spend a code or refresh token once and store the tokens it buys, in one transaction.

    Answers None, or why it was refused (then nothing new is stored): `unknown`, `spent`,
    `expired` or `redirect_uri`. A code presented again revokes every token of its grant
    (RFC 6749 §4.1.2); a refresh token is spent on use, so each refresh rotates it, as
    Close does.
    """
    token = yield from _locked(kind, lookup)
    if token is None or not token.matches(secret_hash) or token.client_id != client_id:
        return "unknown"
    if token.revoked:
        if kind == "code":
            yield run(REVOKE_GRANT, True, token.organization_id, token.grant_id)
        return "spent"
    if token.expired(now):
        return "expired"
    if token.redirect_uri is not None and redirect_uri != token.redirect_uri:
        return "redirect_uri"
    yield run(SPEND_TOKEN, True, token.organization_id, kind, lookup)
    yield run_many(INSERT_TOKEN, [new.values() for new in issued])
    return None


def revoke(kind: str, lookup: str, secret_hash: bytes, *, client_id: str) -> Transaction[str]:
    """Revoke an access token, or a refresh token with its whole grant (RFC 7009 §2.1).

    Answers `revoked`, `unknown` (nothing to revoke) or `other_client`.
    """
    token = yield from _locked(kind, lookup)
    if token is None or not token.matches(secret_hash):
        return "unknown"
    if token.client_id != client_id:
        return "other_client"
    if kind == "refresh":
        yield run(REVOKE_GRANT, True, token.organization_id, token.grant_id)
    else:
        yield run(SPEND_TOKEN, True, token.organization_id, kind, lookup)
    return "revoked"


class OAuthStore:
    """The store's OAuth apps, codes and tokens."""

    db: Driver

    async def add_oauth_app(self, app: OAuthApp) -> None:
        await self.db.write(tenant(app.organization_id), insert_app, app)

    async def get_oauth_app(self, client_id: str) -> OAuthApp | None:
        # Any organization's users may grant any app: it is found by its id alone.
        return await self.db.read(Scope(credential_lookup=client_id), find_app, client_id)

    async def add_oauth_tokens(self, tokens: tuple[OAuthToken, ...]) -> None:
        await self.db.write(tenant(tokens[0].organization_id), insert_tokens, tokens)

    async def find_oauth_token(self, kind: str, lookup: str) -> OAuthToken | None:
        return await self.db.read(Scope(credential_lookup=lookup), find_token, kind, lookup)

    async def find_oauth_access_token(self, lookup: str) -> tuple[OAuthToken, str] | None:
        """An access token and its user's display name, for the authenticator."""
        return await self.db.read(Scope(credential_lookup=lookup), find_access_token, lookup)

    async def redeem_oauth_token(
        self, kind: str, lookup: str, secret_hash: bytes, *, client_id: str, now: int,
        redirect_uri: str | None, issued: tuple[OAuthToken, ...],
    ) -> str | None:  # fmt: skip
        """Spend a code or refresh token for `issued`; None, or why it was refused."""
        return await self.db.write(
            Scope(credential_lookup=lookup), redeem, kind, lookup, secret_hash,
            client_id=client_id, now=now, redirect_uri=redirect_uri, issued=issued,
        )  # fmt: skip

    async def revoke_oauth_token(
        self, kind: str, lookup: str, secret_hash: bytes, *, client_id: str
    ) -> str:
        """`revoked`, `unknown` (nothing to revoke) or `other_client`."""
        return await self.db.write(
            Scope(credential_lookup=lookup), revoke, kind, lookup, secret_hash,
            client_id=client_id,
        )  # fmt: skip
