"""RESP2 pieces of the savers' own connections (``wire.py``): what a connection needs, one
blocking connection, request packing and error replies.

Only public APIs: hiredis packs requests and ``hiredis.Reader`` parses replies; an error reply
becomes the redis-py exception class redis-py itself would raise (``reply_error``), so callers
catch ``NoScriptError`` or ``ResponseError`` whichever path a command took.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import hiredis
import redis
import redis.asyncio
from redis.exceptions import (
    AuthenticationError,
    BusyLoadingError,
    ExecAbortError,
    NoPermissionError,
    NoScriptError,
    ReadOnlyError,
    ResponseError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from graph.checkpoint.link import Command


@dataclass(frozen=True)
class ConnectionSettings:
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
    ) -> ConnectionSettings | None:
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


class SocketLink:
    """One blocking RESP2 connection."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._reader = hiredis.Reader(replyError=reply_error)
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
                raise_first_error(self.exchange(*request(handshake)))
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


_ERROR_CLASSES: dict[str, type[Exception]] = {
    "NOSCRIPT": NoScriptError,
    "EXECABORT": ExecAbortError,
    "LOADING": BusyLoadingError,
    "READONLY": ReadOnlyError,
    "NOAUTH": AuthenticationError,
    "WRONGPASS": AuthenticationError,
    "NOPERM": NoPermissionError,
    "ERR": ResponseError,
}
"""Error-reply codes the savers' callers tell apart, as redis-py's own parser classes them."""


def reply_error(message: str) -> Exception:
    """The redis-py exception for an error reply (``"NOSCRIPT No matching script..."``): the
    class and message redis-py's own parser gives (a known code is stripped, others kept)."""
    code, space, rest = message.partition(" ")
    error_class = _ERROR_CLASSES.get(code) if space else None
    if error_class is None:
        return ResponseError(message)
    return error_class(rest)


_MULTI = hiredis.pack_command(("MULTI",))
_EXEC = hiredis.pack_command(("EXEC",))


def request(commands: Sequence[Command]) -> tuple[bytes, int]:
    """RESP encoding of ``commands`` (str, bytes and int arguments) and their number."""
    return b"".join([hiredis.pack_command(tuple(c)) for c in commands]), len(commands)


def transaction_request(ahead: Sequence[Command], body: Sequence[Command]) -> tuple[bytes, int]:
    """``ahead``, then ``body`` between MULTI and EXEC: the payload and its command count."""
    before, before_count = request(ahead)
    inside, inside_count = request(body)
    return before + _MULTI + inside + _EXEC, before_count + inside_count + 2


def raise_first_error(replies: list[Any]) -> list[Any]:
    """``replies``, unless one is an error (an error reply, or a failure a client pipeline
    returned in place of a reply): then the first of them raises."""
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies
