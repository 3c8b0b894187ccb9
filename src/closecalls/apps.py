"""OAuth apps and their grants: register an app, grant it, exchange, refresh and revoke tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from oauthlib.oauth2.rfc6749 import errors

from closecalls.domain import oauth
from closecalls.domain.clock import Clock, now_for
from closecalls.domain.credentials import hash_secret, secret_matches
from closecalls.domain.ids import IdSource
from closecalls.domain.times import format_timestamp, to_micros
from closecalls.store.oauth import OAuthApp, OAuthToken
from closecalls.store.store import Store

SECOND = 1_000_000

# Why a presented code or refresh token was refused, as the client is told (invalid_grant).
_REFUSALS = {
    "unknown": "The {what} is invalid or was issued to another client.",
    "spent": "The {what} has already been used.",
    "expired": "The {what} has expired.",
    "redirect_uri": "The redirect_uri does not match the one the code was issued for.",
}


class InvalidRedirectUris(ValueError):
    """An app needs at least one redirect URI, each a URL without a fragment."""


@dataclass(frozen=True, slots=True)
class RegisteredApp:
    """A new app and its client secret, shown this once."""

    app: OAuthApp
    client_secret: str

    def document(self) -> dict[str, object]:
        return {**app_document(self.app), "client_secret": self.client_secret}


def app_document(app: OAuthApp) -> dict[str, object]:
    return {
        "client_id": app.client_id,
        "name": app.name,
        "redirect_uris": list(app.redirect_uris),
        "organization_id": app.organization_id,
        "date_created": app.date_created,
    }


async def register_app(
    store: Store, *, organization_id: str, name: str, redirect_uris: Sequence[str],
    clock: Clock, client_id: str | None = None, client_secret: str | None = None,
) -> RegisteredApp:  # fmt: skip
    """Register an app for an organization; its secret is returned once and stored hashed.

    A test suite may choose the id and secret (as `--bootstrap-key` chooses a key), so
    that its integration's configuration knows them in advance.
    """
    if not redirect_uris:
        raise InvalidRedirectUris("An app needs at least one redirect URI.")
    for uri in redirect_uris:
        problem = oauth.valid_redirect_uri(uri)
        if problem is not None:
            raise InvalidRedirectUris(f"{uri}: {problem}")
    secret = client_secret or oauth.new_client_secret()
    app = OAuthApp(
        client_id=client_id or oauth.new_client_id(),
        organization_id=organization_id,
        name=name,
        secret_hash=hash_secret(secret)[1],
        redirect_uris=tuple(dict.fromkeys(redirect_uris)),
        date_created=format_timestamp(clock.now()),
    )
    await store.add_oauth_app(app)
    return RegisteredApp(app, secret)


async def authenticate_client(store: Store, client_id: str, client_secret: str) -> OAuthApp:
    """The app whose id and secret these are, or RFC 6749's invalid_client."""
    app = await store.get_oauth_app(client_id) if client_id else None
    if app is None or not secret_matches(client_secret, app.secret_hash):
        raise errors.InvalidClientError("Client authentication failed.")
    return app


async def check_authorize(store: Store, params: Mapping[str, str]) -> oauth.AuthorizeRequest:
    """An authorize request checked against its app (see `oauth.check_authorize`)."""
    client_id = params.get("client_id", "")
    app = await store.get_oauth_app(client_id) if client_id else None
    return oauth.check_authorize(params, registered=None if app is None else app.redirect_uris)


async def decide(
    store: Store, params: Mapping[str, str], *, allow: bool, organization_id: str, user_id: str,
    clock: Clock, ids: IdSource,
) -> str:  # fmt: skip
    """The user grants or declines an authorize request: where their browser goes next.

    Raises `oauth.NoRedirect` when the answer must not go to the app at all.
    """
    try:
        checked = await check_authorize(store, params)
    except oauth.RedirectedError as refused:
        return refused.location
    if not allow:
        return oauth.denied_uri(checked)
    return await grant(
        store, checked, organization_id=organization_id, user_id=user_id,
        explicit_redirect="redirect_uri" in params, clock=clock, ids=ids,
    )  # fmt: skip


async def grant(
    store: Store, request: oauth.AuthorizeRequest, *, organization_id: str, user_id: str,
    explicit_redirect: bool, clock: Clock, ids: IdSource,
) -> str:  # fmt: skip
    """The user grants the app: a new single-use code, and the URI that carries it back."""
    code = oauth.new_token("code")
    lookup, secret_hash = hash_secret(code)
    await store.add_oauth_tokens((
        OAuthToken(
            kind="code", lookup=lookup, secret_hash=secret_hash, grant_id=ids.new("oa2grant", 22),
            client_id=request.client_id, organization_id=organization_id, user_id=user_id,
            redirect_uri=request.redirect_uri if explicit_redirect else None,
            expires_at=to_micros(clock.now()) + oauth.CODE_SECONDS * SECOND,
        ),
    ))  # fmt: skip
    return oauth.granted_uri(request, code)


async def exchange(
    store: Store, app: OAuthApp, request: oauth.TokenGrant, *, clock: Clock
) -> oauth.IssuedTokens:
    """Spend a code or refresh token for a new access token and a new refresh token."""
    kind = "code" if request.grant_type == "authorization_code" else "refresh"
    what = "authorization code" if kind == "code" else "refresh token"
    lookup, secret_hash = hash_secret(request.secret)
    # Read first for the organization, whose clock (the toolkit's, in tests) dates the tokens.
    found = await store.find_oauth_token(kind, lookup)
    if found is None or not found.matches(secret_hash) or found.client_id != app.client_id:
        raise errors.InvalidGrantError(_REFUSALS["unknown"].format(what=what))
    now = to_micros(now_for(clock, found.organization_id))
    access, refresh = oauth.new_token("access"), oauth.new_token("refresh")

    def token(kind: str, secret: str, expires_at: int | None) -> OAuthToken:
        lookup, secret_hash = hash_secret(secret)
        return OAuthToken(kind, lookup, secret_hash, found.grant_id, found.client_id,
                          found.organization_id, found.user_id, None, expires_at)  # fmt: skip

    # Refresh tokens do not expire (Close lets integrations refresh for months); each is
    # spent on use, and revoking one revokes its whole grant.
    issued = (token("access", access, now + oauth.ACCESS_TOKEN_SECONDS * SECOND),
              token("refresh", refresh, None))  # fmt: skip
    refused = await store.redeem_oauth_token(
        kind, lookup, secret_hash, client_id=app.client_id, now=now,
        redirect_uri=request.redirect_uri, issued=issued,
    )  # fmt: skip
    if refused is not None:
        raise errors.InvalidGrantError(_REFUSALS[refused].format(what=what))
    return oauth.IssuedTokens(access, refresh, found.organization_id, found.user_id)


async def revoke(store: Store, app: OAuthApp, token: str) -> None:
    """RFC 7009: revoke the app's token; a token that names nothing is already revoked."""
    kind = oauth.kind_of(token)
    if kind not in ("access", "refresh"):
        return
    lookup, secret_hash = hash_secret(token)
    outcome = await store.revoke_oauth_token(kind, lookup, secret_hash, client_id=app.client_id)
    if outcome == "other_client":
        raise errors.InvalidGrantError("The token was issued to another client.")
