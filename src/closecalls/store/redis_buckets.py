"""Rate-limit buckets in Redis (`--redis URL`): shared by every process and host that uses it."""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis

from closecalls.domain.ratelimits import EPSILON, Rule

# The GCRA of domain/ratelimits.py, for both buckets at once, atomic as a script.
# Numbers go back as strings: Redis truncates a Lua number reply to an integer.
TAKE = """
local now = tonumber(ARGV[1])
local key_tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
local org_tat = math.max(tonumber(redis.call('GET', KEYS[2]) or now), now)
local key_next = key_tat + tonumber(ARGV[2])
local org_next = org_tat + tonumber(ARGV[4])
local slack = tonumber(ARGV[6])
if key_next - now > tonumber(ARGV[3]) + slack or org_next - now > tonumber(ARGV[5]) + slack then
    return {0, tostring(key_tat), tostring(org_tat)}
end
redis.call('SET', KEYS[1], tostring(key_next), 'PX', math.ceil((key_next - now) * 1000) + 1000)
redis.call('SET', KEYS[2], tostring(org_next), 'PX', math.ceil((org_next - now) * 1000) + 1000)
return {1, tostring(key_next), tostring(org_next)}
"""


class RedisBuckets:
    """Buckets as Redis keys that expire once they have refilled."""

    def __init__(self, url: str) -> None:
        self._client: redis.Redis = redis.Redis.from_url(url)
        self._take: Any = self._client.register_script(TAKE)

    async def take(
        self, organization_id: str, key_bucket: str, org_bucket: str, now: float,
        key: Rule, organization: Rule,
    ) -> tuple[bool, float, float]:  # fmt: skip
        # `{organization}` is a hash tag: both keys land on one Redis Cluster slot.
        prefix = f"closecalls:{{{organization_id}}}:"
        allowed, key_tat, org_tat = await self._take(
            keys=[prefix + key_bucket, prefix + org_bucket],
            args=[repr(now), repr(key.interval), repr(key.window),
                  repr(organization.interval), repr(organization.window), repr(EPSILON)],
        )  # fmt: skip
        return bool(allowed), float(key_tat), float(org_tat)

    async def close(self) -> None:
        await self._client.aclose()
