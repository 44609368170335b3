"""Build the savers the app uses from settings (embedded Redis unless ``REDIS_URL`` is set)."""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio

from graph.checkpoint.aio import AsyncRedisSaver
from graph.checkpoint.saver import RedisSaver
from tools.redis_server import redis_url
from tools.settings import Settings


def open_savers(
    settings: Settings, *, prefix: str = "brandloom:cp"
) -> tuple[RedisSaver, AsyncRedisSaver]:
    """A sync and an async saver on the same Redis and key space.

    ``settings.redis_cluster`` picks the cluster clients (``REDIS_URL`` then names any node of
    the cluster); ``checkpoint_ttl_seconds``, ``checkpoint_keep_last`` and
    ``checkpoint_lease_seconds`` configure both savers.
    """
    url = redis_url(settings)
    options: dict[str, Any] = {
        "prefix": prefix,
        "ttl_seconds": settings.checkpoint_ttl_seconds,
        "keep_last": settings.checkpoint_keep_last or None,  # 0: keep every checkpoint
        "lease_ttl_ms": round(settings.checkpoint_lease_seconds * 1000),
    }
    if settings.redis_cluster:
        sync_cluster = redis.RedisCluster.from_url(url, decode_responses=False)
        async_cluster = redis.asyncio.RedisCluster.from_url(url, decode_responses=False)
        return RedisSaver(sync_cluster, **options), AsyncRedisSaver(async_cluster, **options)
    sync_client = redis.Redis.from_url(url, decode_responses=False)
    async_client = redis.asyncio.Redis.from_url(url, decode_responses=False)
    return RedisSaver(sync_client, **options), AsyncRedisSaver(async_client, **options)
