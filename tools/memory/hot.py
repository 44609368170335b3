"""The Redis hot tier of brand memory: recent recall results and brand profiles.

Keys carry the brand namespace's generation counter::

    {prefix}:{namespace}:gen                        INCR on every write to the namespace
    {prefix}:{namespace}:{gen}:recall:{query-hash}  JSON list of MemoryItem, with a TTL
    {prefix}:{namespace}:{gen}:profile              JSON BrandProfile, with a TTL

A write bumps the generation, so every cached entry of the brand becomes unreachable at once
(and expires by TTL); no key scans, no deletes. A recall entry's TTL never outlives the
earliest expiry among its items. Redis failures on reads count as misses (memory still works,
just slower); a failed invalidation is logged, and the TTL bounds the staleness.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import redis
from pydantic import TypeAdapter

from tools.memory.items import BrandProfile, MemoryItem

logger = logging.getLogger(__name__)
_ITEMS = TypeAdapter(list[MemoryItem])


class HotTier:
    """Recall and profile cache in Redis; ``ttl_seconds`` bounds every entry's life."""

    def __init__(
        self, client: redis.Redis, *, ttl_seconds: int, prefix: str = "brandloom:memory"
    ) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.prefix = prefix

    def generation(self, namespace: str) -> int:
        """The namespace's current generation (0 before its first write or on errors)."""
        try:
            raw = self.client.get(self._gen_key(namespace))
        except redis.RedisError as exc:
            logger.warning("hot tier unavailable: %s", exc)
            return -1
        return int(raw) if raw else 0

    def invalidate(self, namespace: str) -> None:
        """Make every cached entry of the namespace unreachable (call after each write)."""
        try:
            self.client.incr(self._gen_key(namespace))
        except redis.RedisError as exc:
            logger.warning("hot tier invalidation failed (entries expire by TTL): %s", exc)

    def get_recalls(
        self, namespace: str, generation: int, query_keys: Sequence[str]
    ) -> list[list[MemoryItem] | None]:
        """Cached results per query key (None: miss)."""
        if generation < 0 or not query_keys:
            return [None] * len(query_keys)
        keys = [self._recall_key(namespace, generation, k) for k in query_keys]
        try:
            raw = self.client.mget(keys)
        except redis.RedisError as exc:
            logger.warning("hot tier unavailable: %s", exc)
            return [None] * len(query_keys)
        return [None if value is None else _ITEMS.validate_json(value) for value in raw]

    def put_recalls(
        self,
        namespace: str,
        generation: int,
        results: dict[str, list[MemoryItem]],
        now: float,
    ) -> None:
        """Cache results per query key, each until the TTL or its first item expiry."""
        if generation < 0 or not results:
            return
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for query_key, items in results.items():
                    ttl = self._ttl(items, now)
                    if ttl > 0:
                        key = self._recall_key(namespace, generation, query_key)
                        pipe.set(key, _ITEMS.dump_json(items), ex=ttl)
                pipe.execute()
        except redis.RedisError as exc:
            logger.warning("hot tier write failed: %s", exc)

    def get_profile(self, namespace: str, generation: int) -> BrandProfile | None:
        if generation < 0:
            return None
        try:
            raw = self.client.get(self._profile_key(namespace, generation))
        except redis.RedisError:
            return None
        return None if raw is None else BrandProfile.model_validate_json(raw)

    def put_profile(self, namespace: str, generation: int, profile: BrandProfile) -> None:
        if generation < 0:
            return
        try:
            key = self._profile_key(namespace, generation)
            self.client.set(key, profile.model_dump_json(), ex=self.ttl_seconds)
        except redis.RedisError as exc:
            logger.warning("hot tier write failed: %s", exc)

    def _ttl(self, items: list[MemoryItem], now: float) -> int:
        expiries = [i.expires_at.timestamp() for i in items if i.expires_at is not None]
        if not expiries:
            return self.ttl_seconds
        return min(self.ttl_seconds, math.floor(min(expiries) - now))

    def _gen_key(self, namespace: str) -> str:
        return f"{self.prefix}:{namespace}:gen"

    def _recall_key(self, namespace: str, generation: int, query_key: str) -> str:
        return f"{self.prefix}:{namespace}:{generation}:recall:{query_key}"

    def _profile_key(self, namespace: str, generation: int) -> str:
        return f"{self.prefix}:{namespace}:{generation}:profile"
