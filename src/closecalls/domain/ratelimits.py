"""Close's rate limits as rules: endpoint groups, key and organization buckets, what to announce.

Each bucket is a token bucket kept as one number, its theoretical arrival time (GCRA): a
bucket of `limit` requests is full when `tat <= now`; each request moves `tat` one interval
later and is refused when that would put `tat` more than `limit` intervals ahead of now.
Times are whole microseconds since the epoch and intervals whole microseconds: exact
integers, so the arithmetic gives the same answer in memory, in a PostgreSQL row or a Redis
key (whose doubles hold integers this size exactly). Floats on epoch seconds near 1.8e9 are
off by ~1e-7 s, enough to tip `remaining` down by one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

# Close's organization limit is three times the key limit (rate-limits page).
ORGANIZATION_FACTOR = 3
SECOND = 1_000_000

_METHOD_CLASSES = {"GET": "GET", "HEAD": "GET", "POST": "POST/PUT", "PUT": "POST/PUT",
                   "PATCH": "POST/PUT", "DELETE": "DELETE"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rule:
    """`limit` requests per `window` seconds."""

    limit: int
    window: float
    # Microseconds one request moves the bucket on, rounded down so that `limit` requests
    # always fit: the bucket refills in `burst`, under a microsecond per request short of
    # the window. Computed once, read on every request.
    interval: int = field(init=False, compare=False)
    burst: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        interval = max(1, int(self.window * SECOND) // self.limit)
        object.__setattr__(self, "interval", interval)
        object.__setattr__(self, "burst", interval * self.limit)


@dataclass(frozen=True, slots=True)
class Limits:
    """The configured rules: a default per key, and overrides per endpoint group."""

    default: Rule
    groups: dict[str, Rule]

    def for_key(self, group: str) -> Rule:
        return self.groups.get(group, self.default)

    def for_organization(self, group: str) -> Rule:
        rule = self.for_key(group)
        return Rule(rule.limit * ORGANIZATION_FACTOR, rule.window)


@dataclass(slots=True)
class Decision:
    """What a request learns: allowed or not, and the limit it is closest to."""

    allowed: bool
    limit: int
    remaining: int
    # Microseconds until the bucket is full again; when refused, until the next request fits.
    reset: int
    limit_type: str
    window: float

    def header(self) -> str:
        # Integers with ", " separators: the official client reads it with
        # `limit=(\d+), remaining=(\d+), reset=(\d+)` and `re.match`.
        return f"limit={self.limit}, remaining={self.remaining}, reset={whole_seconds(self.reset)}"


def endpoint_group(method: str, path: str) -> str:
    """Close groups limits by method and resource: GET `/activity/` apart from POST `/activity/`."""
    resource = path.removeprefix("/api/v1/").split("/", 1)[0]
    return f"{_METHOD_CLASSES.get(method, method)} /{resource}/"


def group_digest(group: str) -> str:
    """The opaque 32-hex-digit `rate_endpoint_group` Close's 429 bodies carry."""
    return hashlib.md5(group.encode(), usedforsecurity=False).hexdigest()


def parse_groups(spec: str, window: float) -> dict[str, Rule]:
    """`GET /lead/=600, POST /activity/=100` -> a rule per group."""
    groups: dict[str, Rule] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        group, equals, limit = item.rpartition("=")
        method, _, resource = group.strip().partition(" ")
        if not equals or not resource.startswith("/") or not limit.strip().isdigit():
            raise ValueError(f"rate limit group {item!r} is not like 'GET /lead/=600'")
        name = endpoint_group(method.upper(), "/api/v1/" + resource.strip().strip("/") + "/")
        if int(limit) < 1:
            raise ValueError(f"rate limit group {item!r} needs a limit of at least 1")
        groups[name] = Rule(int(limit), window)
    return groups


def whole_seconds(micros: int) -> int:
    """Microseconds as whole seconds, rounded up: waiting that long is always enough."""
    return -(-micros // SECOND)


def advance(tat: int | None, now: int, rule: Rule) -> int | None:
    """The bucket's next `tat` if one more request fits now, else None."""
    moved = max(tat if tat is not None else now, now) + rule.interval
    return moved if moved - now <= rule.burst else None


def decide(
    allowed: bool, now: int, key: tuple[Rule, int], organization: tuple[Rule, int]
) -> Decision:
    """The decision for both buckets' `tat` after the attempt (unchanged when refused)."""
    if allowed:
        # Describe the limit the caller is closest to hitting (rate-limits page).
        (key_rule, key_tat), (org_rule, org_tat) = key, organization
        key_left, org_left = _remaining(key_rule, key_tat, now), _remaining(org_rule, org_tat, now)
        if org_left < key_left:
            return Decision(True, org_rule.limit, org_left, max(org_tat - now, 0), "org",
                            org_rule.window)  # fmt: skip
        return Decision(True, key_rule.limit, key_left, max(key_tat - now, 0), "key",
                        key_rule.window)  # fmt: skip
    buckets = (("key", *key), ("org", *organization))
    refusals = [
        Decision(False, rule.limit, 0, wait, kind, rule.window)
        for kind, rule, tat in buckets
        if (wait := max(tat, now) + rule.interval - now - rule.burst) > 0
    ]
    return max(refusals, key=lambda decision: decision.reset)


def _remaining(rule: Rule, tat: int, now: int) -> int:
    """Requests the bucket still holds at `now`."""
    ahead = tat - now if tat > now else 0
    return max(0, (rule.burst - ahead) // rule.interval)
