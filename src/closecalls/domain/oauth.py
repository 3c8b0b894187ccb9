"""OAuth 2.0 as Close serves it: apps, codes, tokens, their lifetimes and their errors (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from oauthlib.common import add_params_to_uri
from oauthlib.oauth2.rfc6749 import errors

from closecalls.domain.credentials import random_base62

# Close's token response says what every grant gets: no scope is ever asked for.
SCOPE = "all.full_access offline_access"
ACCESS_TOKEN_SECONDS = 3600  # Close's `expires_in`
# RFC 6749 §4.1.2 asks for a short-lived code ("maximum of 10 minutes RECOMMENDED").
CODE_SECONDS = 600

CLIENT_ID_PREFIX = "oa2client_"
SECRET_PREFIX = "oa2secret_"
# Each kind of secret has its own prefix, so a presented token names the table it lives in.
PREFIXES = {"code": "oa2code_", "access": "oa2at_", "refresh": "oa2rt_"}
# Authorize parameters Close documents, and those of RFC 6749 it may be sent; any other
# parameter of the OAuth family that changes what is granted is refused, never ignored.
UNSUPPORTED_PARAMETERS = ("code_challenge", "code_challenge_method", "request", "request_uri")


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + random_base62(22)


def new_client_secret() -> str:
    return SECRET_PREFIX + random_base62(43)


def new_token(kind: str) -> str:
    """A fresh code, access token or refresh token: its kind's prefix and 43 base62 characters."""
    return PREFIXES[kind] + random_base62(43)


def kind_of(token: str) -> str | None:
    """Which kind of OAuth secret this is, by its prefix, or None."""
    for kind, prefix in PREFIXES.items():
        if token.startswith(prefix):
            return kind
    return None


def is_access_token(token: str) -> bool:
    return token.startswith(PREFIXES["access"])


def valid_redirect_uri(uri: str) -> str | None:
    """Why a redirect URI cannot be registered (RFC 6749 §3.1.2), or None."""
    parts = urlsplit(uri)
    if not parts.scheme or (not parts.netloc and parts.scheme in ("http", "https")):
        return "Enter a valid URL."
    if parts.fragment:
        return "A redirect URI must not contain a fragment."
    return None


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    """A checked authorization request: the app and where its answer goes."""

    client_id: str
    redirect_uri: str
    state: str | None


class NoRedirect(Exception):
    """The request cannot be answered at the redirect URI (unknown client, unregistered URI).

    RFC 6749 §4.1.2.1: the user is told, and never sent to a URI the app did not register.
    """

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class RedirectedError(Exception):
    """The request is refused, and the refusal goes back to the app at its redirect URI."""

    def __init__(self, redirect_uri: str, error: errors.OAuth2Error) -> None:
        super().__init__(error.description)
        self.location = error_uri(redirect_uri, error)


def check_authorize(
    params: Mapping[str, str], *, registered: Sequence[str] | None
) -> AuthorizeRequest:
    """Close's authorize request checked against the app's registered redirect URIs.

    `registered` is None when no app has the `client_id`. Raises NoRedirect when the
    answer may not go to the redirect URI, else RedirectedError for any other refusal.
    """
    client_id = params.get("client_id", "")
    if not client_id:
        raise NoRedirect("invalid_request", "Missing client_id parameter.")
    if registered is None:
        raise NoRedirect("invalid_client", "Invalid client_id parameter value.")
    given = params.get("redirect_uri")
    if given is None:
        if len(registered) != 1:
            raise NoRedirect("invalid_request", "Missing redirect_uri parameter.")
        redirect_uri = registered[0]
    elif given in registered:
        redirect_uri = given
    else:
        # Exact match only (RFC 6749 §3.1.2.3): a prefix would let a code leak elsewhere.
        raise NoRedirect("invalid_request", "Mismatching redirect_uri parameter.")
    state = params.get("state") or None
    response_type = params.get("response_type")
    refusal: errors.OAuth2Error | None = None
    if not response_type:
        refusal = errors.MissingResponseTypeError(state=state)
    elif response_type != "code":
        refusal = errors.UnsupportedResponseTypeError(state=state)
    for name in UNSUPPORTED_PARAMETERS:
        if refusal is None and name in params:
            refusal = errors.InvalidRequestError(f"{name} is not supported.", state=state)
    if refusal is not None:
        raise RedirectedError(redirect_uri, refusal)
    return AuthorizeRequest(client_id, redirect_uri, state)


def granted_uri(request: AuthorizeRequest, code: str) -> str:
    """Where the browser goes when the user grants: `code` and `state` on the redirect URI."""
    params = [("code", code)]
    if request.state is not None:
        params.append(("state", request.state))
    return str(add_params_to_uri(request.redirect_uri, params))


def error_uri(redirect_uri: str, error: errors.OAuth2Error) -> str:
    """The redirect URI with the error's parameters (and the request's `state`)."""
    params = [(name, value) for name, value in error.twotuples if value is not None]
    return str(add_params_to_uri(redirect_uri, params))


def denied_uri(request: AuthorizeRequest) -> str:
    """Close sends a declined request back with `error=access_denied`."""
    return error_uri(
        request.redirect_uri,
        errors.AccessDeniedError("The user declined access.", state=request.state),
    )


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """A checked token request: which grant and the code or refresh token it presents."""

    grant_type: str
    secret: str
    redirect_uri: str | None


def check_token_request(form: Mapping[str, str]) -> TokenGrant:
    """The token endpoint's form, as RFC 6749 §4.1.3 and §6 describe it."""
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise errors.InvalidRequestError("Missing grant_type parameter.")
    if grant_type == "authorization_code":
        code = form.get("code", "")
        if not code:
            raise errors.InvalidRequestError("Missing code parameter.")
        return TokenGrant(grant_type, code, form.get("redirect_uri"))
    if grant_type == "refresh_token":
        refresh_token = form.get("refresh_token", "")
        if not refresh_token:
            raise errors.InvalidRequestError("Missing refresh_token parameter.")
        return TokenGrant(grant_type, refresh_token, None)
    raise errors.UnsupportedGrantTypeError()


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """What a successful token request answers."""

    access_token: str
    refresh_token: str
    organization_id: str
    user_id: str

    def document(self) -> dict[str, object]:
        """Close's token response, field for field."""
        return {
            "token_type": "Bearer",
            "access_token": self.access_token,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "refresh_token": self.refresh_token,
            "scope": SCOPE,
            "organization_id": self.organization_id,
            "user_id": self.user_id,
        }
