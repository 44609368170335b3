"""The savers' hot path: their few Redis commands sent on connections of their own.

redis-py's command path (pool checkout with a readiness poll, the retry wrapper, observability
hooks, response callbacks) costs as much as the loopback round trip itself, and a campaign step
makes two or three saver calls: ``bench/wire.py`` measures, in one run, these wires against
redis-py with hiredis sending the very same pipelined round trips (``link.py``). The wires speak
RESP2 themselves on sockets they open with the client's own settings (host and port or unix
socket path, db, username and password, client name, timeouts, keep-alive); hiredis packs the
requests and ``hiredis.Reader`` parses the replies (public APIs only; ``reply_error`` turns an
error reply into redis-py's public exception class):

- ``Wire`` (sync) keeps one connection per concurrent caller (threads take one and put it back).
- ``AsyncWire`` keeps one connection per event loop and pipelines concurrent calls on it
  (Redis answers in order).

A client whose connections they cannot reproduce exactly (TLS, RESP3, a credential provider,
decoded responses, a custom connection class) goes through redis-py (``link.ClientLink``)
instead, and so does a Redis Cluster client (no single connection pool).

Every command a saver sends this way is idempotent (the MULTI/EXEC of a put or of pending
writes, EVALSHA of GET_TUPLE / LIST / TRIM, SADD, PEXPIRE), so when a connection fails the wire
drops it and sends the commands once more through redis-py, where the client's reconnect and
retry policy apply; what that raises is what the caller sees.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import deque
from collections.abc import Sequence
from typing import Any

import hiredis
import redis
import redis.asyncio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from graph.checkpoint.link import AsyncClientLink, ClientLink, Command
from graph.checkpoint.resp import (
    ConnectionSettings,
    SocketLink,
    raise_first_error,
    reply_error,
    request,
    transaction_request,
)

_BROKEN = (RedisConnectionError, RedisTimeoutError, OSError)
"""Failures after which a connection is dropped and the commands go through the client."""

_SYNC_CLASSES = (redis.Connection, redis.UnixDomainSocketConnection)
_ASYNC_CLASSES = (redis.asyncio.Connection, redis.asyncio.UnixDomainSocketConnection)


class Wire:
    """Lean request/reply for a sync client (thread-safe: a connection per concurrent call)."""

    def __init__(self, client: redis.Redis | redis.RedisCluster) -> None:
        self._client = ClientLink(client)
        self._settings = ConnectionSettings.mirror(client, redis.Redis, _SYNC_CLASSES)
        self._idle: list[SocketLink] = []
        self._pid = os.getpid()
        self.round_trips = 0
        """Requests written on the wire's own connections (one per call)."""

    def call(self, command: Command) -> Any:
        """Send one command; its reply (an error reply raises, as redis-py does)."""
        if self._settings is not None:
            try:
                replies = self._exchange(*request([command]))
            except _BROKEN:
                pass
            else:
                return raise_first_error(replies)[0]
        return self._client.call(command)

    def transaction(self, body: Sequence[Command], ahead: Sequence[Command] = ()) -> list[Any]:
        """``ahead``, then ``body`` in MULTI/EXEC, in one round trip; EXEC's replies.

        The first error reply (of ``ahead`` or inside the transaction) raises.
        """
        if self._settings is not None:
            try:
                replies = self._exchange(*transaction_request(ahead, body))
            except _BROKEN:
                pass
            else:
                return raise_first_error(raise_first_error(replies)[-1])
        return self._client.transaction(body, ahead)

    def _exchange(self, payload: bytes, count: int) -> list[Any]:
        if self._pid != os.getpid():  # a forked child must not share its parent's sockets
            self._idle, self._pid = [], os.getpid()
        try:
            link = self._idle.pop()  # list.pop/append are atomic: no lock needed
        except IndexError:
            assert self._settings is not None
            link = SocketLink(self._settings)
        try:
            self.round_trips += 1
            replies = link.exchange(payload, count)
        except BaseException:
            link.close()
            raise
        self._idle.append(link)
        return replies

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


