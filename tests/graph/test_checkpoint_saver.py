"""The Redis saver with a real graph on the embedded Redis: resume, prune, TTL, fork, keys."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis
import redis.asyncio
from langgraph.types import Command
from redis.crc import key_slot

from graph.checkpoint import AsyncRedisSaver, RedisSaver, open_savers
from graph.checkpoint.keys import KeySpace, encode_key_part
from tests.graph.checkpoint_support import (
    build_review_graph,
    counting_client,
    thread_config,
    unique_prefix,
)
from tools.errors import ConfigError
from tools.redis_server import EmbeddedRedis
from tools.settings import Settings


@pytest.fixture
def saver(redis_client: redis.Redis) -> RedisSaver:
    return RedisSaver(redis_client, prefix=unique_prefix())


def _finish_campaign(app, config, decision: str = "yes") -> dict:  # type: ignore[no-untyped-def]
    app.invoke({"log": [], "draft": ""}, config)
    return app.invoke(Command(resume=decision), config)


def test_graph_pauses_at_gate_and_resumes_from_redis(saver: RedisSaver) -> None:
    published: list[str] = []
    config = thread_config()
    first = build_review_graph(published.append).compile(checkpointer=saver)
    paused = first.invoke({"log": [], "draft": ""}, config)
    assert paused["__interrupt__"][0].value == {"question": "approve the plan?"}

    # a fresh graph and saver object: everything it needs comes from Redis
    fresh_saver = RedisSaver(
        redis.Redis(connection_pool=saver.client.connection_pool), prefix=saver.keys.prefix
    )
    second = build_review_graph(published.append).compile(checkpointer=fresh_saver)
    assert second.get_state(config).next == ("gate",)
    done = second.invoke(Command(resume="approved"), config)
    assert done["log"] == ["plan", "gate:approved", "write", "publish"]
    assert published == ["final copy " * 100]


async def test_async_saver_runs_the_graph(embedded_redis: EmbeddedRedis) -> None:
    saver = AsyncRedisSaver(
        redis.asyncio.Redis.from_url(embedded_redis.url), prefix=unique_prefix()
    )
    app = build_review_graph().compile(checkpointer=saver)
    config = thread_config()
    await app.ainvoke({"log": [], "draft": ""}, config)
    done = await app.ainvoke(Command(resume="ok"), config, durability="sync")
    assert done["log"] == ["plan", "gate:ok", "write", "publish"]
    history = [s async for s in app.aget_state_history(config)]
    assert [s.metadata["step"] for s in history] == sorted(
        (s.metadata["step"] for s in history), reverse=True
    )
    # sync calls on the loop that drives the saver would deadlock it: a clear error instead
    with pytest.raises(ConfigError, match="asynchronous"):
        saver.get_tuple(config)
    bridged = await asyncio.to_thread(app.get_state, config)
    assert bridged.values["log"] == done["log"]


def test_each_saver_call_is_one_round_trip(embedded_redis: EmbeddedRedis) -> None:
    saver = RedisSaver(redis.Redis.from_url(embedded_redis.url), prefix=unique_prefix())
    app = build_review_graph().compile(checkpointer=saver)
    config = thread_config()
    _finish_campaign(app, config)  # warms the script cache and the run index
    latest = saver.get_tuple(config)
    assert latest is not None
    step = {**latest.checkpoint, "id": str(uuid.uuid4())}
    calls = [
        lambda: saver.put(latest.config, step, {"source": "loop", "step": 9, "run_id": "r1"}, {}),
        lambda: saver.put(
            latest.config, {**step, "id": str(uuid.uuid4())}, {"step": 10, "run_id": "r1"}, {}
        ),
        lambda: saver.put_writes(latest.config, [("log", ["x"]), ("draft", "y")], "task-1"),
        lambda: saver.get_tuple(config),
        lambda: list(saver.list(config, limit=3)),
    ]
    trips = []
    for call in calls:
        before = saver._wire.round_trips
        call()
        trips.append(saver._wire.round_trips - before)
    assert trips == [1, 1, 1, 1, 1]  # the first put of run r1 pipelines the run index with it


def test_a_client_with_a_custom_connection_class_is_used_directly(
    embedded_redis: EmbeddedRedis,
) -> None:
    """The wire cannot mirror a custom connection class: every call goes through the client."""
    client, sent = counting_client(str(embedded_redis.socket_path))
    saver = RedisSaver(client, prefix=unique_prefix())
    app = build_review_graph().compile(checkpointer=saver)
    done = _finish_campaign(app, thread_config())
    assert done["log"] == ["plan", "gate:yes", "write", "publish"]
    assert sent[0] > 0 and saver._wire.round_trips == 0


def test_prune_keeps_newest_and_frees_writes_and_blobs(
    saver: RedisSaver, redis_client: redis.Redis
) -> None:
    app = build_review_graph().compile(checkpointer=saver)
    config = thread_config()
    done = _finish_campaign(app, config)
    thread_id = config["configurable"]["thread_id"]
    data_key = saver.keys.thread(thread_id).data
    before = redis_client.hlen(data_key)

    saver.prune([thread_id], keep_last=1)

    history = list(app.get_state_history(config))
    assert len(history) == 1 and history[0].parent_config is None
    assert app.get_state(config).values == {"log": done["log"], "draft": done["draft"]}
    fields = redis_client.hkeys(data_key)
    assert len(fields) < before
    blob_fields = [f for f in fields if f.startswith(b"b")]
    kept = saver.get_tuple(config)
    assert kept is not None
    assert len(blob_fields) == len(kept.checkpoint["channel_versions"])  # only the kept ones
    assert not [f for f in fields if f.startswith(b"w")]  # the finished run has no pending writes


def test_keep_last_keeps_thread_size_flat(redis_client: redis.Redis) -> None:
    saver = RedisSaver(redis_client, prefix=unique_prefix(), keep_last=2)
    app = build_review_graph().compile(checkpointer=saver)
    config = thread_config()
    data_key = saver.keys.thread(config["configurable"]["thread_id"]).data
    sizes = []
    for _ in range(4):
        _finish_campaign(app, config)
        sizes.append(
            (
                redis_client.hlen(data_key),
                redis_client.zcard(saver.keys.thread(config["configurable"]["thread_id"]).index),
            )
        )
        assert len(list(app.get_state_history(config))) == 2
    assert sizes[1] == sizes[2] == sizes[3]


def test_ttl_is_off_by_default_and_refreshed_on_read_when_set(redis_client: redis.Redis) -> None:
    config = thread_config()
    thread_id = config["configurable"]["thread_id"]
    plain = RedisSaver(redis_client, prefix=unique_prefix())
    _finish_campaign(build_review_graph().compile(checkpointer=plain), config)
    keys = plain.keys.thread(thread_id)
    assert redis_client.pttl(keys.index) == -1 and redis_client.pttl(keys.data) == -1

    expiring = RedisSaver(redis_client, prefix=unique_prefix(), ttl_seconds=600)
    _finish_campaign(build_review_graph().compile(checkpointer=expiring), config)
    keys = expiring.keys.thread(thread_id)
    for key in (keys.index, keys.data):
        assert 590_000 < redis_client.pttl(key) <= 600_000
        redis_client.pexpire(key, 5_000)
    assert expiring.get_tuple(config) is not None
    assert all(590_000 < redis_client.pttl(key) <= 600_000 for key in (keys.index, keys.data))


def test_copy_thread_forks_a_campaign_that_resumes_independently(saver: RedisSaver) -> None:
    app = build_review_graph().compile(checkpointer=saver)
    source, fork = thread_config(), thread_config()
    app.invoke({"log": [], "draft": ""}, source)
    saver.copy_thread(source["configurable"]["thread_id"], fork["configurable"]["thread_id"])

    assert app.invoke(Command(resume="fork"), fork)["log"][1] == "gate:fork"
    assert app.get_state(source).next == ("gate",)
    assert app.invoke(Command(resume="original"), source)["log"][1] == "gate:original"


def test_delete_for_runs_spans_threads(saver: RedisSaver) -> None:
    app = build_review_graph().compile(checkpointer=saver)
    one, two = thread_config(), thread_config()
    shared_run = str(uuid.uuid4())
    app.invoke({"log": [], "draft": ""}, {**one, "metadata": {"run_id": str(uuid.uuid4())}})
    app.invoke(Command(resume="a"), {**one, "metadata": {"run_id": shared_run}})
    app.invoke({"log": [], "draft": ""}, {**two, "metadata": {"run_id": shared_run}})
    assert app.get_state(one).next == ()

    saver.delete_for_runs([shared_run])

    remaining = list(saver.list(one))
    assert [t.metadata["step"] for t in remaining] == [1, 0, -1]  # the first run's checkpoints
    assert all(t.metadata["run_id"] != shared_run for t in remaining)
    assert list(saver.list(two)) == []


def test_ids_are_escaped_into_one_hash_tag() -> None:
    space = KeySpace("bl")
    tricky = ["a{b}c", "a%7Bb%7Dc", "}{", "kampagne/ü:1", "x" * 300]
    keys = [space.thread(t) for t in tricky]
    names = [k.index for k in keys]
    assert len(set(names)) == len(tricky)  # injective
    for k in keys:
        assert (
            len({key_slot(k.index.encode()), key_slot(k.data.encode()), key_slot(k.lease.encode())})
            == 1
        )
    assert encode_key_part("a{b}c") == "a%7Bb%7Dc"
    assert space.thread("plain-id_1.0").index == "bl:{plain-id_1.0}:i"


async def test_open_savers_builds_both_savers_from_settings(settings: Settings) -> None:
    configured = settings.model_copy(
        update={
            "checkpoint_ttl_seconds": 60,
            "checkpoint_keep_last": 2,
            "checkpoint_lease_seconds": 5,
        }
    )
    sync_saver, async_saver = open_savers(configured, prefix=unique_prefix())
    assert (sync_saver.ttl_ms, sync_saver.keep_last) == (60_000, 2)
    config = thread_config()
    await (
        build_review_graph()
        .compile(checkpointer=async_saver)
        .ainvoke({"log": [], "draft": ""}, config)
    )
    async with async_saver.lease("leased-campaign", renew=False):
        lease_key = async_saver.keys.thread("leased-campaign").lease
        assert 0 < await async_saver.client.pttl(lease_key) <= 5_000
    seen_by_sync = await asyncio.to_thread(sync_saver.get_tuple, config)
    assert seen_by_sync is not None and seen_by_sync.metadata["step"] == 1
    assert (
        0
        < sync_saver.client.pttl(sync_saver.keys.thread(config["configurable"]["thread_id"]).data)
        <= 60_000
    )


def test_late_writes_for_a_pruned_checkpoint_leave_nothing_behind(
    redis_client: redis.Redis,
) -> None:
    saver = RedisSaver(redis_client, prefix=unique_prefix(), keep_last=1)
    app = build_review_graph().compile(checkpointer=saver)
    config = thread_config()
    _finish_campaign(app, config)
    history = list(saver.list(config))
    assert len(history) == 1
    pruned = {"configurable": {**config["configurable"], "checkpoint_ns": "", "checkpoint_id": "0"}}
    saver.put_writes(pruned, [("log", ["late"])], "slow-task")  # LangGraph sends writes async
    data_key = saver.keys.thread(config["configurable"]["thread_id"]).data
    assert not [f for f in redis_client.hkeys(data_key) if f.startswith(b"w")]

    ahead = {"configurable": {**pruned["configurable"], "checkpoint_id": "z-not-yet-saved"}}
    saver.put_writes(ahead, [("log", ["early"])], "fast-task")  # its put may still be in flight
    assert [f for f in redis_client.hkeys(data_key) if f.startswith(b"w")]


def test_list_pages_match_in_memory_saver(saver: RedisSaver) -> None:
    from langgraph.checkpoint.base import empty_checkpoint
    from langgraph.checkpoint.memory import InMemorySaver

    reference = InMemorySaver()
    parents: dict[str, dict] = {}
    for step in range(130):
        for ns in ("", "child:1") if step % 26 == 0 else ("",):
            config = parents.get(ns) or {
                "configurable": {"thread_id": "paged", "checkpoint_ns": ns}
            }
            checkpoint = {**empty_checkpoint(), "channel_values": {"n": step}}
            checkpoint["channel_versions"] = {"n": saver.get_next_version(None)}
            metadata = {"source": "loop" if step % 3 else "input", "step": step}
            versions = dict(checkpoint["channel_versions"])
            parents[ns] = saver.put(config, checkpoint, metadata, versions)
            reference.put(config, checkpoint, metadata, versions)
    root = {"configurable": {"thread_id": "paged", "checkpoint_ns": ""}}
    ids = [t.checkpoint["id"] for t in reference.list(root)]
    queries: list[dict] = [
        {},
        {"limit": 7},
        {"limit": 120},
        {"before": {"configurable": {"checkpoint_id": ids[30]}}},
        {"before": {"configurable": {"checkpoint_id": ids[30]}}, "limit": 60},
        {"filter": {"source": "input"}},
        {"filter": {"source": "loop"}, "limit": 70},
        {"limit": 0},
    ]
    for query in queries:
        expected = [
            (t.checkpoint["id"], t.metadata, t.checkpoint["channel_values"])
            for t in reference.list(root, **query)
        ]
        got = [
            (t.checkpoint["id"], t.metadata, t.checkpoint["channel_values"])
            for t in saver.list(root, **query)
        ]
        assert got == expected, query
    every_ns = {"configurable": {"thread_id": "paged"}}
    assert sorted(t.checkpoint["id"] for t in saver.list(every_ns)) == sorted(
        t.checkpoint["id"] for t in reference.list(every_ns)
    )
    one = {"configurable": {"thread_id": "paged", "checkpoint_id": ids[5]}}
    assert [t.checkpoint["id"] for t in saver.list(one)] == [ids[5]]
