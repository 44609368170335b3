"""Instruments for ``bench/savers.py``: round-trip counting clients and Redis memory probes."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import redis
import redis.asyncio
from langchain_core.runnables import RunnableConfig

from bench.saver_cases import REDIS_URL


def counting_sync_client() -> tuple[redis.Redis, list[int]]:
    """A TCP client and a counter of requests written to the socket (one per round trip)."""
    sent = [0]

    class CountingConnection(redis.Connection):
        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            sent[0] += 1
            super().send_packed_command(command, check_health)

    pool = redis.ConnectionPool.from_url(REDIS_URL, connection_class=CountingConnection)
    return redis.Redis(connection_pool=pool), sent


def counting_async_client() -> tuple[redis.asyncio.Redis, list[int]]:
    sent = [0]

    class CountingConnection(redis.asyncio.Connection):
        async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            sent[0] += 1
            await super().send_packed_command(command, check_health)

    pool = redis.asyncio.ConnectionPool.from_url(REDIS_URL, connection_class=CountingConnection)
    return redis.asyncio.Redis(connection_pool=pool), sent


def counting_saver_class(base: type) -> Any:
    """``base`` with its per-step calls (get_tuple, put, put_writes, sync or async) counted."""

    class Counted(base):
        calls: ClassVar[Counter[str]] = Counter()

        def get_tuple(self, config: RunnableConfig) -> Any:
            Counted.calls["get_tuple"] += 1
            return super().get_tuple(config)

        def put(self, *args: Any, **kwargs: Any) -> Any:
            Counted.calls["put"] += 1
            return super().put(*args, **kwargs)

        def put_writes(self, *args: Any, **kwargs: Any) -> Any:
            Counted.calls["put_writes"] += 1
            return super().put_writes(*args, **kwargs)

        async def aget_tuple(self, config: RunnableConfig) -> Any:
            Counted.calls["get_tuple"] += 1
            return await super().aget_tuple(config)

        async def aput(self, *args: Any, **kwargs: Any) -> Any:
            Counted.calls["put"] += 1
            return await super().aput(*args, **kwargs)

        async def aput_writes(self, *args: Any, **kwargs: Any) -> Any:
            Counted.calls["put_writes"] += 1
            return await super().aput_writes(*args, **kwargs)

    return Counted


def memory_under(client: redis.Redis, prefix: str) -> int:
    """Bytes Redis reports (MEMORY USAGE, all samples) for every key under ``prefix``."""
    total = 0
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        total += int(client.memory_usage(key, samples=0) or 0)
    return total


def serialized_bytes_under(client: redis.Redis, prefix: str) -> int:
    """Bytes of the names and values the keys under ``prefix`` hold (what the saver wrote)."""
    total = 0
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        kind = client.type(key)
        if kind == b"hash":
            total += sum(len(f) + len(v) for f, v in client.hgetall(key).items())
        elif kind == b"zset":
            total += sum(len(m) for m in client.zrange(key, 0, -1))
        elif kind == b"set":
            total += sum(len(m) for m in client.smembers(key))
        elif kind == b"string":
            total += int(client.strlen(key))
    return total
