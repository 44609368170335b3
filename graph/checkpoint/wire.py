"""The savers' hot path: their few Redis commands sent on connections of their own.

redis-py's command path (pool checkout with a readiness poll, the retry wrapper, observability
hooks, response callbacks) costs as much as the loopback round trip itself, and a campaign step
makes two or three saver calls. The wires speak RESP2 themselves on sockets they open with the
client's own settings (host and port or unix socket path, db, username and password, client
name, timeouts, keep-alive) and let hiredis parse the replies:

- ``Wire`` (sync) keeps one connection per concurrent caller (threads take one and put it back).
- ``AsyncWire`` keeps one connection per event loop and pipelines concurrent calls on it
  (Redis answers in order).

A client whose connections they cannot reproduce exactly (TLS, RESP3, a credential provider,
decoded responses, a custom connection class) is used directly instead, and so is a Redis
Cluster client (no single connection pool).

Every command a saver sends this way is idempotent (the MULTI/EXEC of a put or of pending
writes, EVALSHA of GET_TUPLE / LIST / TRIM, SADD, PEXPIRE), so when a connection fails the wire
drops it and sends the commands once more through the client itself, where redis-py's reconnect
and retry policy apply; what that raises is what the caller sees (and what it returns has been
through the client's response callbacks: the savers read only EVALSHA replies, which have none).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import hiredis
import redis
import redis.asyncio
from redis._parsers.base import BaseParser
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

Command = Sequence[Any]
"""One Redis command with its arguments, e.g. ``("EVALSHA", sha, 2, key1, key2, ...)``."""

_BROKEN = (RedisConnectionError, RedisTimeoutError, OSError)
"""Failures after which a connection is dropped and the commands go through the client."""

_SYNC_CLASSES = (redis.Connection, redis.UnixDomainSocketConnection)
_ASYNC_CLASSES = (redis.asyncio.Connection, redis.asyncio.UnixDomainSocketConnection)


@dataclass(frozen=True)
class _Settings:
    """What a connection of the client needs: where, who, which db, how long to wait."""

    host: str
    port: int
    path: str | None
    db: int
    username: str | None
    password: str | None
    client_name: str | None
    timeout: float | None
    connect_timeout: float | None
    keepalive: bool

    @classmethod
    def mirror(
        cls,
        client: Any,
        single_node: type[redis.Redis] | type[redis.asyncio.Redis],
        plain: tuple[type, ...],
    ) -> _Settings | None:
        """The client's settings, or None when a wire connection would differ from its own."""
        if not isinstance(client, single_node):
            return None
        pool = client.connection_pool
        kwargs = pool.connection_kwargs
        if (
            pool.connection_class not in plain
            or kwargs.get("credential_provider") is not None
            or str(kwargs.get("protocol") or 2) != "2"
            or kwargs.get("decode_responses")
            or kwargs.get("socket_keepalive_options")
        ):
            return None
        return cls(
            host=kwargs.get("host") or "localhost",
            port=int(kwargs.get("port") or 6379),
            path=kwargs.get("path"),
            db=int(kwargs.get("db") or 0),
            username=kwargs.get("username"),
            password=kwargs.get("password"),
            client_name=kwargs.get("client_name"),
            timeout=kwargs.get("socket_timeout"),
            connect_timeout=kwargs.get("socket_connect_timeout") or kwargs.get("socket_timeout"),
            keepalive=bool(kwargs.get("socket_keepalive")),
        )

    def handshake(self) -> list[Command]:
        """AUTH, SELECT and CLIENT SETNAME, as the client's own connections send them."""
        commands: list[Command] = []
        if self.password is not None:
            user = (self.username,) if self.username else ()
            commands.append(("AUTH", *user, self.password))
        if self.db:
            commands.append(("SELECT", self.db))
        if self.client_name:
            commands.append(("CLIENT", "SETNAME", self.client_name))
        return commands


class Wire:
    """Lean request/reply for a sync client (thread-safe: a connection per concurrent call)."""

    def __init__(self, client: redis.Redis | redis.RedisCluster) -> None:
        self._client = client
        self._settings = _Settings.mirror(client, redis.Redis, _SYNC_CLASSES)
        self._idle: list[_SocketLink] = []
        self._pid = os.getpid()
        self.round_trips = 0
        """Requests written on the wire's own connections (one per call)."""

    def call(self, command: Command) -> Any:
        """Send one command; its reply (an error reply raises, as redis-py does)."""
        if self._settings is not None:
            try:
                replies = self._exchange(*_request([command]))
            except _BROKEN:
                pass
            else:
                return _raise_first_error(replies)[0]
        return self._client.execute_command(*command)

    def transaction(self, body: Sequence[Command], ahead: Sequence[Command] = ()) -> list[Any]:
        """``ahead``, then ``body`` in MULTI/EXEC, in one round trip; EXEC's replies.

        The first error reply (of ``ahead`` or inside the transaction) raises.
        """
        if self._settings is not None:
            try:
                replies = self._exchange(*_transaction_request(ahead, body))
            except _BROKEN:
                pass
            else:
                return _raise_first_error(_raise_first_error(replies)[-1])
        if ahead:
            _raise_first_error(_client_pipeline(self._client, ahead, transaction=False).execute())
        return _raise_first_error(_client_pipeline(self._client, body, transaction=True).execute())

    def _exchange(self, payload: bytes, count: int) -> list[Any]:
        if self._pid != os.getpid():  # a forked child must not share its parent's sockets
            self._idle, self._pid = [], os.getpid()
        try:
            link = self._idle.pop()  # list.pop/append are atomic: no lock needed
        except IndexError:
            assert self._settings is not None
            link = _SocketLink(self._settings)
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


