"""The savers' hot-path commands through redis-py: one pipelined round trip per saver call.

A put or put_writes is a MULTI/EXEC (``transaction``), a read is one EVALSHA (``call``).
Commands that must run just ahead of a transaction (the run index: SADD into a key of another
slot) join it in the same pipeline on a single-node client, so the call stays one round trip;
a Redis Cluster client sends them first, in a pipeline of their own (another slot).

The wires (``wire.py``) use these links for every client whose connections they cannot
reproduce (TLS, RESP3, Cluster, ...) and to retry after a broken connection;
``bench/wire.py`` runs the savers on them as its redis-py arm.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import redis
import redis.asyncio

Command = Sequence[Any]
"""One Redis command with its arguments, e.g. ``("EVALSHA", sha, 2, key1, key2, ...)``."""


class SyncLink(Protocol):
    """How a sync saver sends its hot-path commands (one round trip per method)."""

    def call(self, command: Command) -> Any: ...

    def transaction(self, body: Sequence[Command], ahead: Sequence[Command] = ()) -> list[Any]: ...

    def close(self) -> None: ...


class AsyncLink(Protocol):
    """How an async saver sends its hot-path commands (one round trip per method)."""

    async def call(self, command: Command) -> Any: ...

    async def transaction(
        self, body: Sequence[Command], ahead: Sequence[Command] = ()
    ) -> list[Any]: ...

    async def aclose(self) -> None: ...


class ClientLink:
    """``SyncLink`` on a ``redis.Redis`` or ``redis.RedisCluster`` client."""

    def __init__(self, client: redis.Redis | redis.RedisCluster) -> None:
        self._client = client
        self._cluster = isinstance(client, redis.RedisCluster)

    def call(self, command: Command) -> Any:
        """Send one command; its reply (an error reply raises)."""
        return self._client.execute_command(*command)

    def transaction(self, body: Sequence[Command], ahead: Sequence[Command] = ()) -> list[Any]:
        """``ahead``, then ``body`` in MULTI/EXEC; the replies (the first error raises)."""
        if ahead and self._cluster:
            _queued(self._client.pipeline(transaction=False), ahead).execute()
            ahead = ()
        return list(_queued(self._client.pipeline(transaction=True), [*ahead, *body]).execute())

    def close(self) -> None:
        """Nothing of its own to close: the connections are the client's."""


class AsyncClientLink:
    """``AsyncLink`` on a ``redis.asyncio.Redis`` or ``redis.asyncio.RedisCluster`` client."""

    def __init__(self, client: redis.asyncio.Redis | redis.asyncio.RedisCluster) -> None:
        self._client = client
        self._cluster = isinstance(client, redis.asyncio.RedisCluster)

    async def call(self, command: Command) -> Any:
        """``ClientLink.call`` for asyncio."""
        return await self._client.execute_command(*command)

    async def transaction(
        self, body: Sequence[Command], ahead: Sequence[Command] = ()
    ) -> list[Any]:
        """``ClientLink.transaction`` for asyncio."""
        if ahead and self._cluster:
            await _queued(self._client.pipeline(transaction=False), ahead).execute()
            ahead = ()
        pipe = _queued(self._client.pipeline(transaction=True), [*ahead, *body])
        return list(await pipe.execute())

    async def aclose(self) -> None:
        """Nothing of its own to close: the connections are the client's."""


def _queued(pipe: Any, commands: Sequence[Command]) -> Any:
    """``pipe`` with ``commands`` queued (the caller executes it)."""
    for command in commands:
        pipe.execute_command(*command)
    return pipe
