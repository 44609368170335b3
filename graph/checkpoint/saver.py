"""``RedisSaver``: the synchronous LangGraph checkpointer on core Redis commands.

One round trip per saver call: a MULTI/EXEC for put and put_writes, an EVALSHA for get_tuple
and each page of list, sent through ``Wire`` (the saver's own connections). The async methods
run the sync ones in a worker thread; for native asyncio use ``AsyncRedisSaver`` (``aio.py``).
Works with ``redis.Redis`` and ``redis.RedisCluster`` clients created with
``decode_responses=False``. Arguments and replies are built and read in ``plans.py`` and the
multi-step calls (delete, copy, prune) are written once in ``flows.py``: the methods here only
make the Redis calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import redis
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from graph.checkpoint import scripts
from graph.checkpoint.base import redis_errors
from graph.checkpoint.flows import PipelineStep, RedisSaverFlows, Step, drive
from graph.checkpoint.lease import ThreadLease
from graph.checkpoint.link import SyncLink
from graph.checkpoint.listing import ListQuery
from graph.checkpoint.plans import SaverScripts, ScriptCall, WriteCall
from graph.checkpoint.wire import Wire

SyncClient = redis.Redis | redis.RedisCluster


class RedisSaver(RedisSaverFlows):
    """Checkpoints, pending writes and channel blobs of each thread in two Redis keys.

    See ``RedisSaverBase`` for ``prefix``, ``ttl_seconds``, ``keep_last`` and ``serde``.
    ``link`` sends the hot-path commands (default: ``Wire``, the saver's own connections;
    ``link.ClientLink`` sends the same round trips through redis-py, as ``bench/wire.py`` does).
    """

    def __init__(self, client: SyncClient, *, link: SyncLink | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.client = client
        self.scripts: SaverScripts[Script] = SaverScripts.register(client.register_script)
        self._wire: SyncLink = link or Wire(client)

    def _run(self, script: Script, call: ScriptCall) -> Any:
        """EVALSHA directly (the hot path); on NOSCRIPT, redis-py's Script loads and retries."""
        try:
            return self._wire.call(call.evalsha(script.sha))
        except NoScriptError:
            return script(keys=call.keys, args=call.args)

    def close(self) -> None:
        """Close the saver's own connections (the client passed in stays open)."""
        self._wire.close()

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisSaver:
        return cls(redis.Redis.from_url(url, decode_responses=False), **options)

    def lease(
        self, thread_id: str, *, ttl_ms: int | None = None, renew: bool = True
    ) -> ThreadLease:
        """The one-writer lease of ``thread_id`` (``with saver.lease(t): ...``)."""
        key = self.keys.thread(thread_id).lease
        return ThreadLease(
            self.client, key, thread_id, ttl_ms=ttl_ms or self.lease_ttl_ms, renew=renew
        )

    # --- reads -----------------------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        call = self._get_call(config)
        with redis_errors("read a checkpoint", call.thread_id):
            row = self._run(self.scripts.get, call)
        return self._decode_row(call.thread_id, row)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        query = ListQuery.of(config, filter, before, limit)
        upper: str | None = query.first_upper()
        while upper is not None and not query.done:
            page = query.page_size()
            call = self._list_call(query, upper, page)
            with redis_errors("list checkpoints", call.thread_id):
                names, rows = self._run(self.scripts.list, call)
            yield from self._page_tuples(query, rows)
            upper = self._next_upper(names, page)

    # --- writes ----------------------------------------------------------------------------

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        call, saved = self._put_call(config, checkpoint, metadata, new_versions)
        with redis_errors("save a checkpoint", call.thread_id):
            self._write(call)
        return saved

    def _write(self, call: WriteCall) -> None:
        """One write transaction; after a server restart its script may be unknown: load, retry."""
        try:
            self._wire.transaction(call.body, call.ahead)
        except NoScriptError:
            self._load_write_scripts()
            self._wire.transaction(call.body, call.ahead)
        if call.run_id:
            self._remember_run(call.run_id, call.thread_id)

    def _load_write_scripts(self) -> None:
        for source in (scripts.TRIM, scripts.GUARDED_WRITES):
            self.client.script_load(source)

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        call = self._put_writes_call(config, writes, task_id, task_path)
        if call is not None:
            with redis_errors("save pending writes", call.thread_id):
                self._write(call)

    # --- deletion, copy, prune: flows.py, run step by step -----------------------------------

    def _execute(self, step: Step) -> Any:
        """One round trip of a flow: a registered script, or a pipeline of queued commands."""
        if isinstance(step, PipelineStep):
            pipe = self.client.pipeline(transaction=False)
            step.queue(pipe)
            return pipe.execute()
        script: Script = getattr(self.scripts, step.script)
        return script(keys=step.call.keys, args=step.call.args)

    def delete_thread(self, thread_id: str) -> None:
        drive(self._delete_thread_flow(thread_id), self._execute)

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        drive(self._delete_for_runs_flow(run_ids), self._execute)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        drive(self._copy_thread_flow(source_thread_id, target_thread_id), self._execute)

    def prune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep_last: int | None = None,
    ) -> None:
        """Keep the newest ``keep_last`` (default 1) checkpoints of every namespace.

        Pending writes of dropped checkpoints and blobs no kept checkpoint references go with
        them; a kept checkpoint whose parent was dropped loses its parent pointer.
        ``strategy="delete"`` deletes the threads.
        """
        threads = self._thread_ids(thread_ids)
        keep = self._keep_for(strategy, keep_last)
        if keep:
            for thread_id in threads:
                self._refuse_delta_thread(self.get_tuple(self._root_config(thread_id)))
        drive(self._prune_flow(threads, keep), self._execute)

    # --- async API: the sync calls in a worker thread ----------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await asyncio.to_thread(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        found = await asyncio.to_thread(
            lambda: [*self.list(config, filter=filter, before=before, limit=limit)]
        )
        for item in found:
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await asyncio.to_thread(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await asyncio.to_thread(self.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await asyncio.to_thread(self.copy_thread, source_thread_id, target_thread_id)

    async def aprune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep_last: int | None = None,
    ) -> None:
        await asyncio.to_thread(
            lambda: self.prune(thread_ids, strategy=strategy, keep_last=keep_last)
        )