class _SocketLink:
    """One blocking RESP2 connection."""

    def __init__(self, settings: _Settings) -> None:
        self._reader = hiredis.Reader(replyError=BaseParser.parse_error)
        try:
            if settings.path:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(settings.connect_timeout)
                sock.connect(settings.path)
            else:
                address = (settings.host, settings.port)
                sock = socket.create_connection(address, timeout=settings.connect_timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if settings.keepalive:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        except OSError as exc:
            raise RedisConnectionError(f"could not connect to Redis: {exc}") from exc
        sock.settimeout(settings.timeout)
        self._sock = sock
        handshake = settings.handshake()
        if handshake:
            try:
                _raise_first_error(self.exchange(*_request(handshake)))
            except BaseException:
                self.close()
                raise

    def exchange(self, payload: bytes, count: int) -> list[Any]:
        """Write ``payload`` (``count`` commands) at once, read ``count`` replies."""
        try:
            self._sock.sendall(payload)
            replies: list[Any] = []
            while len(replies) < count:
                reply = self._reader.gets()
                if reply is False:
                    data = self._sock.recv(65536)
                    if not data:
                        raise RedisConnectionError("connection to Redis closed by the server")
                    self._reader.feed(data)
                else:
                    replies.append(reply)
        except TimeoutError as exc:
            raise RedisTimeoutError("Timeout reading from Redis") from exc
        except OSError as exc:
            raise RedisConnectionError(f"connection to Redis failed: {exc}") from exc
        return replies

    def close(self) -> None:
        self._sock.close()


class AsyncWire:
    """Pipelined RESP2 for an asyncio client: one connection per event loop."""

    def __init__(self, client: redis.asyncio.Redis | redis.asyncio.RedisCluster) -> None:
        self._client = client
        self._settings = _Settings.mirror(client, redis.asyncio.Redis, _ASYNC_CLASSES)
        self.round_trips = 0
        """Requests written on the wire's own connections (one per call)."""
        self._links: dict[asyncio.AbstractEventLoop, _Link] = {}

    async def call(self, command: Command) -> Any:
        """``Wire.call`` for asyncio."""
        if self._settings is not None:
            try:
                replies = await self._exchange(*_request([command]))
            except _BROKEN:
                pass
            else:
                return _raise_first_error(replies)[0]
        return await self._client.execute_command(*command)

    async def transaction(
        self, body: Sequence[Command], ahead: Sequence[Command] = ()
    ) -> list[Any]:
        """``Wire.transaction`` for asyncio."""
        if self._settings is not None:
            try:
                replies = await self._exchange(*_transaction_request(ahead, body))
            except _BROKEN:
                pass
            else:
                return _raise_first_error(_raise_first_error(replies)[-1])
        if ahead:
            pipe = _client_pipeline(self._client, ahead, transaction=False)
            _raise_first_error(await pipe.execute())
        pipe = _client_pipeline(self._client, body, transaction=True)
        return _raise_first_error(await pipe.execute())

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

    def __init__(self, loop: asyncio.AbstractEventLoop, settings: _Settings) -> None:
        self._loop = loop
        self._settings = settings
        self._reader = hiredis.Reader(replyError=BaseParser.parse_error)
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
                _raise_first_error(await self.send(*_request(handshake)))
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


_MULTI = hiredis.pack_command(("MULTI",))
_EXEC = hiredis.pack_command(("EXEC",))


def _request(commands: Sequence[Command]) -> tuple[bytes, int]:
    """RESP encoding of ``commands`` (str, bytes and int arguments) and their number."""
    return b"".join([hiredis.pack_command(tuple(c)) for c in commands]), len(commands)


def _transaction_request(ahead: Sequence[Command], body: Sequence[Command]) -> tuple[bytes, int]:
    """``ahead``, then ``body`` between MULTI and EXEC: the payload and its command count."""
    before, before_count = _request(ahead)
    inside, inside_count = _request(body)
    return before + _MULTI + inside + _EXEC, before_count + inside_count + 2


def _client_pipeline(client: Any, commands: Sequence[Command], *, transaction: bool) -> Any:
    """A redis-py pipeline of the client with ``commands`` queued (the caller executes it)."""
    pipe = client.pipeline(transaction=transaction)
    for command in commands:
        pipe.execute_command(*command)
    return pipe


def _raise_first_error(replies: list[Any]) -> list[Any]:
    """``replies``, unless one is an error (an error reply, or a failure a client pipeline
    returned in place of a reply): then the first of them raises."""
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies
