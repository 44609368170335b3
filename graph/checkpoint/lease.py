"""One writer per thread: a lease in Redis taken for the length of a run or resume.

``SET <thread>:lease <token> NX PX ttl`` takes it; a compare-and-delete Lua script releases it
(only the holder's token deletes it), and an optional renewer extends it every third of its
TTL while the holder works, so a crashed holder frees the thread within one TTL. A second run
or resume of a busy thread gets ``CampaignBusy`` (saying when the lease expires) instead of
silently forking the checkpoint chain.

A token names its holder (``host:pid:random``): when the holder is provably dead (same host,
its process gone) the lease is taken over at once with a compare-and-set, so a resume after a
crash does not wait out the TTL. A holder on another host is never presumed dead.

``AsyncStopRequests`` lets any process ask the holder to stop: a request stores the holder's
token under ``<thread>:stop``; the holder polls for its own token. A request left over from an
earlier run holds that run's token, so it never stops a later one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

import redis
import redis.asyncio
from redis.commands.core import AsyncScript, Script

from graph.checkpoint import scripts
from graph.checkpoint.base import redis_errors
from graph.checkpoint.keys import KeySpace
from tools.errors import CampaignBusy, InputError

ScriptT = TypeVar("ScriptT")


def holder_token() -> str:
    """A fresh lease token naming this process: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(16)}"


def holder_is_dead(token: bytes | str | None) -> bool:
    """Whether the process that holds a lease with ``token`` is provably gone: it ran on this
    host and no process has its pid any more. Unknown formats and other hosts: not provable."""
    if token is None:
        return False
    text = token.decode("utf-8", "replace") if isinstance(token, bytes) else token
    host, _, rest = text.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid() or pid <= 1:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but belongs to someone else (EPERM): alive
        return False
    return False


class _LeaseState(Generic[ScriptT]):
    """Token, key, TTL, scripts and reply handling shared by the sync and async leases."""

    def __init__(
        self,
        register_script: Callable[[str], ScriptT],
        key: str,
        thread_id: str,
        ttl_ms: int,
        renew: bool,
    ) -> None:
        if not isinstance(ttl_ms, int) or ttl_ms < 100:
            raise InputError("lease ttl_ms must be an integer of at least 100 ms")
        self.key = key
        self.thread_id = thread_id
        self.ttl_ms = ttl_ms
        self.renew = renew
        self.token = holder_token()
        self.lost = False
        """Set when a renewal found the lease gone (expired and maybe taken by another run)."""
        self._release = register_script(scripts.LEASE_RELEASE)
        self._renew = register_script(scripts.LEASE_RENEW)
        self._takeover = register_script(scripts.LEASE_TAKEOVER)

    @property
    def renew_every_seconds(self) -> float:
        return self.ttl_ms / 3000

    def _require_taken(self, taken: Any, expires_in_ms: Any = None) -> None:
        """Read the ``SET NX`` reply: CampaignBusy (with the lease's remaining time, when
        known) when another holder has the lease."""
        if not taken:
            remaining = (
                expires_in_ms if isinstance(expires_in_ms, int) and expires_in_ms > 0 else None
            )
            raise CampaignBusy(self.thread_id, remaining / 1000 if remaining is not None else None)

    @property
    def _takeover_args(self) -> list[Any]:
        """ARGV of the takeover after the dead holder's token (KEYS: ``[self.key]``)."""
        return [self.token, self.ttl_ms]

    @property
    def _renew_args(self) -> list[Any]:
        """ARGV of the compare-and-extend renewal (KEYS: ``[self.key]``)."""
        return [self.token, self.ttl_ms]

    def _renewed(self, reply: Any) -> bool:
        """Read a renewal reply; a falsy one means the lease is gone (``lost`` is set)."""
        if not reply:
            self.lost = True
        return bool(reply)


