"""The savers' hot path: their few Redis commands sent on connections of their own.

redis-py's command path (pool checkout with a readiness poll, the retry wrapper, observability
hooks, response callbacks) costs as much as the loopback round trip itself, and a campaign step
makes two or three saver calls. The wires send already-built commands and read raw replies:

- ``Wire`` (sync) uses connections made from the client's own connection class and settings
  (same host or socket, auth, db, TLS, timeouts), one per concurrent call.
- ``AsyncWire`` speaks RESP2 over one asyncio connection per event loop, pipelining concurrent
  calls (replies come back in order; hiredis parses them). It reads host or socket path, db,
  username, password and timeouts from the client's settings; a client it cannot mirror exactly
  (TLS, RESP3, a credential provider, decoded responses, a custom connection class) is used
  directly instead.

Every command a saver sends this way is idempotent (the MULTI/EXEC of a put or of pending
writes, EVALSHA of GET_TUPLE / LIST / TRIM, SADD, PEXPIRE), so when a connection fails the wire
drops it and sends the command once more through the client itself, where redis-py's reconnect
and retry policy apply; what that raises is what the caller sees (and what it returns has been
through the client's response callbacks: the savers read only EVALSHA replies, which have none).
Redis Cluster clients have no single connection pool: for them the wires send everything
through the client.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import hiredis
import redis
import redis.asyncio
from redis._parsers.base import BaseParser
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

Command = Sequence[Any]
"""One Redis command with its arguments, e.g. ``("EVALSHA", sha, 2, key1, key2, ...)``."""

_BROKEN = (RedisConnectionError, RedisTimeoutError, OSError)
"""Failures after which a connection is dropped and the command goes through the client."""


class Wire:
    """Lean request/reply for a sync client (thread-safe: one connection per call)."""

    def __init__(self, client: redis.Redis | redis.RedisCluster) -> None:
        self._client = client
        self._idle: list[Any] = []
        self._connect: Callable[[], Any] | None = None
        if isinstance(client, redis.Redis):
            pool = client.connection_pool
            self._connect = partial(pool.connection_class, **pool.connection_kwargs)

    def call(self, command: Command) -> Any:
        """Send one command; its reply (an error reply raises, as redis-py does)."""
        if self._connect is None:
            return self._client.execute_command(*command)
        return self.pipeline([command])[-1]

    def pipeline(self, commands: Sequence[Command]) -> list[Any]:
        """Send ``commands`` in one write; their replies. The first error reply raises."""
        if self._connect is None:
            return _through_client(self._client, commands)
        try:
            connection = self._idle.pop()  # list.pop/append are atomic: no lock needed
        except IndexError:
            connection = self._connect()
        try:
            connection.send_packed_command([_pack(commands)], check_health=False)
            replies = [_read(connection) for _ in commands]
        except _BROKEN:
            connection.disconnect()
            return _through_client(self._client, commands)
        except BaseException:
            connection.disconnect()
            raise
        self._idle.append(connection)
        return _raise_first_error(replies)

    def transaction(self, body: Sequence[Command], ahead: Sequence[Command] = ()) -> list[Any]:
        """``ahead``, then ``body`` in MULTI/EXEC, in one round trip; EXEC's replies.

        The first error reply (of ``ahead`` or inside the transaction) raises.
        """
        if self._connect is None:
            if ahead:
                _through_client(self._client, ahead)
            return _transaction_through_client(self._client, body)
        replies = self.pipeline([*ahead, ("MULTI",), *body, ("EXEC",)])
        return _raise_first_error(replies[-1])

    def close(self) -> None:
        while self._idle:
            self._idle.pop().disconnect()


class AsyncWire:
    """Pipelined RESP2 for an asyncio client: one connection per event loop."""

    def __init__(self, client: redis.asyncio.Redis | redis.asyncio.RedisCluster) -> None:
        self._client = client
        self._settings = _mirrorable_settings(client)
        self.round_trips = 0
        """Requests written on the wire's own connections (one per ``pipeline``/``transaction``)."""
        self._links: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Link] = (
            weakref.WeakKeyDictionary()
        )

    async def call(self, command: Command) -> Any:
        if self._settings is None:
            return await self._client.execute_command(*command)
        return (await self.pipeline([command]))[-1]

    async def pipeline(self, commands: Sequence[Command]) -> list[Any]:
        if self._settings is None:
            return await _through_client_async(self._client, commands)
        try:
            link = await self._link()
            self.round_trips += 1
            replies = await link.send(commands)
        except _BROKEN:
            return await _through_client_async(self._client, commands)
        return _raise_first_error(replies)

    async def transaction(
        self, body: Sequence[Command], ahead: Sequence[Command] = ()
    ) -> list[Any]:
        """``Wire.transaction`` for asyncio."""
        if self._settings is None:
            if ahead:
                await _through_client_async(self._client, ahead)
            return await _transaction_through_client_async(self._client, body)
        replies = await self.pipeline([*ahead, ("MULTI",), *body, ("EXEC",)])
        return _raise_first_error(replies[-1])

    async def _link(self) -> _Link:
        loop = asyncio.get_running_loop()
        link = self._links.get(loop)
        if link is None or link.closed:
            link = self._links[loop] = _Link(loop, self._settings or {})
        await link.ready
        return link

    async def aclose(self) -> None:
        link = self._links.pop(asyncio.get_running_loop(), None)
        if link is not None:
            await link.close()


