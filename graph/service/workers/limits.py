"""Per-provider rate limits shared by every worker: Dramatiq's Redis-backed window limiters.

Before a thread's drafting run a worker takes one request slot per model call the run may make
and one token slot per thousand tokens it may use (worst case), from limiters keyed by provider
(``openai``, ``local`` ...) in Redis. When a window is full, ``RateLimitExceeded`` propagates
to Dramatiq, which retries the message later with backoff: the job slows down instead of
failing its items. Zero in the settings means no limit.
"""

from __future__ import annotations

import redis
from dramatiq.rate_limits import WindowRateLimiter
from dramatiq.rate_limits.backends import RedisBackend

from tools.settings import Settings

WINDOW_SECONDS = 60
TOKENS_PER_SLOT = 1_000


class ProviderLimits:
    """The request and token limiters of each provider, on one Redis."""

    def __init__(self, settings: Settings, client: redis.Redis) -> None:
        self.requests_per_minute = settings.provider_requests_per_minute
        self.tokens_per_minute = settings.provider_tokens_per_minute
        self.backend = RedisBackend(client=client)

    def take(self, provider: str, requests: int, tokens: int) -> None:
        """Take ``requests`` request slots and ``tokens`` worth of token slots of ``provider``
        (``dramatiq.RateLimitExceeded`` when a window is full)."""
        if self.requests_per_minute:
            self._take(f"brandloom:rpm:{provider}", self.requests_per_minute, requests)
        if self.tokens_per_minute:
            slots = -(-tokens // TOKENS_PER_SLOT)
            limit = max(1, self.tokens_per_minute // TOKENS_PER_SLOT)
            self._take(f"brandloom:tpm:{provider}", limit, slots)

    def _take(self, key: str, limit: int, slots: int) -> None:
        limiter = WindowRateLimiter(self.backend, key, limit=limit, window=WINDOW_SECONDS)
        for _ in range(slots):
            with limiter.acquire(raise_on_failure=True):
                pass
