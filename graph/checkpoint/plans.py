"""The I/O-free halves of every saver call: what to send to Redis and how to read the reply.

``RedisSaver`` and ``AsyncRedisSaver`` share these, so each of their methods is a thin shell
(build the arguments -> one Redis round trip, plain or awaited -> decode the reply) and both
savers send exactly the same commands. Nothing here talks to Redis: pipelines passed in only
have commands queued on them; the caller executes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)

from graph.checkpoint import codec, scripts
from graph.checkpoint.base import RedisSaverBase, text
from graph.checkpoint.link import Command
from graph.checkpoint.listing import ListQuery

ScriptT = TypeVar("ScriptT")


@dataclass(frozen=True)
class SaverScripts(Generic[ScriptT]):
    """The saver's Lua scripts registered on one client (``Script`` or ``AsyncScript``)."""

    trim: ScriptT
    guarded_writes: ScriptT
    get: ScriptT
    list: ScriptT
    prune: ScriptT
    delete_runs: ScriptT
    delete_thread: ScriptT
    export: ScriptT
    import_: ScriptT

    @classmethod
    def register(cls, register_script: Callable[[str], ScriptT]) -> SaverScripts[ScriptT]:
        """Register every script with ``client.register_script`` (no round trip)."""
        return cls(
            trim=register_script(scripts.TRIM),
            guarded_writes=register_script(scripts.GUARDED_WRITES),
            get=register_script(scripts.GET_TUPLE),
            list=register_script(scripts.LIST),
            prune=register_script(scripts.PRUNE),
            delete_runs=register_script(scripts.DELETE_RUNS),
            delete_thread=register_script(scripts.DELETE_THREAD),
            export=register_script(scripts.EXPORT),
            import_=register_script(scripts.IMPORT),
        )


@dataclass(frozen=True)
class ScriptCall:
    """KEYS and ARGV of one script call, and the thread it concerns (for error messages)."""

    thread_id: str
    keys: list[str]
    args: list[Any]

    def evalsha(self, sha: str) -> tuple[Any, ...]:
        """The EVALSHA command running script ``sha`` with these KEYS and ARGV."""
        return ("EVALSHA", sha, len(self.keys), *self.keys, *self.args)


@dataclass(frozen=True)
class WriteCall:
    """One put or put_writes: a MULTI/EXEC body and the commands sent just ahead of it."""

    thread_id: str
    body: list[Command]
    """The transaction: HSET/HSETNX into the data hash, ZADD into the index, TTL, TRIM."""
    ahead: list[Command]
    """Sent in the same round trip before the transaction (the run index: another slot)."""
    run_id: str
    """The run this call indexes ('' = none): remembered once the call succeeded."""


class RedisSaverPlans(RedisSaverBase):
    """Argument building and reply decoding shared by the sync and async savers."""

    scripts: SaverScripts[Any]

    # --- reads -----------------------------------------------------------------------------

    def _get_call(self, config: RunnableConfig) -> ScriptCall:
        target = codec.target_of(config)
        argv: list[Any] = [self.ttl_ms, target.checkpoint_ns, target.checkpoint_id]
        return ScriptCall(target.thread_id, self.thread_keys(target.thread_id), argv)

    def _decode_row(self, thread_id: str, row: Sequence[Any] | None) -> CheckpointTuple | None:
        """The CheckpointTuple of a GET_TUPLE/LIST row (None for an empty reply)."""
        return codec.decode_row(self.serde, thread_id, row) if row else None

    def _list_call(self, query: ListQuery, upper: str, page: int) -> ScriptCall:
        """One LIST page of at most ``page`` checkpoints below ``upper`` ('' = the newest)."""
        thread_id = query.target.thread_id
        args = [self.ttl_ms, *query.argv(upper, page)]
        return ScriptCall(thread_id, self.thread_keys(thread_id), args)

    def _page_tuples(self, query: ListQuery, rows: Iterable[Any]) -> Iterator[CheckpointTuple]:
        """The accepted tuples of one LIST page, decoded lazily, stopping once ``query.done``."""
        for row in rows:
            found = self._decode_row(query.target.thread_id, row)
            if found is not None and query.accept(found):
                yield found
                if query.done:
                    return

    @staticmethod
    def _next_upper(names: Sequence[Any], page: int) -> str | None:
        """Upper bound of the next LIST page, or None when this page was the last."""
        return None if len(names) < page else text(names[-1])

    # --- writes ----------------------------------------------------------------------------

    def _put_call(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> tuple[WriteCall, RunnableConfig]:
        """The put's transaction and the config ``put`` returns."""
        plan = codec.put_args(self.serde, config, checkpoint, metadata, new_versions)
        target = plan.target
        index, data = self.thread_keys(target.thread_id)
        body: list[Command] = [("HSET", data, *plan.fields), ("ZADD", index, *plan.members)]
        keep = 0 if plan.uses_delta_channels else self.keep_last
        if keep:
            trim = ("EVALSHA", self.scripts.trim.sha, 2, index, data, 0, keep, target.checkpoint_ns)
            body.append(trim)
        self._expire(body, index, data)
        register = self._needs_run_registration(plan.run_id, target.thread_id)
        saved: RunnableConfig = {
            "configurable": {
                "thread_id": target.thread_id,
                "checkpoint_ns": target.checkpoint_ns,
                "checkpoint_id": target.checkpoint_id,
            }
        }
        ahead = self._run_index(plan.run_id, target.thread_id) if register else []
        return WriteCall(target.thread_id, body, ahead, plan.run_id if register else ""), saved

    def _put_writes_call(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> WriteCall | None:
        """The PUT_WRITES transaction, or None when there is nothing to write."""
        target, framed = codec.put_writes_args(self.serde, config, writes, task_id, task_path)
        if not framed:
            return None
        index, data = self.thread_keys(target.thread_id)
        if self.keep_last:
            guarded: list[Any] = ["EVALSHA", self.scripts.guarded_writes.sha, 2, index, data]
            guarded += [self.ttl_ms, target.name]
            for field, value, overwrite in framed:
                guarded += [field, value, "1" if overwrite else "0"]
            return WriteCall(target.thread_id, [tuple(guarded)], [], "")
        body: list[Command] = [
            ("HSET" if overwrite else "HSETNX", data, field, value)
            for field, value, overwrite in framed
        ]
        members: list[Any] = []
        for field, _, _ in framed:
            members += [0, field]
        body.append(("ZADD", index, *members))
        self._expire(body, index, data)
        return WriteCall(target.thread_id, body, [], "")

    def _expire(self, body: list[Command], index: str, data: str) -> None:
        """Refresh the thread's TTL at the end of a write transaction (when TTLs are on)."""
        if self.ttl_ms:
            body += [("PEXPIRE", index, self.ttl_ms), ("PEXPIRE", data, self.ttl_ms)]

    def _run_index(self, run_id: str, thread_id: str) -> list[Command]:
        """The commands adding ``thread_id`` to the index set of ``run_id``."""
        run_key = self.keys.run(run_id)
        commands: list[Command] = [("SADD", run_key, thread_id)]
        if self.ttl_ms:
            commands.append(("PEXPIRE", run_key, self.ttl_ms))
        return commands
