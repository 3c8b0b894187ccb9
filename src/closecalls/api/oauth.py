"""`/oauth2/authorize/`, `/oauth2/token/` and `/oauth2/revoke/`, at the host's root as Close's are.

Close serves authorize on its web app's host and token and revoke on its API host, never
under `/api/v1/`; one closecalls host serves all three.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, unquote

from oauthlib.oauth2.rfc6749 import errors

from closecalls import apps
from closecalls.domain import oauth
from closecalls.http.errors import BadRequest, Forbidden
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json, json_response
from closecalls.http.router import Route
from closecalls.services import Services
from closecalls.web import consent

FORM = "application/x-www-form-urlencoded"
# RFC 6749 §5.1: token responses (and their errors) must never be cached.
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}

OAuthHandler = Callable[["OAuthHandlers", Request], Awaitable[Response]]


def oauth_error(error: errors.OAuth2Error) -> Response:
    """RFC 6749 §5.2's body, `{"error": ..., "error_description": ...}`, with its status."""
    headers = dict(NO_STORE)
    if error.status_code == 401:
        # The client authenticates with HTTP Basic (or in the body): tell it so.
        headers["www-authenticate"] = 'Basic realm="closecalls"'
    body = {"error": error.error, "error_description": error.description}
    return Response(encode_json(body), error.status_code, headers)


def answers_oauth_errors(handler: OAuthHandler) -> OAuthHandler:
    """Token and revoke answer their failures in OAuth's shape, not the API's envelope."""

    async def wrapped(self: OAuthHandlers, request: Request) -> Response:
        try:
            return await handler(self, request)
        except errors.OAuth2Error as error:
            return oauth_error(error)

    wrapped.__name__ = handler.__name__
    wrapped.__qualname__ = handler.__qualname__
    wrapped.__doc__ = handler.__doc__
    return wrapped


async def read_form(request: Request) -> dict[str, str]:
    """The form-encoded body; a parameter sent twice is refused (RFC 6749 §3.1)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise errors.InvalidRequestError(f"The request body must be {FORM}.")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise errors.InvalidRequestError("The request body is not UTF-8.") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise errors.InvalidRequestError(f"Duplicate {name} parameter.")
        form[name] = value
    return form


def client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """The client's id and secret, from HTTP Basic (RFC 6749 §2.3.1) or the body (Close's way)."""
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return form.get("client_id", ""), form.get("client_secret", "")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.InvalidClientError("Malformed Basic credentials.") from None
    client_id, _, secret = decoded.partition(":")
    client_id, secret = unquote(client_id), unquote(secret)
    if form.get("client_id", client_id) != client_id:
        raise errors.InvalidRequestError("client_id differs from the Basic credentials.")
    return client_id, secret


class OAuthHandlers:
    """The app's side of Close's OAuth 2.0: the consent page, tokens and their revocation."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store

    def routes(self) -> list[Route]:
        return [
            Route("/oauth2/authorize/", {"GET": self.consent_page}, public=True),
            Route("/oauth2/authorize/decision/", {"POST": self.decide}),
            Route("/oauth2/token/", {"POST": self.token}, public=True),
            Route("/oauth2/revoke/", {"POST": self.revoke}, public=True),
        ]

    async def consent_page(self, request: Request) -> Response:
        """Close's consent screen; a request it cannot send back is answered here instead."""
        try:
            checked = await apps.check_authorize(self.store, request.query)
        except oauth.NoRedirect as problem:
            return consent.error_page(problem.error, problem.description)
        except oauth.RedirectedError as refused:
            return Response(b"", 302, {"location": refused.location})
        app = await self.store.get_oauth_app(checked.client_id)
        assert app is not None
        return consent.consent_page(app.name)

    async def decide(self, request: Request) -> Response:
        """The signed-in user grants or declines; answers where to send the browser."""
        caller = request.caller
        if caller.oauth_client_id is not None:
            raise Forbidden("An OAuth app cannot grant access to another app.")
        body = await request.json_object()
        params = {name: value for name, value in body.items() if isinstance(value, str)}
        # The consent screen offers the caller's organizations only.
        if params.pop("organization_id", caller.organization_id) != caller.organization_id:
            message = "Object does not exist."
            raise BadRequest(f"organization_id: {message}",
                             field_errors={"organization_id": message})  # fmt: skip
        allow = body.get("allow")
        if not isinstance(allow, bool):
            raise BadRequest("allow: Value must be of bool type.", field_errors={"allow": "bool"})
        services = self.services
        try:
            location = await apps.decide(
                self.store, params, allow=allow, organization_id=caller.organization_id,
                user_id=caller.user_id, clock=services.clock, ids=services.ids,
            )  # fmt: skip
        except oauth.NoRedirect as problem:
            raise BadRequest(problem.description, errors=[problem.error]) from None
        return json_response({"redirect_to": location})

    @answers_oauth_errors
    async def token(self, request: Request) -> Response:
        """Exchange an authorization code or a refresh token for new tokens."""
        form = await read_form(request)
        client_id, client_secret = client_credentials(request, form)
        app = await apps.authenticate_client(self.store, client_id, client_secret)
        grant = oauth.check_token_request(form)
        issued = await apps.exchange(self.store, app, grant, clock=self.services.clock)
        return Response(encode_json(issued.document()), 200, dict(NO_STORE))

    @answers_oauth_errors
    async def revoke(self, request: Request) -> Response:
        """Revoke an access token, or a refresh token with every token of its grant."""
        form = await read_form(request)
        client_id, client_secret = client_credentials(request, form)
        app = await apps.authenticate_client(self.store, client_id, client_secret)
        token = form.get("token", "")
        if not token:
            raise errors.InvalidRequestError("Missing token parameter.")
        await apps.revoke(self.store, app, token)
        return json_response({})
