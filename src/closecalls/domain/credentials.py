"""API keys and access tokens: how secrets are made, hashed and checked."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from closecalls.domain.ids import BASE62

LOOKUP_CHARS = 16


def random_base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_api_key() -> tuple[str, str]:
    """A key shaped like Close's (`api_<22>.<22>`) and its id, the part before the dot."""
    key_id = f"api_{random_base62(22)}"
    return key_id, f"{key_id}.{random_base62(22)}"


def new_access_token() -> str:
    return f"oat_{random_base62(43)}"


def hash_secret(secret: str) -> tuple[str, bytes]:
    """The secret's index lookup and its full SHA-256; only these are stored.

    Secrets are long and random, so a fast hash is enough; the lookup is a prefix
    of the hash so that finding the row reveals nothing about the secret.
    """
    digest = hashlib.sha256(secret.encode()).digest()
    return digest.hex()[:LOOKUP_CHARS], digest


def secret_matches(secret: str, stored_hash: bytes) -> bool:
    """Constant-time comparison of a presented secret with a stored hash."""
    return hmac.compare_digest(hashlib.sha256(secret.encode()).digest(), stored_hash)
