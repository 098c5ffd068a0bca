"""Token bucket. Pure: `now` (seconds, float) is passed in."""

from __future__ import annotations


class TokenBucket:
    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = now

    def allow(self, now: float, cost: float = 1.0) -> bool:
        self.tokens = refill(self.tokens, now - self.stamp, self.rate, self.burst)
        self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def charge(self, now: float, cost: float) -> None:
        """Take `cost` whatever is left: work already done goes into debt, paid back by the
        refill before anything else is allowed."""
        self.tokens = refill(self.tokens, now - self.stamp, self.rate, self.burst) - cost
        self.stamp = now


def refill(tokens: float, elapsed: float, rate: float, burst: float) -> float:
    """What a bucket holds after `elapsed` seconds of refill at `rate`, up to `burst`."""
    return min(burst, tokens + elapsed * rate)
