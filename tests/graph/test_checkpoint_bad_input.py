"""Bad input to the saver: unknown ids, corrupted data, wrong types, an unreachable server."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from langgraph.types import Command

from graph.checkpoint import RedisSaver
from tests.graph.checkpoint_support import build_review_graph, thread_config, unique_prefix
from tools.errors import InputError, StoreError


@pytest.fixture
def saver(redis_client: redis.Redis) -> RedisSaver:
    return RedisSaver(redis_client, prefix=unique_prefix())


def _paused_thread(saver: RedisSaver) -> dict[str, Any]:
    config = thread_config()
    build_review_graph().compile(checkpointer=saver).invoke({"log": [], "draft": ""}, config)
    return config


def test_unknown_thread_reads_as_empty(saver: RedisSaver) -> None:
    config = thread_config("never-seen")
    assert saver.get_tuple(config) is None
    assert list(saver.list(config)) == []
    assert (
        saver.get_tuple({"configurable": {"thread_id": "never-seen", "checkpoint_id": "nope"}})
        is None
    )
    assert build_review_graph().compile(checkpointer=saver).get_state(config).values == {}
    saver.delete_thread("never-seen")
    saver.prune(["never-seen"])
    saver.copy_thread("never-seen", "also-never-seen")
    assert saver.get_tuple(thread_config("also-never-seen")) is None


def test_corrupted_blob_names_its_thread_and_spares_others(
    saver: RedisSaver, redis_client: redis.Redis
) -> None:
    broken, healthy = _paused_thread(saver), _paused_thread(saver)
    data_key = saver.keys.thread(broken["configurable"]["thread_id"]).data
    for field in redis_client.hkeys(data_key):
        if field.startswith(b"b\x00draft\x00"):
            redis_client.hset(data_key, field, b"\xc1 not msgpack")
    latest = saver.get_tuple(healthy)
    assert latest is not None

    with pytest.raises(StoreError) as raised:
        saver.get_tuple(broken)
    message = str(raised.value)
    assert broken["configurable"]["thread_id"] in message and "unreadable" in message
    assert "checkpoint '" in message
    with pytest.raises(StoreError):
        list(saver.list(broken))

    app = build_review_graph().compile(checkpointer=saver)
    assert app.invoke(Command(resume="fine"), healthy)["log"][-1] == "publish"


def test_corrupted_record_is_a_store_error(saver: RedisSaver, redis_client: redis.Redis) -> None:
    config = _paused_thread(saver)
    data_key = saver.keys.thread(config["configurable"]["thread_id"]).data
    for field in redis_client.hkeys(data_key):
        if field.startswith(b"c"):
            redis_client.hset(data_key, field, b"garbage")
    with pytest.raises(StoreError, match=config["configurable"]["thread_id"]):
        saver.get_tuple(config)


@pytest.mark.parametrize(
    "config",
    [
        None,
        {},
        {"configurable": None},
        {"configurable": {}},
        {"configurable": {"thread_id": None}},
        {"configurable": {"thread_id": {"nested": 1}}},
        {"configurable": {"thread_id": b"bytes"}},
        {"configurable": {"thread_id": "t\x00nul"}},
        {"configurable": {"thread_id": "t", "checkpoint_ns": 5.5}},
    ],
)
def test_malformed_configs_are_input_errors(saver: RedisSaver, config: Any) -> None:
    with pytest.raises(InputError):
        saver.get_tuple(config)


def test_wrong_argument_types_are_input_errors(saver: RedisSaver) -> None:
    config = _paused_thread(saver)
    with pytest.raises(InputError, match="not a single string"):
        saver.prune(config["configurable"]["thread_id"])
    with pytest.raises(InputError, match="not a single string"):
        saver.delete_for_runs("run-1")
    with pytest.raises(InputError, match="strategy"):
        saver.prune([config["configurable"]["thread_id"]], strategy="keep_some")
    with pytest.raises(InputError, match="keep_last"):
        saver.prune([config["configurable"]["thread_id"]], keep_last=0)
    with pytest.raises(InputError, match="thread_id"):
        list(saver.list(None))
    with pytest.raises(InputError, match="limit"):
        list(saver.list(config, limit="3"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="checkpoint_id"):
        saver.put_writes(thread_config(), [("log", ["x"])], "task")
    with pytest.raises(InputError, match="keep_last"):
        RedisSaver(saver.client, keep_last=0)
    assert len(list(saver.list(config))) == 3  # nothing was changed


def test_failed_put_writes_nothing(saver: RedisSaver) -> None:
    config = _paused_thread(saver)
    latest = saver.get_tuple(config)
    assert latest is not None
    unserializable = {**latest.checkpoint, "id": "later", "channel_values": {"draft": object()}}
    with pytest.raises(Exception, match="object"):
        saver.put(
            latest.config, unserializable, {"step": 9}, {"draft": saver.get_next_version(None)}
        )
    with pytest.raises(InputError):
        saver.put(latest.config, "not a checkpoint", {}, {})  # type: ignore[arg-type]
    after = saver.get_tuple(config)
    assert after is not None and after.checkpoint["id"] == latest.checkpoint["id"]
    assert len(list(saver.list(config))) == 3


def test_unreachable_redis_is_a_store_error(tmp_path: Any) -> None:
    client = redis.Redis(unix_socket_path=str(tmp_path / "no-redis.sock"), retry=None)
    saver = RedisSaver(client, prefix=unique_prefix())
    with pytest.raises(StoreError, match="failed to read a checkpoint for thread 'campaign-1'"):
        saver.get_tuple(thread_config("campaign-1"))


def test_threads_with_delta_channels_are_never_pruned(redis_client: redis.Redis) -> None:
    saver = RedisSaver(redis_client, prefix=unique_prefix(), keep_last=1)
    config: dict[str, Any] = {"configurable": {"thread_id": "delta-thread", "checkpoint_ns": ""}}
    metadata: Any = {"source": "loop", "step": 0, "counters_since_delta_snapshot": {"log": [1, 1]}}
    for step in range(3):
        checkpoint: Any = {"v": 4, "id": f"cp-{step}", "ts": "", "channel_values": {},
                           "channel_versions": {}, "versions_seen": {}}  # fmt: skip
        config = saver.put(config, checkpoint, {**metadata, "step": step}, {})
    thread = {"configurable": {"thread_id": "delta-thread"}}
    assert len(list(saver.list(thread))) == 3  # keep_last does not apply to this thread

    with pytest.raises(InputError, match="DeltaChannel"):
        saver.prune(["delta-thread"])
    assert len(list(saver.list(thread))) == 3
