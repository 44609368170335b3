"""``AsyncRedisSaver``: the asyncio LangGraph checkpointer (same storage as ``RedisSaver``).

Built on ``redis.asyncio.Redis`` or ``redis.asyncio.RedisCluster`` (``decode_responses=False``).
Sync calls (``graph.get_state``) from another thread are bridged to the event loop the saver
was last used on; on that loop itself they raise ConfigError (they would deadlock it).
Arguments and replies are built and read in ``plans.py``, delete/copy/prune are the step flows
of ``flows.py`` (all shared with ``RedisSaver``): the methods here only await the Redis calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

import redis.asyncio
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from graph.checkpoint import scripts
from graph.checkpoint.base import redis_errors
from graph.checkpoint.flows import PipelineStep, RedisSaverFlows, Step, adrive
from graph.checkpoint.lease import AsyncStopRequests, AsyncThreadLease
from graph.checkpoint.link import AsyncLink
from graph.checkpoint.listing import ListQuery
from graph.checkpoint.plans import SaverScripts, ScriptCall, WriteCall
from graph.checkpoint.wire import AsyncWire
from tools.errors import ConfigError

AsyncClient = redis.asyncio.Redis | redis.asyncio.RedisCluster
T = TypeVar("T")


class AsyncRedisSaver(RedisSaverFlows):
    """Asyncio twin of ``RedisSaver``; see ``RedisSaverBase`` for the options and ``RedisSaver``
    for ``link`` (default: ``AsyncWire``)."""

    def __init__(
        self, client: AsyncClient, *, link: AsyncLink | None = None, **options: Any
    ) -> None:
        super().__init__(**options)
        self.client = client
        self._loop: asyncio.AbstractEventLoop | None = None
        self.scripts: SaverScripts[AsyncScript] = SaverScripts.register(client.register_script)
        self._wire: AsyncLink = link or AsyncWire(client)

    async def _run(self, script: AsyncScript, call: ScriptCall) -> Any:
        """EVALSHA directly (the hot path); on NOSCRIPT, redis-py's Script loads and retries."""
        try:
            return await self._wire.call(call.evalsha(script.sha))
        except NoScriptError:
            return await script(keys=call.keys, args=call.args)

    async def aclose(self) -> None:
        """Close the saver's own connections (the client passed in stays open)."""
        await self._wire.aclose()

    @classmethod
    def from_url(cls, url: str, **options: Any) -> AsyncRedisSaver:
        return cls(redis.asyncio.Redis.from_url(url, decode_responses=False), **options)

    def lease(
        self, thread_id: str, *, ttl_ms: int | None = None, renew: bool = True
    ) -> AsyncThreadLease:
        """The one-writer lease of ``thread_id`` (``async with saver.lease(t): ...``)."""
        key = self.keys.thread(thread_id).lease
        return AsyncThreadLease(
            self.client, key, thread_id, ttl_ms=ttl_ms or self.lease_ttl_ms, renew=renew
        )

    def stop_requests(self) -> AsyncStopRequests:
        """Stop requests to the holders of this saver's thread leases (across processes)."""
        return AsyncStopRequests(self.client, self.keys, self.lease_ttl_ms)

    def _note_loop(self) -> None:
        self._loop = asyncio.get_running_loop()

    # --- reads -----------------------------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        self._note_loop()
        call = self._get_call(config)
        with redis_errors("read a checkpoint", call.thread_id):
            row = await self._run(self.scripts.get, call)
        return self._decode_row(call.thread_id, row)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        self._note_loop()
        query = ListQuery.of(config, filter, before, limit)
        upper: str | None = query.first_upper()
        while upper is not None and not query.done:
            page = query.page_size()
            call = self._list_call(query, upper, page)
            with redis_errors("list checkpoints", call.thread_id):
                names, rows = await self._run(self.scripts.list, call)
            for found in self._page_tuples(query, rows):
                yield found
            upper = self._next_upper(names, page)

    # --- writes ----------------------------------------------------------------------------

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self._note_loop()
        call, saved = self._put_call(config, checkpoint, metadata, new_versions)
        with redis_errors("save a checkpoint", call.thread_id):
            await self._write(call)
        return saved

    async def _write(self, call: WriteCall) -> None:
        """One write transaction; after a server restart its script may be unknown: load, retry."""
        try:
            await self._wire.transaction(call.body, call.ahead)
        except NoScriptError:
            await self._load_write_scripts()
            await self._wire.transaction(call.body, call.ahead)
        if call.run_id:
            self._remember_run(call.run_id, call.thread_id)

    async def _load_write_scripts(self) -> None:
        for source in (scripts.TRIM, scripts.GUARDED_WRITES):
            await self.client.script_load(source)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._note_loop()
        call = self._put_writes_call(config, writes, task_id, task_path)
        if call is not None:
            with redis_errors("save pending writes", call.thread_id):
                await self._write(call)

    # --- deletion, copy, prune: flows.py, run step by step -----------------------------------

    async def _execute(self, step: Step) -> Any:
        """One round trip of a flow: a registered script, or a pipeline of queued commands."""
        if isinstance(step, PipelineStep):
            pipe = self.client.pipeline(transaction=False)
            step.queue(pipe)
            return await pipe.execute()
        script: AsyncScript = getattr(self.scripts, step.script)
        return await script(keys=step.call.keys, args=step.call.args)

    async def adelete_thread(self, thread_id: str) -> None:
        await adrive(self._delete_thread_flow(thread_id), self._execute)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await adrive(self._delete_for_runs_flow(run_ids), self._execute)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await adrive(self._copy_thread_flow(source_thread_id, target_thread_id), self._execute)

    async def aprune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep_last: int | None = None,
    ) -> None:
        """Keep the newest ``keep_last`` (default 1) checkpoints of every namespace.

        Same contract as ``RedisSaver.prune``.
        """
        threads = self._thread_ids(thread_ids)
        keep = self._keep_for(strategy, keep_last)
        if keep:
            for thread_id in threads:
                self._refuse_delta_thread(await self.aget_tuple(self._root_config(thread_id)))
        await adrive(self._prune_flow(threads, keep), self._execute)

    # --- sync API: bridged to the saver's event loop -----------------------------------------

    def _bridge(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or loop.is_closed() or running is loop:
            coro.close()
            raise ConfigError(
                "AsyncRedisSaver is asynchronous: use the a* methods (graph.ainvoke, "
                "graph.aget_state) or RedisSaver for synchronous calls"
            )
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self._bridge(self.aget_tuple(config))

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        async def collect() -> list[CheckpointTuple]:
            return [t async for t in self.alist(config, filter=filter, before=before, limit=limit)]

        yield from self._bridge(collect())

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self._bridge(self.aput(config, checkpoint, metadata, new_versions))

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._bridge(self.aput_writes(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        self._bridge(self.adelete_thread(thread_id))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self._bridge(self.adelete_for_runs(run_ids))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._bridge(self.acopy_thread(source_thread_id, target_thread_id))

    def prune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep_last: int | None = None,
    ) -> None:
        self._bridge(self.aprune(thread_ids, strategy=strategy, keep_last=keep_last))