class AsyncWire:
    """Pipelined RESP2 for an asyncio client: one connection per event loop."""

    def __init__(self, client: redis.asyncio.Redis | redis.asyncio.RedisCluster) -> None:
        self._client = AsyncClientLink(client)
        self._settings = ConnectionSettings.mirror(client, redis.asyncio.Redis, _ASYNC_CLASSES)
        self.round_trips = 0
        """Requests written on the wire's own connections (one per call)."""
        self._links: dict[asyncio.AbstractEventLoop, _Link] = {}

    async def call(self, command: Command) -> Any:
        """``Wire.call`` for asyncio."""
        if self._settings is not None:
            try:
                replies = await self._exchange(*request([command]))
            except _BROKEN:
                pass
            else:
                return raise_first_error(replies)[0]
        return await self._client.call(command)

    async def transaction(
        self, body: Sequence[Command], ahead: Sequence[Command] = ()
    ) -> list[Any]:
        """``Wire.transaction`` for asyncio."""
        if self._settings is not None:
            try:
                replies = await self._exchange(*transaction_request(ahead, body))
            except _BROKEN:
                pass
            else:
                return raise_first_error(raise_first_error(replies)[-1])
        return await self._client.transaction(body, ahead)

    async def _exchange(self, payload: bytes, count: int) -> list[Any]:
        loop = asyncio.get_running_loop()
        link = self._links.get(loop)
        if link is None or link.closed:
            assert self._settings is not None
            for gone in [other for other in self._links if other.is_closed()]:
                del self._links[gone]  # links of loops that ended (their sockets went with them)
            link = self._links[loop] = _Link(loop, self._settings)
        await link.ready
        self.round_trips += 1
        return await link.send(payload, count)

    async def aclose(self) -> None:
        link = self._links.pop(asyncio.get_running_loop(), None)
        if link is not None:
            link.close()


class _Link(asyncio.Protocol):
    """One asyncio RESP2 connection: requests written as they come, replies matched in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop, settings: ConnectionSettings) -> None:
        self._loop = loop
        self._settings = settings
        self._reader = hiredis.Reader(replyError=reply_error)
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._transport: asyncio.Transport | None = None
        self._outbox: list[bytes] = []
        """Requests of this loop iteration, written together by ``_flush``."""
        self.closed = False
        self.ready: asyncio.Task[None] = loop.create_task(self._open())

    async def _open(self) -> None:
        settings = self._settings
        try:
            async with asyncio.timeout(settings.connect_timeout):
                if settings.path:
                    await self._loop.create_unix_connection(lambda: self, settings.path)
                else:
                    await self._loop.create_connection(lambda: self, settings.host, settings.port)
        except OSError as exc:  # TimeoutError included
            self.closed = True
            raise RedisConnectionError(f"could not connect to Redis: {exc}") from exc
        if settings.keepalive and self._transport is not None:
            sock = self._transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        handshake = settings.handshake()
        if handshake:
            try:
                raise_first_error(await self.send(*request(handshake)))
            except BaseException as exc:
                self._lose(RedisConnectionError(f"Redis refused the connection setup: {exc}"))
                raise

    async def send(self, payload: bytes, count: int) -> list[Any]:
        """Write ``payload`` (``count`` commands); their ``count`` replies, in order."""
        if self.closed or self._transport is None:
            raise RedisConnectionError("connection to Redis closed")
        idle = not self._waiting and not self._outbox
        futures = [self._loop.create_future() for _ in range(count)]
        self._waiting.extend(futures)
        if idle:  # nothing in flight: write now
            self._transport.write(payload)
        else:  # others are waiting: join this iteration's batch, written once
            if not self._outbox:
                self._loop.call_soon(self._flush)
            self._outbox.append(payload)
        try:
            if self._settings.timeout is None:
                return [await future for future in futures]
            async with asyncio.timeout(self._settings.timeout):
                return [await future for future in futures]
        except TimeoutError:
            self._lose(RedisTimeoutError("Timeout reading from Redis"))
            raise RedisTimeoutError("Timeout reading from Redis") from None
        except asyncio.CancelledError:
            for future in futures:  # their replies will be read and dropped, order kept
                future.cancel()
            raise

    def _flush(self) -> None:
        """One write (one syscall, one wake-up of Redis) for every request queued meanwhile."""
        payload = b"".join(self._outbox)
        self._outbox.clear()
        if self._transport is not None and not self.closed:
            self._transport.write(payload)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        reader.feed(data)
        while self._waiting and (reply := reader.gets()) is not False:
            future = self._waiting.popleft()
            if not future.done():  # a cancelled caller: its reply is dropped, order is kept
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        reason = exc or "closed by the server"
        self._lose(RedisConnectionError(f"connection to Redis lost: {reason}"))

    def _lose(self, error: Exception) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.abort()
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(error)

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()
