"""Endpoint groups, bucket arithmetic and the RateLimit header, as pure rules."""

from __future__ import annotations

import re

import pytest

from closecalls.domain.ratelimits import (
    Limits,
    Rule,
    advance,
    decide,
    endpoint_group,
    group_digest,
    parse_groups,
    whole_seconds,
)

# The official closeio client's parser (closeio_api.API._get_rate_limit_sleep_time).
CLIENT_REGEX = re.compile(r"limit=(\d+), remaining=(\d+), reset=(\d+)")


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("GET", "/api/v1/activity/call/", "GET /activity/"),
        ("GET", "/api/v1/activity/call/acti_1/", "GET /activity/"),
        ("GET", "/api/v1/activity/", "GET /activity/"),
        ("HEAD", "/api/v1/activity/", "GET /activity/"),
        ("POST", "/api/v1/activity/call/", "POST/PUT /activity/"),
        ("PUT", "/api/v1/activity/call/acti_1/", "POST/PUT /activity/"),
        ("DELETE", "/api/v1/activity/call/acti_1/", "DELETE /activity/"),
        ("GET", "/api/v1/lead/lead_1/", "GET /lead/"),
        ("GET", "/api/v1/me/", "GET /me/"),
    ],
)
def test_groups_are_method_class_and_resource(method: str, path: str, group: str) -> None:
    assert endpoint_group(method, path) == group


def test_group_digest_is_32_hex_digits_like_closes() -> None:
    digest = group_digest("GET /activity/")
    assert re.fullmatch(r"[0-9a-f]{32}", digest)
    assert digest != group_digest("POST/PUT /activity/")


def test_parse_groups_names_each_override() -> None:
    groups = parse_groups("GET /lead/=600, post /activity/call/=100", 8.0)
    assert groups == {"GET /lead/": Rule(600, 8.0), "POST/PUT /activity/": Rule(100, 8.0)}
    assert parse_groups("", 8.0) == {}


@pytest.mark.parametrize("spec", ["GET /lead/", "GET lead=5", "GET /lead/=x", "GET /lead/=0"])
def test_parse_groups_refuses_what_it_cannot_read(spec: str) -> None:
    with pytest.raises(ValueError, match="rate limit group"):
        parse_groups(spec, 8.0)


def test_limits_give_the_organization_three_times_the_key() -> None:
    limits = Limits(Rule(10, 2.0), {"GET /lead/": Rule(4, 2.0)})
    assert limits.for_key("GET /activity/") == Rule(10, 2.0)
    assert limits.for_organization("GET /activity/") == Rule(30, 2.0)
    assert limits.for_organization("GET /lead/") == Rule(12, 2.0)


S = 1_000_000
# An epoch near 1.8e9 s, where a float carries ~1e-7 s of rounding.
NOW = 1_800_000_000 * S + 123_457


def test_a_bucket_takes_its_limit_at_once_then_refills_one_interval_at_a_time() -> None:
    rule = Rule(4, 2.0)
    tat: int | None = None
    for _ in range(4):
        tat = advance(tat, NOW, rule)
        assert tat is not None
    assert advance(tat, NOW, rule) is None
    assert advance(tat, NOW + S // 2 - 1, rule) is None
    assert advance(tat, NOW + S // 2, rule) == NOW + 2 * S + S // 2
    # A bucket left alone refills completely, never beyond its limit.
    assert advance(tat, NOW + 1000 * S, rule) == NOW + 1000 * S + S // 2


@pytest.mark.parametrize(
    ("limit", "window"), [(320, 8.0), (3, 1.0), (7, 0.3), (1000, 1.0), (40, 1.0)]
)
def test_a_new_bucket_announces_limit_minus_one_exactly(limit: int, window: float) -> None:
    """The first request leaves `limit - 1`, the limit-th leaves 0, at any epoch."""
    key, org = Rule(limit, window), Rule(limit * 3, window)
    for now in (NOW, NOW + 1, 2**52 - 10 * S):
        key_tat: int | None = None
        org_tat = advance(None, now, org)
        assert org_tat is not None
        for taken in range(1, limit + 1):
            key_tat = advance(key_tat, now, key)
            assert key_tat is not None
            decision = decide(True, now, (key, key_tat), (org, org_tat))
            assert decision.remaining == limit - taken
        assert advance(key_tat, now, key) is None


def test_an_allowed_decision_describes_the_closest_limit() -> None:
    key, org = Rule(10, 10.0), Rule(30, 10.0)
    # The key has 3 of 10 left, other keys left the organization 2 of 30: the
    # organization's limit is the one the next requests hit first.
    decision = decide(True, NOW, (key, NOW + 7 * S), (org, NOW + 28 * org.interval))
    assert (decision.limit_type, decision.limit, decision.remaining) == ("org", 30, 2)
    assert decision.reset == 28 * org.interval
    match = CLIENT_REGEX.match(decision.header())
    assert match is not None
    assert match.groups() == ("30", "2", "10")
    alone = decide(True, NOW, (key, NOW + 7 * S), (org, NOW + 7 * S // 3))
    assert (alone.limit_type, alone.remaining) == ("key", 3)


def test_a_refusal_says_when_the_next_request_fits() -> None:
    key, org = Rule(4, 2.0), Rule(12, 2.0)
    decision = decide(False, NOW, (key, NOW + 2 * S), (org, NOW + S // 2))
    assert not decision.allowed
    assert (decision.limit_type, decision.limit, decision.remaining) == ("key", 4, 0)
    assert decision.reset == S // 2
    assert decision.header() == "limit=4, remaining=0, reset=1"


@pytest.mark.parametrize(("micros", "seconds"), [(0, 0), (1, 1), (S - 1, 1), (S, 1), (S + 1, 2)])
def test_reset_rounds_up_to_whole_seconds(micros: int, seconds: int) -> None:
    assert whole_seconds(micros) == seconds