def _mirrorable_settings(client: Any) -> dict[str, Any] | None:
    """The client's connection settings if ``_Link`` reproduces them exactly, else None."""
    if not isinstance(client, redis.asyncio.Redis):
        return None
    pool = client.connection_pool
    settings = dict(pool.connection_kwargs)
    plain = pool.connection_class in (
        redis.asyncio.Connection,
        redis.asyncio.UnixDomainSocketConnection,
    )
    if (
        not plain
        or settings.get("credential_provider") is not None
        or str(settings.get("protocol") or 2) != "2"
        or settings.get("decode_responses")
    ):
        return None
    return settings


class _Link(asyncio.Protocol):
    """One RESP2 connection: requests are written as they come, replies matched in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop, settings: dict[str, Any]) -> None:
        self._loop = loop
        self._settings = settings
        self._reader = hiredis.Reader(replyError=BaseParser.parse_error)
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._transport: asyncio.Transport | None = None
        self._timeout: float | None = settings.get("socket_timeout")
        self.closed = False
        self.ready: asyncio.Task[None] = loop.create_task(self._open())

    async def _open(self) -> None:
        settings = self._settings
        try:
            async with asyncio.timeout(settings.get("socket_connect_timeout")):
                if settings.get("path"):
                    await self._loop.create_unix_connection(lambda: self, settings["path"])
                else:
                    host, port = settings.get("host", "localhost"), settings.get("port", 6379)
                    await self._loop.create_connection(lambda: self, host, port)
        except (OSError, TimeoutError) as exc:
            self.closed = True
            raise RedisConnectionError(f"could not connect to Redis: {exc}") from exc
        try:
            await self._handshake()
        except BaseException as exc:
            self._lose(RedisConnectionError(f"Redis refused the connection setup: {exc}"))
            raise

    async def _handshake(self) -> None:
        """AUTH, SELECT and CLIENT SETNAME as the client's own connections do."""
        settings = self._settings
        handshake: list[tuple[Any, ...]] = []
        if settings.get("password") is not None:
            username = settings.get("username")
            auth = (username, settings["password"]) if username else (settings["password"],)
            handshake.append(("AUTH", *auth))
        if settings.get("db"):
            handshake.append(("SELECT", settings["db"]))
        if settings.get("client_name"):
            handshake.append(("CLIENT", "SETNAME", settings["client_name"]))
        if handshake:
            _raise_first_error(await self.send(handshake))

    async def send(self, commands: Sequence[Command]) -> list[Any]:
        if self.closed or self._transport is None:
            raise RedisConnectionError("connection to Redis closed")
        futures = [self._loop.create_future() for _ in commands]
        self._waiting.extend(futures)
        self._transport.write(_pack(commands))
        try:
            async with asyncio.timeout(self._timeout):
                return [await future for future in futures]
        except TimeoutError:
            self._lose(RedisTimeoutError("Timeout reading from Redis"))
            raise RedisTimeoutError("Timeout reading from Redis") from None
        except asyncio.CancelledError:
            for future in futures:  # their replies will be read and dropped, order kept
                future.cancel()
            raise

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
        self._lose(RedisConnectionError(f"connection to Redis lost: {exc or 'closed by server'}"))

    def _lose(self, error: Exception) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.abort()
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(error)

    async def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()


def _pack(commands: Sequence[Command]) -> bytes:
    """RESP encoding of ``commands`` (str, bytes and int arguments), one buffer."""
    if len(commands) == 1:
        return hiredis.pack_command(tuple(commands[0]))
    return b"".join([hiredis.pack_command(tuple(command)) for command in commands])


def _through_client(client: Any, commands: Sequence[Command]) -> list[Any]:
    pipe = client.pipeline(transaction=False)
    for command in commands:
        pipe.execute_command(*command)
    return _raise_first_error(list(pipe.execute()))


async def _through_client_async(client: Any, commands: Sequence[Command]) -> list[Any]:
    pipe = client.pipeline(transaction=False)
    for command in commands:
        pipe.execute_command(*command)
    return _raise_first_error(list(await pipe.execute()))


def _transaction_through_client(client: Any, body: Sequence[Command]) -> list[Any]:
    pipe = client.pipeline(transaction=True)
    for command in body:
        pipe.execute_command(*command)
    return list(pipe.execute())


async def _transaction_through_client_async(client: Any, body: Sequence[Command]) -> list[Any]:
    pipe = client.pipeline(transaction=True)
    for command in body:
        pipe.execute_command(*command)
    return list(await pipe.execute())


def _read(connection: Any) -> Any:
    """One reply; an error reply is returned (not raised) so the connection stays in sync."""
    try:
        return connection.read_response()
    except ResponseError as error:
        return error


def _raise_first_error(replies: list[Any]) -> list[Any]:
    """``replies``, unless one is an error (an error reply, or a failure a client pipeline
    returned in place of a reply): then the first of them raises."""
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies
