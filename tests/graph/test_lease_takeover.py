"""A resume after a crash takes over a dead holder's lease at once; a live holder's lease is
never taken, and the refusal says how long until it expires."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import redis
import redis.asyncio

from graph.checkpoint import AsyncRedisSaver, RedisSaver
from graph.checkpoint.lease import holder_is_dead, holder_token
from tests.graph.checkpoint_support import unique_prefix
from tools.errors import CampaignBusy
from tools.redis_server import EmbeddedRedis


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_holder_tokens_name_this_process() -> None:
    host, pid, _ = holder_token().split(":")
    assert (host, int(pid)) == (socket.gethostname(), os.getpid())
    assert holder_token() != holder_token()


@pytest.mark.parametrize(
    ("token", "dead"),
    [
        (lambda: f"{socket.gethostname()}:{dead_pid()}:abc", True),
        (lambda: f"{socket.gethostname()}:{os.getpid()}:abc", False),  # this process: alive
        (lambda: f"{socket.gethostname()}:{os.getppid()}:abc", False),  # alive
        (lambda: f"another-host:{dead_pid()}:abc", False),  # another host: not provable
        (lambda: "0123456789abcdef", False),  # an old-format token: not provable
        (lambda: None, False),
    ],
)
def test_a_holder_is_dead_only_when_provably_gone(token, dead: bool) -> None:
    assert holder_is_dead(token()) is dead


def test_a_dead_holders_lease_is_taken_over_at_once(redis_client: redis.Redis) -> None:
    saver = RedisSaver(redis_client, prefix=unique_prefix())
    key = saver.keys.thread("crashed").lease
    redis_client.set(key, f"{socket.gethostname()}:{dead_pid()}:abc", px=60_000)
    with saver.lease("crashed", ttl_ms=5_000, renew=False) as lease:
        assert redis_client.get(key) == lease.token.encode()
    assert not redis_client.exists(key)


def test_a_live_holders_lease_is_kept_and_the_refusal_says_when_it_expires(
    redis_client: redis.Redis,
) -> None:
    saver = RedisSaver(redis_client, prefix=unique_prefix())
    key = saver.keys.thread("alive").lease
    live = f"{socket.gethostname()}:{os.getppid()}:abc"
    redis_client.set(key, live, px=20_000)
    with pytest.raises(CampaignBusy) as busy:
        saver.lease("alive", ttl_ms=5_000).acquire()
    assert busy.value.expires_in_s is not None and 15 < busy.value.expires_in_s <= 20
    assert "its lease expires in 20s" in busy.value.user_message
    assert redis_client.get(key) == live.encode()


async def test_async_lease_takes_over_a_dead_holder(embedded_redis: EmbeddedRedis) -> None:
    client = redis.asyncio.Redis.from_url(embedded_redis.url)
    saver = AsyncRedisSaver(client, prefix=unique_prefix())
    key = saver.keys.thread("crashed").lease
    await client.set(key, f"{socket.gethostname()}:{dead_pid()}:abc", px=60_000)
    async with saver.lease("crashed", ttl_ms=5_000) as lease:
        assert await client.get(key) == lease.token.encode()
        with pytest.raises(CampaignBusy):  # and, once held by a live process, it is exclusive
            await saver.lease("crashed", ttl_ms=5_000).acquire()
    await client.aclose()
