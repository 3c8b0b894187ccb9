"""The Idempotency-Key rules, apart from any request."""

from __future__ import annotations

import pytest

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.idempotency import (
    KeyInProgress,
    KeyMismatch,
    Replay,
    StoredKey,
    decide,
    expiry,
    fingerprint,
    parse_key,
)


def test_a_key_is_a_bare_token_or_a_quoted_string() -> None:
    assert parse_key(" 8e03978e-40d5 ") == "8e03978e-40d5"
    assert parse_key('"8e03978e-40d5"') == "8e03978e-40d5"
    assert parse_key('"a\\"b"') == 'a"b'


@pytest.mark.parametrize("raw", ["", "  ", '""', "x" * 256, "a\tb"])
def test_empty_long_or_unprintable_keys_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_key(raw)


def test_the_fingerprint_ignores_key_order_and_whitespace_only() -> None:
    one = fingerprint("POST", "/p/", b'{"a": 1, "b": [1, 2]}')
    assert one == fingerprint("POST", "/p/", b'{"b":[1,2],"a":1}')
    assert one != fingerprint("POST", "/p/", b'{"b":[2,1],"a":1}')
    assert one != fingerprint("PUT", "/p/", b'{"a": 1, "b": [1, 2]}')
    assert one != fingerprint("POST", "/q/", b'{"a": 1, "b": [1, 2]}')
    assert fingerprint("POST", "/p/", b"not json") != fingerprint("POST", "/p/", b"not json!")


def test_decide_replays_refuses_a_mismatch_and_waits_for_a_running_request() -> None:
    assert decide(StoredKey("f", 200, b"{}"), "f") == Replay(200, b"{}")
    with pytest.raises(KeyMismatch):
        decide(StoredKey("f", 200, b"{}"), "g")
    with pytest.raises(KeyInProgress):
        decide(StoredKey("f", None, None), "f")


def test_expiry_and_the_running_lease_count_from_now() -> None:
    expires_at, stale_before = expiry(10_000_000_000, 86_400)
    assert expires_at == 10_000_000_000 + 86_400_000_000
    assert stale_before < 10_000_000_000
