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
from redis.exceptions import NoScriptError

from graph.checkpoint import codec, scripts
from graph.checkpoint.base import RedisSaverBase, text
from graph.checkpoint.listing import ListQuery

ScriptT = TypeVar("ScriptT")


@dataclass(frozen=True)
class SaverScripts(Generic[ScriptT]):
    """The saver's Lua scripts registered on one client (``Script`` or ``AsyncScript``)."""

    put: ScriptT
    put_writes: ScriptT
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
            put=register_script(scripts.PUT),
            put_writes=register_script(scripts.PUT_WRITES),
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


@dataclass(frozen=True)
class PutCall(ScriptCall):
    """One PUT: the call, the run to index first (if any) and the config to return."""

    run_id: str
    register_run: bool
    """Whether the run index must be written first (pipelined with the PUT)."""
    saved: RunnableConfig


class RedisSaverPlans(RedisSaverBase):
    """Argument building and reply decoding shared by the sync and async savers."""

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
    ) -> PutCall:
        plan = codec.put_args(self.serde, config, checkpoint, metadata, new_versions)
        target = plan.target
        keep = 0 if plan.uses_delta_channels else self.keep_last
        saved: RunnableConfig = {
            "configurable": {
                "thread_id": target.thread_id,
                "checkpoint_ns": target.checkpoint_ns,
                "checkpoint_id": target.checkpoint_id,
            }
        }
        register = self._needs_run_registration(plan.run_id, target.thread_id)
        keys = self.thread_keys(target.thread_id)
        args = [self.ttl_ms, keep, *plan.argv]
        return PutCall(target.thread_id, keys, args, plan.run_id, register, saved)

    def _queue_indexed_put(self, pipe: Any, call: PutCall, put_sha: str) -> None:
        """Queue the run index, then the PUT by EVALSHA (one pipelined round trip)."""
        self._queue_run_index(pipe, call.run_id, call.thread_id)
        pipe.execute_command("EVALSHA", put_sha, len(call.keys), *call.keys, *call.args)

    @staticmethod
    def _put_needs_script_load(replies: Sequence[Any]) -> bool:
        """Read the indexed-put pipeline: True on NOSCRIPT (re-run the PUT), raise on error."""
        outcome = replies[-1]
        if isinstance(outcome, NoScriptError):
            return True
        if isinstance(outcome, Exception):
            raise outcome
        return False

    def _put_writes_call(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> ScriptCall | None:
        """The PUT_WRITES call, or None when there is nothing to write."""
        target, argv = codec.put_writes_args(self.serde, config, writes, task_id, task_path)
        if not argv:
            return None
        keys = self.thread_keys(target.thread_id)
        return ScriptCall(target.thread_id, keys, [self.ttl_ms, target.name, *argv])

    def _queue_run_index(self, pipe: Any, run_id: str, thread_id: str) -> None:
        run_key = self.keys.run(run_id)
        pipe.sadd(run_key, thread_id)
        if self.ttl_ms:
            pipe.pexpire(run_key, self.ttl_ms)
