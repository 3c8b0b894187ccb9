"""Rate-limit buckets in Redis (`--redis URL`): shared by every process and host that uses it."""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis

from closecalls.domain.ratelimits import Rule
from closecalls.store.unavailable import CONNECT_SECONDS

# The GCRA of domain/ratelimits.py, for both buckets at once, atomic as a script.
# Times are whole microseconds, which Lua's doubles hold exactly. Numbers go back as
# strings: Redis truncates a Lua number reply to an integer.
TAKE = """
local now = tonumber(ARGV[1])
local key_tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
local org_tat = math.max(tonumber(redis.call('GET', KEYS[2]) or now), now)
local key_next = key_tat + tonumber(ARGV[2])
local org_next = org_tat + tonumber(ARGV[4])
if key_next - now > tonumber(ARGV[3]) or org_next - now > tonumber(ARGV[5]) then
    return {0, string.format('%d', key_tat), string.format('%d', org_tat)}
end
local key_ms = math.ceil((key_next - now) / 1000) + 1000
local org_ms = math.ceil((org_next - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', key_next), 'PX', key_ms)
redis.call('SET', KEYS[2], string.format('%d', org_next), 'PX', org_ms)
return {1, string.format('%d', key_next), string.format('%d', org_next)}
"""


class RedisBuckets:
    """Buckets as Redis keys that expire once they have refilled."""

    def __init__(self, url: str) -> None:
        self._client: redis.Redis = redis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_SECONDS, socket_timeout=CONNECT_SECONDS
        )
        self._take: Any = self._client.register_script(TAKE)

    async def take(
        self, organization_id: str, key_bucket: str, org_bucket: str, now: int,
        key: Rule, organization: Rule,
    ) -> tuple[bool, int, int]:  # fmt: skip
        # `{organization}` is a hash tag: both keys land on one Redis Cluster slot.
        prefix = f"closecalls:{{{organization_id}}}:"
        allowed, key_tat, org_tat = await self._take(
            keys=[prefix + key_bucket, prefix + org_bucket],
            args=[now, key.interval, key.burst, organization.interval, organization.burst],
        )
        return bool(allowed), int(key_tat), int(org_tat)

    async def close(self) -> None:
        await self._client.aclose()
