"""The savers' own connections (``wire.py``): handshake, reply order, errors, failover."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio
from redis.exceptions import (
    AuthenticationError,
    ExecAbortError,
    NoScriptError,
    ReadOnlyError,
    ResponseError,
)

from graph.checkpoint import AsyncRedisSaver, RedisSaver
from graph.checkpoint.resp import reply_error
from graph.checkpoint.wire import AsyncWire, Wire
from tests.graph.checkpoint_support import build_review_graph, thread_config, unique_prefix
from tools.errors import StoreError
from tools.redis_server import EmbeddedRedis, redis_server_binary

PASSWORD = "s3cret-for-tests"


@pytest.fixture
def locked_redis(tmp_path: Path) -> Iterator[Path]:
    """A private redis-server that wants a password, on a unix socket; its socket path."""
    socket_path = tmp_path / "locked.sock"
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--requirepass", PASSWORD,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    admin = redis.Redis(unix_socket_path=str(socket_path), password=PASSWORD)
    deadline = time.monotonic() + 10
    while True:
        try:
            admin.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.02)
    yield socket_path
    process.terminate()
    process.wait(timeout=10)


def _client_names(socket_path: Path) -> list[str]:
    admin = redis.Redis(unix_socket_path=str(socket_path), password=PASSWORD)
    return [c["name"] for c in admin.client_list()]


async def _run_campaign(saver: AsyncRedisSaver) -> dict:  # type: ignore[type-arg]
    from langgraph.types import Command

    app = build_review_graph().compile(checkpointer=saver)
    config = thread_config()
    await app.ainvoke({"log": [], "draft": ""}, config)
    return await app.ainvoke(Command(resume="yes"), config)


async def test_async_wire_authenticates_selects_db_and_names_itself(locked_redis: Path) -> None:
    client = redis.asyncio.Redis(
        unix_socket_path=str(locked_redis), password=PASSWORD, db=3, client_name="bl-wire-test"
    )
    saver = AsyncRedisSaver(client, prefix=unique_prefix())
    done = await _run_campaign(saver)
    assert done["log"] == ["plan", "gate:yes", "write", "publish"]
    # the saver's own connection carries the client's name and wrote into db 3
    assert _client_names(locked_redis).count("bl-wire-test") >= 1
    db3 = redis.Redis(unix_socket_path=str(locked_redis), password=PASSWORD, db=3)
    assert db3.dbsize() > 0
    await saver.aclose()
    await client.aclose()


async def test_async_saver_with_a_wrong_password_fails_clearly(locked_redis: Path) -> None:
    client = redis.asyncio.Redis(unix_socket_path=str(locked_redis), password="wrong")
    saver = AsyncRedisSaver(client, prefix=unique_prefix())
    with pytest.raises(StoreError, match="checkpoint store failed to read a checkpoint"):
        await saver.aget_tuple(thread_config())
    await client.aclose()


async def test_async_wire_survives_its_connection_being_killed(locked_redis: Path) -> None:
    client = redis.asyncio.Redis(
        unix_socket_path=str(locked_redis), password=PASSWORD, client_name="bl-killed"
    )
    wire = AsyncWire(client)
    assert await wire.call(("PING",)) == b"PONG"
    admin = redis.Redis(unix_socket_path=str(locked_redis), password=PASSWORD)
    killed = [c["id"] for c in admin.client_list() if c["name"] == "bl-killed"]
    assert killed and all(admin.client_kill_filter(_id=i) for i in killed)
    # the dead connection is noticed, the command goes through the client, and a new
    # connection is made for the next call
    assert await wire.call(("ECHO", "through the client")) == b"through the client"
    assert await wire.call(("ECHO", "again")) == b"again"
    await wire.aclose()
    await client.aclose()


def test_sync_wire_survives_its_connection_being_killed(locked_redis: Path) -> None:
    client = redis.Redis(
        unix_socket_path=str(locked_redis), password=PASSWORD, client_name="bl-sync-killed"
    )
    wire = Wire(client)
    assert wire.call(("PING",)) == b"PONG"
    admin = redis.Redis(unix_socket_path=str(locked_redis), password=PASSWORD)
    for entry in admin.client_list():
        if entry["name"] == "bl-sync-killed":
            admin.client_kill_filter(_id=entry["id"])
    assert wire.call(("ECHO", "back")) == b"back"
    wire.close()


async def test_async_wire_keeps_replies_in_order_when_a_caller_is_cancelled(
    embedded_redis: EmbeddedRedis,
) -> None:
    client = redis.asyncio.Redis.from_url(embedded_redis.url)
    wire = AsyncWire(client)
    await wire.call(("PING",))  # one connection, already open
    empty = f"{unique_prefix()}:empty"
    slow = asyncio.create_task(wire.call(("BLPOP", empty, "0.3")))  # its reply: nil, later
    await asyncio.sleep(0.05)
    quick = asyncio.create_task(wire.call(("ECHO", "mine")))  # pipelined behind BLPOP
    await asyncio.sleep(0.05)
    slow.cancel()
    assert await quick == b"mine"  # not BLPOP's nil
    assert await wire.call(("ECHO", "next")) == b"next"
    await wire.aclose()
    await client.aclose()


async def test_error_replies_raise_and_leave_the_connection_usable(
    embedded_redis: EmbeddedRedis,
) -> None:
    key = f"{unique_prefix()}:text"
    sync_client = redis.Redis.from_url(embedded_redis.url)
    sync_client.set(key, "not a hash")
    async_client = redis.asyncio.Redis.from_url(embedded_redis.url)
    sync_wire, async_wire = Wire(sync_client), AsyncWire(async_client)
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        sync_wire.call(("HSET", key, "f", "v"))
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await async_wire.call(("HSET", key, "f", "v"))
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        sync_wire.transaction([("HSET", key, "f", "v")])
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await async_wire.transaction([("HSET", key, "f", "v")])
    assert sync_wire.call(("GET", key)) == b"not a hash"
    assert await async_wire.call(("GET", key)) == b"not a hash"
    sync_client.delete(key)
    sync_wire.close()
    await async_wire.aclose()
    await async_client.aclose()


async def test_a_resp3_client_is_used_directly_and_still_works(
    embedded_redis: EmbeddedRedis,
) -> None:
    client = redis.asyncio.Redis(unix_socket_path=str(embedded_redis.socket_path), protocol=3)
    saver = AsyncRedisSaver(client, prefix=unique_prefix())
    done = await _run_campaign(saver)
    assert done["log"] == ["plan", "gate:yes", "write", "publish"]
    await client.aclose()


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_keep_last_puts_reload_their_scripts_after_a_script_flush(
    locked_redis: Path, mode: str
) -> None:
    """A restarted server has no scripts: a pruning put loads TRIM / GUARDED_WRITES again."""
    admin = redis.Redis(unix_socket_path=str(locked_redis), password=PASSWORD)
    prefix = unique_prefix()
    config = thread_config(f"flush-{uuid.uuid4().hex}")
    if mode == "sync":
        saver = RedisSaver(
            redis.Redis(unix_socket_path=str(locked_redis), password=PASSWORD),
            prefix=prefix,
            keep_last=1,
        )
        app = build_review_graph().compile(checkpointer=saver)
        app.invoke({"log": [], "draft": ""}, config)
        admin.script_flush()
        app.invoke({"log": [], "draft": ""}, config)
        history = list(app.get_state_history(config))
    else:
        async_saver = AsyncRedisSaver(
            redis.asyncio.Redis(unix_socket_path=str(locked_redis), password=PASSWORD),
            prefix=prefix,
            keep_last=1,
        )
        app = build_review_graph().compile(checkpointer=async_saver)
        await app.ainvoke({"log": [], "draft": ""}, config)
        admin.script_flush()
        await app.ainvoke({"log": [], "draft": ""}, config)
        history = [s async for s in app.aget_state_history(config)]
    assert len(history) == 1  # pruned to the newest checkpoint after the flush as well


async def test_each_async_saver_call_is_one_round_trip(embedded_redis: EmbeddedRedis) -> None:
    client = redis.asyncio.Redis.from_url(embedded_redis.url)
    saver = AsyncRedisSaver(client, prefix=unique_prefix())
    await _run_campaign(saver)  # loads the scripts, opens the connection
    config = thread_config()
    app = build_review_graph().compile(checkpointer=saver)
    await app.ainvoke({"log": [], "draft": ""}, config)
    latest = await saver.aget_tuple(config)
    assert latest is not None
    step = {**latest.checkpoint, "id": str(uuid.uuid4())}
    calls = [
        lambda: saver.aput(latest.config, step, {"step": 9, "run_id": "r-async"}, {}),
        lambda: saver.aput_writes(latest.config, [("log", ["x"]), ("draft", "y")], "task-1"),
        lambda: saver.aget_tuple(config),
    ]
    trips = []
    for call in calls:
        before = saver._wire.round_trips
        await call()
        trips.append(saver._wire.round_trips - before)
    assert trips == [1, 1, 1]  # the put of a new run sends its run index in the same write
    await client.aclose()


def test_a_forked_child_opens_its_own_connections(embedded_redis: EmbeddedRedis) -> None:
    """Sharing the parent's socket would interleave both processes' replies."""
    wire = Wire(redis.Redis.from_url(embedded_redis.url))
    assert wire.call(("ECHO", "parent")) == b"parent"  # an idle connection to inherit
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit code
        ok = all(wire.call(("ECHO", f"child {n}")) == f"child {n}".encode() for n in range(200))
        os._exit(0 if ok else 1)
    replies = [wire.call(("ECHO", f"parent {n}")) for n in range(200)]
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert replies == [f"parent {n}".encode() for n in range(200)]
    wire.close()


async def test_concurrent_async_calls_each_get_their_own_reply(
    embedded_redis: EmbeddedRedis,
) -> None:
    """Requests made while others are in flight are batched into shared writes."""
    client = redis.asyncio.Redis.from_url(embedded_redis.url)
    wire = AsyncWire(client)
    key = f"{unique_prefix()}:counter"

    async def echo(n: int) -> bytes:
        return await wire.call(("ECHO", f"call {n}"))

    async def count(n: int) -> list[object]:
        return await wire.transaction([("INCR", key), ("ECHO", f"tx {n}")])

    echoes = [echo(n) for n in range(300)]
    transactions = [count(n) for n in range(100)]
    results = await asyncio.gather(*echoes, *transactions)
    assert results[:300] == [f"call {n}".encode() for n in range(300)]
    assert [r[1] for r in results[300:]] == [f"tx {n}".encode() for n in range(100)]  # type: ignore[index]
    assert sorted(r[0] for r in results[300:]) == list(range(1, 101))  # type: ignore[index]
    assert wire.round_trips == 400  # one request each, though far fewer socket writes
    await client.delete(key)
    await wire.aclose()
    await client.aclose()


@pytest.mark.parametrize(
    ("reply", "error_class", "message"),
    [
        ("NOSCRIPT No matching script.", NoScriptError, "No matching script."),
        ("EXECABORT Transaction discarded", ExecAbortError, "Transaction discarded"),
        ("READONLY You can't write", ReadOnlyError, "You can't write"),
        ("WRONGPASS invalid username-password pair", AuthenticationError, "invalid username"),
        ("ERR unknown command 'NOPE'", ResponseError, "unknown command 'NOPE'"),
        ("WRONGTYPE Operation against a key", ResponseError, "WRONGTYPE Operation against"),
        ("OOPS", ResponseError, "OOPS"),
    ],
)
def test_error_replies_become_the_exceptions_redis_py_raises(
    reply: str, error_class: type[Exception], message: str
) -> None:
    """The wire parses with hiredis alone (no private redis-py parser): the callers still see
    redis-py's public exception classes, with redis-py's messages."""
    error = reply_error(reply)
    assert type(error) is error_class and str(error).startswith(message)


def test_the_wire_imports_no_private_redis_module() -> None:
    for module in ("wire", "resp", "link"):
        source = (Path(__file__).parents[2] / "graph" / "checkpoint" / f"{module}.py").read_text()
        assert "redis._" not in source and "from redis._" not in source, module
