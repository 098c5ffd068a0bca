"""Leases in Redis: `SET key value NX PX ttl` to take one, a script to renew or release it only
while it is still ours. Every key has a TTL, so nothing outlives a dead node by more than that."""

from __future__ import annotations

from typing import Any

PREFIX = "collabd:lease:"
LEADER = "collabd:leader"

# For each key: ours -> extend (1); gone (e.g. Redis restarted empty) -> take it back (2);
# someone else's -> lost (0). One script call renews every lease a node holds: one round trip.
RENEW = """
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if v == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2]); out[i] = 1
  elseif not v then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2]); out[i] = 2
  else
    out[i] = 0
  end
end
return out
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def room_key(room: str) -> str:
    return PREFIX + room


class Leases:
    """The lease operations of one node; `value` names it (its URL and a per-process id)."""

    def __init__(self, redis: Any, value: str, ttl_ms: int) -> None:
        self.redis = redis
        self.value = value
        self.ttl_ms = ttl_ms
        self._renew = redis.register_script(RENEW)
        self._release = redis.register_script(RELEASE)
        self.ops = 0  # Redis commands sent (for the benchmark's operations per delivery)

    async def take(self, key: str) -> str | None:
        """Take the lease; None if we got it, else the value of its holder."""
        self.ops += 1
        if await self.redis.set(key, self.value, nx=True, px=self.ttl_ms):
            return None
        self.ops += 1
        holder = await self.redis.get(key)
        if holder is None:  # it expired in between: try once more
            self.ops += 1
            if await self.redis.set(key, self.value, nx=True, px=self.ttl_ms):
                return None
            self.ops += 1
            holder = await self.redis.get(key)
        if holder is None:
            raise ConnectionError("lease flapping")
        holder = holder.decode() if isinstance(holder, bytes) else str(holder)
        return None if holder == self.value else holder

    async def renew(self, keys: list[str]) -> dict[str, bool]:
        """Extend (or take back) each lease; False for the ones another node holds now."""
        if not keys:
            self.ops += 1
            await self.redis.ping()
            return {}
        self.ops += 1
        result = await self._renew(keys=keys, args=[self.value, self.ttl_ms])
        return {k: bool(int(r)) for k, r in zip(keys, result, strict=True)}

    async def release(self, key: str) -> None:
        self.ops += 1
        await self._release(keys=[key], args=[self.value])