class ThreadLease(_LeaseState[Script]):
    """``with ThreadLease(client, key, thread_id): ...`` (sync client: Redis or RedisCluster)."""

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        key: str,
        thread_id: str,
        *,
        ttl_ms: int = 30_000,
        renew: bool = True,
    ) -> None:
        super().__init__(client.register_script, key, thread_id, ttl_ms, renew)
        self.client = client
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> None:
        """Take the lease or raise CampaignBusy."""
        expires_in_ms = None
        with redis_errors("take the campaign lease", self.thread_id):
            taken = self.client.set(self.key, self.token, nx=True, px=self.ttl_ms)
            if not taken:
                holder = self.client.get(self.key)
                if holder is not None and holder_is_dead(holder):
                    taken = self._takeover(keys=[self.key], args=[holder, *self._takeover_args])
                else:
                    expires_in_ms = self.client.pttl(self.key)
        self._require_taken(taken, expires_in_ms)
        if self.renew:
            self._renewer = threading.Thread(
                target=self._renew_loop, daemon=True, name=f"lease-{self.key}"
            )
            self._renewer.start()

    def release(self) -> None:
        """Give the lease back (a no-op when it already expired or passed to another run)."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        with redis_errors("release the campaign lease", self.thread_id):
            self._release(keys=[self.key], args=[self.token])

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.renew_every_seconds):
            try:
                if not self._renewed(self._renew(keys=[self.key], args=self._renew_args)):
                    return
            except redis.RedisError:
                continue  # a later renewal may succeed; the TTL still covers us meanwhile

    def __enter__(self) -> ThreadLease:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class AsyncThreadLease(_LeaseState[AsyncScript]):
    """``async with AsyncThreadLease(client, key, thread_id): ...`` (redis.asyncio client)."""

    def __init__(
        self,
        client: redis.asyncio.Redis | redis.asyncio.RedisCluster,
        key: str,
        thread_id: str,
        *,
        ttl_ms: int = 30_000,
        renew: bool = True,
    ) -> None:
        super().__init__(client.register_script, key, thread_id, ttl_ms, renew)
        self.client = client
        self._renewer: asyncio.Task[None] | None = None

    async def acquire(self) -> None:
        """Take the lease or raise CampaignBusy."""
        expires_in_ms = None
        with redis_errors("take the campaign lease", self.thread_id):
            taken = await self.client.set(self.key, self.token, nx=True, px=self.ttl_ms)
            if not taken:
                holder = await self.client.get(self.key)
                if holder is not None and holder_is_dead(holder):
                    args = [holder, *self._takeover_args]
                    taken = await self._takeover(keys=[self.key], args=args)
                else:
                    expires_in_ms = await self.client.pttl(self.key)
        self._require_taken(taken, expires_in_ms)
        if self.renew:
            self._renewer = asyncio.create_task(self._renew_loop())

    async def release(self) -> None:
        """Give the lease back (a no-op when it already expired or passed to another run)."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        with redis_errors("release the campaign lease", self.thread_id):
            await self._release(keys=[self.key], args=[self.token])

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every_seconds)
            try:
                if not self._renewed(await self._renew(keys=[self.key], args=self._renew_args)):
                    return
            except redis.RedisError:
                continue  # a later renewal may succeed; the TTL still covers us meanwhile

    async def __aenter__(self) -> AsyncThreadLease:
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()


class AsyncStopRequests:
    """Stop requests addressed to whoever holds a thread's lease, in any process."""

    def __init__(
        self, client: redis.asyncio.Redis | redis.asyncio.RedisCluster, keys: KeySpace, ttl_ms: int
    ) -> None:
        self.keys = keys
        self.ttl_ms = ttl_ms
        self._request = client.register_script(scripts.STOP_REQUEST)
        self._take = client.register_script(scripts.STOP_TAKE)

    async def request(self, thread_id: str) -> bool:
        """Ask the thread's current run to stop; False when no run holds the lease."""
        keys = self.keys.thread(thread_id)
        with redis_errors("ask the campaign to stop", thread_id):
            return bool(await self._request(keys=[keys.lease, keys.stop], args=[self.ttl_ms]))

    async def taken(self, thread_id: str) -> bool:
        """For the lease holder: whether a stop was asked of it (the request is consumed)."""
        keys = self.keys.thread(thread_id)
        with redis_errors("check for a stop request", thread_id):
            return bool(await self._take(keys=[keys.lease, keys.stop]))
