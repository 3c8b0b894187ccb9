"""Webhook subscription rules, delivery bodies, signatures and retry timing."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.webhooks import (
    PRIVATE_REFUSED,
    RetryPolicy,
    envelope,
    is_public_address,
    sign,
    url_problem,
    validate,
    wants,
)

SECOND = 1_000_000


def close_reference_signature(key: str, timestamp: str, payload: str) -> str:
    """Close's documented check: hmac.new(bytearray.fromhex(key), (ts + payload).encode(...))."""
    data = timestamp + payload
    return hmac.new(bytearray.fromhex(key), data.encode("utf-8"), hashlib.sha256).hexdigest()


def test_signature_is_closes() -> None:
    key = "a1" * 32
    body = '{"event":{"id":"ev_1","data":{"note":"caf\u00e9"}},"subscription_id":"whsub_1"}'
    signature = sign(key, "1544271440", body.encode())
    assert hmac.compare_digest(signature, close_reference_signature(key, "1544271440", body))
    assert signature != sign(key, "1544271441", body.encode())


def test_envelope_keeps_the_stored_event() -> None:
    document = b'{"id":"ev_1","action":"created"}'
    body = envelope(document, "whsub_x")
    assert json.loads(body) == {"event": {"id": "ev_1", "action": "created"},
                                "subscription_id": "whsub_x"}  # fmt: skip
    assert document in body


@pytest.mark.parametrize(
    ("address", "public"),
    [("8.8.8.8", True), ("2606:4700::1111", True), ("127.0.0.1", False), ("10.1.2.3", False),
     ("192.168.0.1", False), ("169.254.169.254", False), ("::1", False), ("fe80::1", False),
     ("::ffff:127.0.0.1", False), ("0.0.0.0", False), ("100.64.0.1", False), ("nonsense", False),
     # IPv6 forms that embed an IPv4 address reach it: NAT64, local NAT64, 6to4,
     # IPv4-compatible, Teredo (client 192.0.2.45, a documentation address).
     ("64:ff9b::7f00:1", False), ("64:ff9b::10.0.0.1", False), ("64:ff9b::8.8.8.8", True),
     ("64:ff9b:1::a00:1", False), ("2002:7f00:1::", False), ("2002:c0a8:1::1", False),
     ("2002:808:808::1", True), ("::127.0.0.1", False), ("::10.0.0.1", False),
     ("::a9fe:a9fe", False), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False)],
)  # fmt: skip
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hook", "http://localhost/hook", "http://api.localhost/",
     "http://[::1]/", "http://10.0.0.7/", "http://169.254.169.254/latest/meta-data/",
     "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/", "http://[::127.0.0.1]/",
     "http://[::ffff:10.0.0.1]:8080/"],
)  # fmt: skip
def test_private_urls_are_refused_unless_allowed(url: str) -> None:
    assert url_problem(url, allow_private=False) == PRIVATE_REFUSED
    assert url_problem(url, allow_private=True) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "example.com",
        "http://",
        "http://h:99999/",
        5,
        "javascript:alert(1)",
        "https://user:secret@example.com/",
        "https://exa\u202emple.com/",
        "https://ex\x00.com/",
    ],
)
def test_bad_urls_are_refused(url: object) -> None:
    assert url_problem(url, allow_private=True)


def test_public_urls_pass() -> None:
    assert url_problem("https://example.com/hook", allow_private=False) is None
    assert url_problem("https://93.184.215.14/hook", allow_private=False) is None


def test_create_needs_url_and_events_and_names_every_problem() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate({"verify_ssl": "yes", "status": "paused", "event_filter": {"type": "x"}},
                 creating=True, allow_private=False)  # fmt: skip
    assert set(refused.value.field_errors) == {
        "url",
        "events",
        "verify_ssl",
        "status",
        "event_filter",
    }


def test_events_are_checked() -> None:
    for events in ([], [{"object_type": "lead"}], [{"object_type": "lead", "action": "created",
                   "extra_filter": {"type": "equals"}}], ["lead.created"]):  # fmt: skip
        with pytest.raises(ValidationFailed) as refused:
            validate({"url": "https://example.com", "events": events}, creating=True,
                     allow_private=False)  # fmt: skip
        assert set(refused.value.field_errors) == {"events"}


def test_matching_needs_type_action_and_filters() -> None:
    event = {"object_type": "activity.call", "action": "created", "user_id": "user_1"}
    only_mine = {"type": "field_accessor", "field": "user_id",
                 "filter": {"type": "equals", "value": "user_1"}}  # fmt: skip
    calls = json.dumps([{"object_type": "activity.call", "action": "created"}]).encode()
    assert wants("s", calls, None).match(event)
    assert not wants("s", calls, None).match({**event, "action": "updated"})
    assert wants("s", calls, json.dumps(only_mine).encode()).match(event)
    assert not wants("s", calls, json.dumps(only_mine).encode()).match({**event, "user_id": "u2"})
    not_mine = {"type": "not", "filter": only_mine}
    extra = json.dumps(
        [{"object_type": "activity.call", "action": "created", "extra_filter": not_mine}]
    ).encode()
    assert not wants("s", extra, None).match(event)


def test_back_off_doubles_up_to_the_cap_then_gives_up() -> None:
    policy = RetryPolicy(base=10 * SECOND, cap=1200 * SECOND, give_up_after=72 * 3600 * SECOND,
                         pause_after=72 * 3600 * SECOND)  # fmt: skip
    delays = [policy.delay(n) // SECOND for n in range(1, 11)]
    assert delays == [10, 20, 40, 80, 160, 320, 640, 1200, 1200, 1200]
    assert policy.delay(500) == 1200 * SECOND
    assert policy.next_step(now=100 * SECOND, created=0, failures=1) == ("pending", 110 * SECOND)
    late = 72 * 3600 * SECOND
    assert policy.next_step(now=late, created=0, failures=30) == ("dropped", late)
    assert not policy.should_pause(now=late, failing_since=None)
    assert not policy.should_pause(now=late, failing_since=1)
    assert policy.should_pause(now=late, failing_since=0)
