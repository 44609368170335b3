"""One writer per thread: concurrent resumes of one campaign, lease expiry and renewal."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import redis.asyncio
from langgraph.types import Command

from graph.checkpoint import AsyncRedisSaver, RedisSaver
from tests.graph.checkpoint_support import build_review_graph, thread_config, unique_prefix
from tools.errors import CampaignBusy
from tools.redis_server import EmbeddedRedis


async def test_two_concurrent_resumes_exactly_one_proceeds(embedded_redis: EmbeddedRedis) -> None:
    saver = AsyncRedisSaver(
        redis.asyncio.Redis.from_url(embedded_redis.url), prefix=unique_prefix()
    )
    busy_seen = threading.Event()
    published: list[str] = []

    def hold_publish(draft: str) -> None:  # the winner stays inside its run until the loser failed
        published.append(draft)
        busy_seen.wait(10)

    app = build_review_graph(hold_publish).compile(checkpointer=saver)
    config = thread_config()
    await app.ainvoke({"log": [], "draft": ""}, config)

    async def resume(decision: str) -> str:
        try:
            async with saver.lease(config["configurable"]["thread_id"], ttl_ms=5_000):
                await app.ainvoke(Command(resume=decision), config)
        except CampaignBusy:
            busy_seen.set()
            return "busy"
        return "proceeded"

    outcomes = await asyncio.gather(resume("first"), resume("second"))

    assert sorted(outcomes) == ["busy", "proceeded"]
    assert len(published) == 1
    log = (await app.aget_state(config)).values["log"]
    assert [entry for entry in log if entry.startswith("gate:")] in (
        ["gate:first"],
        ["gate:second"],
    )
    assert log.count("publish") == 1
    assert not await saver.client.exists(
        saver.keys.thread(config["configurable"]["thread_id"]).lease
    )


def test_sync_leases_in_two_threads_exactly_one_proceeds(redis_client: redis.Redis) -> None:
    saver = RedisSaver(redis_client, prefix=unique_prefix())
    busy_seen = threading.Event()
    app = build_review_graph(lambda draft: busy_seen.wait(10)).compile(checkpointer=saver)
    config = thread_config()
    app.invoke({"log": [], "draft": ""}, config)
    start = threading.Barrier(2)

    def resume(decision: str) -> str:
        start.wait()
        try:
            with saver.lease(config["configurable"]["thread_id"], ttl_ms=5_000):
                app.invoke(Command(resume=decision), config)
        except CampaignBusy as busy:
            assert "is busy" in busy.user_message
            busy_seen.set()
            return "busy"
        return "proceeded"

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(resume, ["first", "second"]))
    assert sorted(outcomes) == ["busy", "proceeded"]
    assert app.get_state(config).values["log"].count("publish") == 1


def test_renewal_keeps_a_long_run_exclusive(redis_client: redis.Redis) -> None:
    saver = RedisSaver(redis_client, prefix=unique_prefix())
    with saver.lease("long-run", ttl_ms=1_500) as held:
        time.sleep(4.0)  # more than two TTLs: only renewal (every 0.5 s) keeps the lease alive
        with pytest.raises(CampaignBusy):
            saver.lease("long-run", ttl_ms=1_500).acquire()
        assert not held.lost
    saver.lease("long-run", ttl_ms=1_500, renew=False).acquire()  # released on exit


def test_expired_lease_frees_the_thread_and_old_holder_cannot_release_new_one(
    redis_client: redis.Redis,
) -> None:
    saver = RedisSaver(redis_client, prefix=unique_prefix())
    crashed = saver.lease("crashy", ttl_ms=200, renew=False)
    crashed.acquire()  # a holder that dies without releasing
    time.sleep(0.4)
    successor = saver.lease("crashy", ttl_ms=5_000, renew=False)
    successor.acquire()
    crashed.release()  # compare-and-delete: the successor keeps its lease
    with pytest.raises(CampaignBusy):
        saver.lease("crashy", ttl_ms=5_000).acquire()
    successor.release()
    assert not redis_client.exists(saver.keys.thread("crashy").lease)


async def test_async_lease_renews_and_releases(embedded_redis: EmbeddedRedis) -> None:
    saver = AsyncRedisSaver(
        redis.asyncio.Redis.from_url(embedded_redis.url), prefix=unique_prefix()
    )
    async with saver.lease("async-run", ttl_ms=1_500) as held:
        await asyncio.sleep(4.0)  # more than two TTLs
        with pytest.raises(CampaignBusy):
            await saver.lease("async-run", ttl_ms=1_500).acquire()
        assert not held.lost
    assert not await saver.client.exists(saver.keys.thread("async-run").lease)


async def test_a_stop_request_reaches_only_the_run_it_was_made_for(
    embedded_redis: EmbeddedRedis,
) -> None:
    client = redis.asyncio.Redis.from_url(embedded_redis.url)
    saver = AsyncRedisSaver(client, prefix=unique_prefix())
    stops = saver.stop_requests()
    assert not await stops.request("t")  # nothing runs it
    async with saver.lease("t"):
        assert await stops.request("t")
    async with saver.lease("t"):  # a later run: the earlier request named the earlier lease
        assert not await stops.taken("t")
        assert await stops.request("t")
        assert await stops.taken("t")
        assert not await stops.taken("t")  # a request is taken once
    await client.aclose()
