"""``RedisSaver``: the synchronous LangGraph checkpointer on core Redis commands.

One EVALSHA per saver call (put, put_writes, get_tuple, one page of list). The async methods
run the sync ones in a worker thread; for native asyncio use ``AsyncRedisSaver`` (``aio.py``).
Works with ``redis.Redis`` and ``redis.RedisCluster`` clients created with
``decode_responses=False``.
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

from graph.checkpoint import codec, scripts
from graph.checkpoint.base import RedisSaverBase, redis_errors, text
from graph.checkpoint.lease import ThreadLease
from graph.checkpoint.listing import ListQuery

SyncClient = redis.Redis | redis.RedisCluster


class RedisSaver(RedisSaverBase):
    """Checkpoints, pending writes and channel blobs of each thread in two Redis keys.

    See ``RedisSaverBase`` for ``prefix``, ``ttl_seconds``, ``keep_last`` and ``serde``.
    """

    def __init__(self, client: SyncClient, **options: Any) -> None:
        super().__init__(**options)
        self.client = client
        self._put = client.register_script(scripts.PUT)
        self._put_writes = client.register_script(scripts.PUT_WRITES)
        self._get = client.register_script(scripts.GET_TUPLE)
        self._list = client.register_script(scripts.LIST)
        self._prune = client.register_script(scripts.PRUNE)
        self._delete_runs = client.register_script(scripts.DELETE_RUNS)
        self._delete_thread = client.register_script(scripts.DELETE_THREAD)
        self._export = client.register_script(scripts.EXPORT)
        self._import = client.register_script(scripts.IMPORT)

    def _run(self, script: Script, keys: list[str], args: Sequence[Any]) -> Any:
        """EVALSHA directly (the hot path); on NOSCRIPT, redis-py's Script loads and retries."""
        try:
            return self.client.evalsha(script.sha, len(keys), *keys, *args)
        except NoScriptError:
            return script(keys=keys, args=args)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisSaver:
        return cls(redis.Redis.from_url(url, decode_responses=False), **options)

    def lease(
        self, thread_id: str, *, ttl_ms: int | None = None, renew: bool = True
    ) -> ThreadLease:
        """The one-writer lease of ``thread_id`` (``with saver.lease(t): ...``)."""
        return ThreadLease(
            self.client,
            self.keys.thread(thread_id).lease,
            thread_id,
            ttl_ms=ttl_ms or self.lease_ttl_ms,
            renew=renew,
        )

    # --- reads -----------------------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        target = codec.target_of(config)
        argv: list[Any] = [self.ttl_ms, target.checkpoint_ns, target.checkpoint_id]
        with redis_errors("read a checkpoint", target.thread_id):
            row = self._run(self._get, self.thread_keys(target.thread_id), argv)
        return codec.decode_row(self.serde, target.thread_id, row) if row else None

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        query = ListQuery.of(config, filter, before, limit)
        keys = self.thread_keys(query.target.thread_id)
        upper = query.first_upper()
        while not query.done:
            page = query.page_size()
            with redis_errors("list checkpoints", query.target.thread_id):
                names, rows = self._run(self._list, keys, [self.ttl_ms, *query.argv(upper, page)])
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

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        plan = codec.put_args(self.serde, config, checkpoint, metadata, new_versions)
        target = plan.target
        keys = self.thread_keys(target.thread_id)
        keep = 0 if plan.uses_delta_channels else self.keep_last
        args = [self.ttl_ms, keep, *plan.argv]
        with redis_errors("save a checkpoint", target.thread_id):
            if self._needs_run_registration(plan.run_id, target.thread_id):
                self._register_run_and_put(plan.run_id, target.thread_id, keys, args)
            else:
                self._run(self._put, keys, args)
        return {
            "configurable": {
                "thread_id": target.thread_id,
                "checkpoint_ns": target.checkpoint_ns,
                "checkpoint_id": target.checkpoint_id,
            }
        }

    def _register_run_and_put(
        self, run_id: str, thread_id: str, keys: Sequence[str], args: Sequence[Any]
    ) -> None:
        """Index the run first, then put, in one pipelined round trip."""
        pipe = self.client.pipeline(transaction=False)
        self._add_run_index(pipe, run_id, thread_id)
        pipe.execute_command("EVALSHA", self._put.sha, len(keys), *keys, *args)
        outcome = pipe.execute(raise_on_error=False)[-1]
        if isinstance(outcome, NoScriptError):
            self._put(keys=keys, args=args)
        elif isinstance(outcome, Exception):
            raise outcome
        self._remember_run(run_id, thread_id)

    def _add_run_index(self, pipe: Any, run_id: str, thread_id: str) -> None:
        run_key = self.keys.run(run_id)
        pipe.sadd(run_key, thread_id)
        if self.ttl_ms:
            pipe.pexpire(run_key, self.ttl_ms)

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        target, argv = codec.put_writes_args(self.serde, config, writes, task_id, task_path)
        if not argv:
            return
        with redis_errors("save pending writes", target.thread_id):
            keys = self.thread_keys(target.thread_id)
            self._run(self._put_writes, keys, [self.ttl_ms, target.name, *argv])

    # --- deletion, copy, prune -------------------------------------------------------------

    def delete_thread(self, thread_id: str) -> None:
        thread_id = self._thread_ids([thread_id])[0]
        with redis_errors("delete a thread", thread_id):
            runs = self._delete_thread(keys=self.thread_keys(thread_id), args=[self.ttl_ms])
            if runs:
                pipe = self.client.pipeline(transaction=False)
                for run in runs:
                    pipe.srem(self.keys.run(text(run)), thread_id)
                pipe.execute()
        self._registered_runs = {p for p in self._registered_runs if p[1] != thread_id}

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        runs = self._run_ids(run_ids)
        if not runs:
            return
        with redis_errors("delete runs"):
            pipe = self.client.pipeline(transaction=False)
            for run in runs:
                pipe.smembers(self.keys.run(run))
            threads = sorted({text(t) for members in pipe.execute() for t in members})
            for thread_id in threads:
                self._delete_runs(keys=self.thread_keys(thread_id), args=[self.ttl_ms, *runs])
            pipe = self.client.pipeline(transaction=False)
            for run in runs:
                pipe.delete(self.keys.run(run))
            pipe.execute()
        self._forget_runs(runs)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        source, target = self._thread_ids([source_thread_id, target_thread_id])
        with redis_errors("copy a thread", source):
            exported = self._export(keys=self.thread_keys(source), args=[self.ttl_ms])
            if not exported:
                return
            members, fields = exported
            pipe = self.client.pipeline(transaction=False)
            for run in codec.run_ids_of(members):
                self._add_run_index(pipe, run, target)
            pipe.execute()
            self._import(
                keys=self.thread_keys(target), args=[self.ttl_ms, len(members), *members, *fields]
            )

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
        for thread_id in threads:
            if keep == 0:
                self.delete_thread(thread_id)
                continue
            with redis_errors("prune a thread", thread_id):
                self._prune(keys=self.thread_keys(thread_id), args=[self.ttl_ms, keep])

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
