"""``AsyncRedisSaver``: the asyncio LangGraph checkpointer (same storage as ``RedisSaver``).

Built on ``redis.asyncio.Redis`` or ``redis.asyncio.RedisCluster`` (``decode_responses=False``).
Sync calls (``graph.get_state``) from another thread are bridged to the event loop the saver
was last used on; on that loop itself they raise ConfigError (they would deadlock it).
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

from graph.checkpoint import codec, scripts
from graph.checkpoint.base import RedisSaverBase, redis_errors, text
from graph.checkpoint.lease import AsyncThreadLease
from graph.checkpoint.listing import ListQuery
from tools.errors import ConfigError

AsyncClient = redis.asyncio.Redis | redis.asyncio.RedisCluster
T = TypeVar("T")


class AsyncRedisSaver(RedisSaverBase):
    """Asyncio twin of ``RedisSaver``; see ``RedisSaverBase`` for the options."""

    def __init__(self, client: AsyncClient, **options: Any) -> None:
        super().__init__(**options)
        self.client = client
        self._loop: asyncio.AbstractEventLoop | None = None
        self._put = client.register_script(scripts.PUT)
        self._put_writes = client.register_script(scripts.PUT_WRITES)
        self._get = client.register_script(scripts.GET_TUPLE)
        self._list = client.register_script(scripts.LIST)
        self._prune = client.register_script(scripts.PRUNE)
        self._delete_runs = client.register_script(scripts.DELETE_RUNS)
        self._delete_thread = client.register_script(scripts.DELETE_THREAD)
        self._export = client.register_script(scripts.EXPORT)
        self._import = client.register_script(scripts.IMPORT)

    async def _run(self, script: AsyncScript, keys: list[str], args: Sequence[Any]) -> Any:
        """EVALSHA directly (the hot path); on NOSCRIPT, redis-py's Script loads and retries."""
        try:
            return await self.client.evalsha(script.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await script(keys=keys, args=args)

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

    def _note_loop(self) -> None:
        self._loop = asyncio.get_running_loop()

    # --- reads -----------------------------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        self._note_loop()
        target = codec.target_of(config)
        argv: list[Any] = [self.ttl_ms, target.checkpoint_ns, target.checkpoint_id]
        with redis_errors("read a checkpoint", target.thread_id):
            row = await self._run(self._get, self.thread_keys(target.thread_id), argv)
        return codec.decode_row(self.serde, target.thread_id, row) if row else None

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
        keys = self.thread_keys(query.target.thread_id)
        upper = query.first_upper()
        while not query.done:
            page = query.page_size()
            with redis_errors("list checkpoints", query.target.thread_id):
                names, rows = await self._run(
                    self._list, keys, [self.ttl_ms, *query.argv(upper, page)]
                )
            for row in rows:
                found = codec.decode_row(self.serde, query.target.thread_id, row) if row else None
                if found is not None and query.accept(found):
                    yield found
                    if query.done:
                        return
            if len(names) < page:
                return
            upper = text(names[-1])

    # --- writes ----------------------------------------------------------------------------

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self._note_loop()
        plan = codec.put_args(self.serde, config, checkpoint, metadata, new_versions)
        target = plan.target
        keys = self.thread_keys(target.thread_id)
        keep = 0 if plan.uses_delta_channels else self.keep_last
        args = [self.ttl_ms, keep, *plan.argv]
        with redis_errors("save a checkpoint", target.thread_id):
            if self._needs_run_registration(plan.run_id, target.thread_id):
                await self._register_run_and_put(plan.run_id, target.thread_id, keys, args)
            else:
                await self._run(self._put, keys, args)
        return {
            "configurable": {
                "thread_id": target.thread_id,
                "checkpoint_ns": target.checkpoint_ns,
                "checkpoint_id": target.checkpoint_id,
            }
        }

    async def _register_run_and_put(
        self, run_id: str, thread_id: str, keys: list[str], args: list[Any]
    ) -> None:
        """Index the run first, then put, in one pipelined round trip."""
        pipe = self.client.pipeline(transaction=False)
        self._add_run_index(pipe, run_id, thread_id)
        pipe.execute_command("EVALSHA", self._put.sha, len(keys), *keys, *args)
        outcome = (await pipe.execute(raise_on_error=False))[-1]
        if isinstance(outcome, NoScriptError):
            await self._put(keys=keys, args=args)
        elif isinstance(outcome, Exception):
            raise outcome
        self._remember_run(run_id, thread_id)

    def _add_run_index(self, pipe: Any, run_id: str, thread_id: str) -> None:
        run_key = self.keys.run(run_id)
        pipe.sadd(run_key, thread_id)
        if self.ttl_ms:
            pipe.pexpire(run_key, self.ttl_ms)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._note_loop()
        target, argv = codec.put_writes_args(self.serde, config, writes, task_id, task_path)
        if not argv:
            return
        with redis_errors("save pending writes", target.thread_id):
            keys = self.thread_keys(target.thread_id)
            await self._run(self._put_writes, keys, [self.ttl_ms, target.name, *argv])

    # --- deletion, copy, prune -------------------------------------------------------------

    async def adelete_thread(self, thread_id: str) -> None:
        thread_id = self._thread_ids([thread_id])[0]
        with redis_errors("delete a thread", thread_id):
            runs = await self._delete_thread(keys=self.thread_keys(thread_id), args=[self.ttl_ms])
            if runs:
                pipe = self.client.pipeline(transaction=False)
                for run in runs:
                    pipe.srem(self.keys.run(text(run)), thread_id)
                await pipe.execute()
        self._registered_runs = {p for p in self._registered_runs if p[1] != thread_id}

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        runs = self._run_ids(run_ids)
        if not runs:
            return
        with redis_errors("delete runs"):
            pipe = self.client.pipeline(transaction=False)
            for run in runs:
                pipe.smembers(self.keys.run(run))
            threads = sorted({text(t) for members in await pipe.execute() for t in members})
            for thread_id in threads:
                await self._delete_runs(keys=self.thread_keys(thread_id), args=[self.ttl_ms, *runs])
            pipe = self.client.pipeline(transaction=False)
            for run in runs:
                pipe.delete(self.keys.run(run))
            await pipe.execute()
        self._forget_runs(runs)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        source, target = self._thread_ids([source_thread_id, target_thread_id])
        with redis_errors("copy a thread", source):
            exported = await self._export(keys=self.thread_keys(source), args=[self.ttl_ms])
            if not exported:
                return
            members, fields = exported
            pipe = self.client.pipeline(transaction=False)
            for run in codec.run_ids_of(members):
                self._add_run_index(pipe, run, target)
            await pipe.execute()
            args = [self.ttl_ms, len(members), *members, *fields]
            await self._import(keys=self.thread_keys(target), args=args)

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
        for thread_id in threads:
            if keep == 0:
                await self.adelete_thread(thread_id)
                continue
            with redis_errors("prune a thread", thread_id):
                await self._prune(keys=self.thread_keys(thread_id), args=[self.ttl_ms, keep])

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
