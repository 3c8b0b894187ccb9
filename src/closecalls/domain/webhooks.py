"""Webhook subscriptions: their rules, which events they want, signatures and retry timing."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from typing import Any

import msgspec

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.urls import web_url
from closecalls.domain.webhook_filters import filter_problem, matches

STATUSES = ("active", "paused")
MAX_SUBSCRIPTIONS = 40
PRIVATE_REFUSED = (
    "This URL points at a private or loopback address; the server does not deliver there."
)
_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


# IPv6 prefixes that carry an IPv4 address in their last 32 bits: NAT64's well-known and
# local-use prefixes (RFC 6052, 8215) and the deprecated IPv4-compatible form (::a.b.c.d).
_EMBEDDING_LOW_32 = tuple(
    ipaddress.IPv6Network(prefix) for prefix in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")
)


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, link-local...).

    An IPv6 address that embeds an IPv4 one (mapped, NAT64, 6to4, Teredo, IPv4-compatible)
    reaches that IPv4 address, so it is public only if what it embeds is.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(is_public_address(str(inner)) for inner in embedded)
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if any(ip in prefix for prefix in _EMBEDDING_LOW_32):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def url_problem(url: Any, *, allow_private: bool) -> str | None:
    """Why a webhook URL cannot be used, or None.

    Names are resolved only when delivering (DNS may change between now and then);
    here, literal private addresses and `localhost` are refused outright.
    """
    if not isinstance(url, str):
        return errors.wrong_type("string")
    try:
        parts = web_url(url)
    except ValueError as problem:
        return str(problem)
    if allow_private:
        return None
    host = (parts.hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return PRIVATE_REFUSED
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return None if is_public_address(host) else PRIVATE_REFUSED


def _events_problem(events: Any) -> str | None:
    if not isinstance(events, list) or not events:
        return "Provide a non-empty list of events."
    for item in events:
        if not isinstance(item, dict):
            return "Each event must be an object with object_type and action."
        for key in ("object_type", "action"):
            if not isinstance(item.get(key), str) or not item[key]:
                return f"Each event needs a non-empty {key}."
        extra = item.get("extra_filter")
        if extra is not None and (problem := filter_problem(extra)):
            return problem
        if set(item) - {"object_type", "action", "extra_filter"}:
            return "An event takes only object_type, action and extra_filter."
    return None


def validate(body: dict[str, Any], *, creating: bool, allow_private: bool) -> dict[str, Any]:
    """The subscription fields a create (or PUT) body sets, or every problem at once."""
    field_errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in ("url", "events"):
        if creating and key not in body:
            field_errors[key] = errors.REQUIRED
    if "url" in body and (problem := url_problem(body["url"], allow_private=allow_private)):
        field_errors["url"] = problem
    if "events" in body and (problem := _events_problem(body["events"])):
        field_errors["events"] = problem
    if "verify_ssl" in body and not isinstance(body["verify_ssl"], bool):
        field_errors["verify_ssl"] = errors.wrong_type("boolean")
    event_filter = body.get("event_filter")
    if event_filter is not None and (problem := filter_problem(event_filter)):
        field_errors["event_filter"] = problem
    if "status" in body:
        if creating:
            field_errors["status"] = "A new subscription is always active."
        elif body["status"] not in STATUSES:
            field_errors["status"] = errors.NOT_A_CHOICE
    if field_errors:
        raise ValidationFailed(field_errors)
    for key in ("url", "verify_ssl", "event_filter", "status"):
        if key in body:
            cleaned[key] = body[key]
    if "events" in body:
        cleaned["events"] = [
            {"object_type": item["object_type"], "action": item["action"],
             "extra_filter": item.get("extra_filter")}
            for item in body["events"]
        ]  # fmt: skip
    return cleaned


@dataclass(frozen=True, slots=True)
class Wants:
    """A subscription's event types and filters, decoded once per planning pass."""

    subscription_id: str
    events: list[dict[str, Any]]
    event_filter: dict[str, Any] | None

    def match(self, event: dict[str, Any]) -> bool:
        if self.event_filter is not None and not matches(self.event_filter, event):
            return False
        return any(
            wanted["object_type"] == event.get("object_type")
            and wanted["action"] == event.get("action")
            and (wanted.get("extra_filter") is None or matches(wanted["extra_filter"], event))
            for wanted in self.events
        )


def wants(subscription_id: str, events: bytes, event_filter: bytes | None) -> Wants:
    return Wants(
        subscription_id, _decode(events), None if event_filter is None else _decode(event_filter)
    )


def envelope(event_document: bytes, subscription_id: str) -> bytes:
    """The delivery body: the event exactly as the log stores it, and the subscription."""
    return b'{"event":' + event_document + b',"subscription_id":' + _encode(subscription_id) + b"}"


def sign(signature_key: str, timestamp: str, body: bytes) -> str:
    """`close-sig-hash`: HMAC-SHA256 keyed with the key's bytes over timestamp + body."""
    message = timestamp.encode() + body
    return hmac.new(bytes.fromhex(signature_key), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential back-off capped at `cap`, for `give_up_after`; pause after `pause_after`."""

    base: int
    cap: int
    give_up_after: int
    pause_after: int

    def delay(self, failures: int) -> int:
        """Microseconds to wait after the `failures`-th failed attempt."""
        return int(min(self.base * 2 ** min(failures - 1, 62), self.cap))

    def next_step(self, *, now: int, created: int, failures: int) -> tuple[str, int]:
        """('pending', when) to try again, or ('dropped', now) once retrying is over."""
        when = now + self.delay(failures)
        if when - created > self.give_up_after:
            return "dropped", now
        return "pending", when

    def should_pause(self, *, now: int, failing_since: int | None) -> bool:
        return failing_since is not None and now - failing_since >= self.pause_after
