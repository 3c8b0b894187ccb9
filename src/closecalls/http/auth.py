"""Close's two ways in: HTTP Basic with the API key as username, and Bearer tokens."""

from __future__ import annotations

import base64
import binascii
import time

from closecalls.domain.clock import Clock
from closecalls.domain.credentials import hash_secret, secret_matches
from closecalls.domain.principal import Principal
from closecalls.domain.times import to_micros
from closecalls.http.errors import Unauthorized
from closecalls.store.store import Store

CACHE_LIMIT = 10_000


def parse_authorization(header: str | None) -> tuple[str, str] | None:
    """(`api_key` or `access_token`, secret) from an Authorization header."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, _, _password = decoded.partition(":")
        return ("api_key", username) if username else None
    if scheme == "bearer" and value:
        return "access_token", value
    return None


class Authenticator:
    """Resolves credentials to principals, caching hits for at most `cache_seconds`.

    The cache is what keeps a hot API fast; its short life is what makes a revoked
    key stop working within a second on every process.
    """

    def __init__(self, store: Store, clock: Clock, cache_seconds: float) -> None:
        self._store = store
        self._clock = clock
        self._cache_seconds = cache_seconds
        # Keyed by the raw header, so a hit costs one lookup and no decoding.
        self._cache: dict[str, tuple[float, Principal, int | None]] = {}

    async def authenticate(self, header: str | None) -> Principal:
        now = time.monotonic()
        cached = self._cache.get(header or "")
        if cached is not None and cached[0] > now and not self._expired(cached[2]):
            return cached[1]
        parsed = parse_authorization(header)
        if parsed is None:
            raise Unauthorized()
        kind, secret = parsed
        lookup, _ = hash_secret(secret)
        match = await self._store.find_credential(kind, lookup)
        if match is None:
            raise Unauthorized()
        credential = match.credential
        if (
            not secret_matches(secret, credential.secret_hash)
            or credential.revoked
            or self._expired(credential.expires_at)
        ):
            raise Unauthorized()
        principal = Principal(
            organization_id=credential.organization_id,
            user_id=credential.user_id,
            user_name=match.user_name,
            credential_id=credential.id,
        )
        if self._cache_seconds > 0:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[header or ""] = (
                now + self._cache_seconds,
                principal,
                credential.expires_at,
            )
        return principal

    def _expired(self, expires_at: int | None) -> bool:
        return expires_at is not None and to_micros(self._clock.now()) >= expires_at
