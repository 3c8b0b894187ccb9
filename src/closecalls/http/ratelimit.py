"""The rate-limit check every authenticated request passes before its handler runs."""

from __future__ import annotations

from prometheus_client import Counter

from closecalls.domain.clock import Clock
from closecalls.domain.principal import Principal
from closecalls.domain.ratelimits import (
    Decision,
    Limits,
    Rule,
    decide,
    endpoint_group,
    group_digest,
)
from closecalls.domain.times import to_micros
from closecalls.http.errors import TooManyRequests
from closecalls.store.buckets import RateBuckets


class RateLimiter:
    """Close's two layers: a bucket per API key and endpoint group, and one per organization."""

    def __init__(
        self, limits: Limits, buckets: RateBuckets, clock: Clock, *, refused: Counter | None = None
    ) -> None:
        self.limits = limits
        self.buckets = buckets
        self.clock = clock
        # Counts refusals by the limit that refused (key or organization), for /metrics.
        self.refused = refused
        self._rules: dict[str, tuple[Rule, Rule]] = {}

    async def check(self, principal: Principal, method: str, path: str) -> Decision:
        """Take one request from the caller's buckets, or raise Close's 429."""
        group = endpoint_group(method, path)
        rules = self._rules.get(group)
        if rules is None:
            rules = self._rules[group] = (
                self.limits.for_key(group),
                self.limits.for_organization(group),
            )
        key, organization = rules
        now = to_micros(self.clock.now())
        allowed, key_tat, org_tat = await self.buckets.take(
            principal.organization_id, f"key:{principal.credential_id}:{group}", f"org:{group}",
            now, key, organization,
        )  # fmt: skip
        decision = decide(allowed, now, (key, key_tat), (organization, org_tat))
        if not decision.allowed:
            if self.refused is not None:
                self.refused.labels(decision.limit_type).inc()
            raise TooManyRequests(
                limit=decision.limit, reset=decision.reset, window=decision.window,
                limit_type=decision.limit_type, group=group_digest(group),
            )  # fmt: skip
        return decision
