"""Idempotency-Key (an extension, not Close): the IETF httpapi draft's rules, as Stripe runs them.

A retried request with the same key and the same body gets the first answer again; the
same key with another body is refused (422); a retry while the first still runs is told
to wait (409). Keys belong to one organization and one credential, and expire.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import msgspec

from closecalls.domain.errors import ValidationFailed

HEADER = "idempotency-key"
REPLAYED_HEADER = "idempotent-replayed"
MAX_KEY_LENGTH = 255
# A claim still unfinished after this long was left by a process that died: it may be retaken.
RUNNING_LEASE_SECONDS = 60

BAD_KEY = f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
MISMATCH = (
    "This Idempotency-Key was already used with a different request; "
    "use a new key for a new request."
)
IN_PROGRESS = (
    "A request with this Idempotency-Key is still being processed; retry after it finishes."
)
LOST = "The Idempotency-Key expired while the request was processed; send it again."

_canonical = msgspec.json.Encoder(order="sorted").encode
_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """One key of one caller, and the fingerprint of the request that first used it."""

    organization_id: str
    credential_id: str
    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class StoredKey:
    """What the store holds for a key: the first request's fingerprint and, once done, answer."""

    fingerprint: str
    status: int | None
    response: bytes | None


@dataclass(frozen=True, slots=True)
class Replay:
    """The first request's answer, to send again."""

    status: int
    body: bytes


class KeyMismatch(Exception):
    """The key was first used with another request (422)."""


class KeyInProgress(Exception):
    """The first request with the key has not finished (409)."""


class ClaimLost(Exception):
    """The claim expired and was retaken before this request's write (409)."""


def parse_key(raw: str) -> str:
    """The key from the header: Stripe's bare token or the draft's quoted sf-string."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    # An sf-string holds printable ASCII only; other bytes arrive here as latin-1 text.
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise ValidationFailed(errors=[BAD_KEY])
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    """A hash of what makes two requests the same: method, path and JSON body.

    The body is hashed in a canonical form, so key order and whitespace do not count.
    """
    try:
        canonical = _canonical(_decode(body)) if body.strip() else b""
    except (msgspec.DecodeError, RecursionError):
        canonical = body
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def decide(stored: StoredKey, fingerprint: str) -> Replay:
    """What a request gets when its key is already stored: a replay, or an exception."""
    if stored.fingerprint != fingerprint:
        raise KeyMismatch(MISMATCH)
    if stored.status is None or stored.response is None:
        raise KeyInProgress(IN_PROGRESS)
    return Replay(stored.status, stored.response)


def expiry(now_micros: int, lifetime_seconds: int) -> tuple[int, int]:
    """(expires_at, stale_before) for a claim made now, in microseconds."""
    return now_micros + lifetime_seconds * 1_000_000, now_micros - RUNNING_LEASE_SECONDS * 1_000_000
