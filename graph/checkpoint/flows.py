"""Multi-round-trip saver calls (delete, copy, prune) written once, as step generators.

A flow yields one Redis round trip at a time (a ``ScriptStep`` or a ``PipelineStep``) and is
sent its reply, or thrown the exception it raised, so the flow's own ``redis_errors`` blocks map
failures exactly as straight-line code would. ``RedisSaver`` runs the steps with plain calls,
``AsyncRedisSaver`` awaits them: both send the same commands in the same order, and a flow
itself does no I/O.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from graph.checkpoint import codec
from graph.checkpoint.base import redis_errors, text
from graph.checkpoint.plans import RedisSaverPlans, ScriptCall

ScriptName = Literal["prune", "delete_runs", "delete_thread", "export", "import_"]


@dataclass(frozen=True)
class ScriptStep:
    """Run one registered script (by its ``SaverScripts`` field) with ``call``'s KEYS/ARGV."""

    script: ScriptName
    call: ScriptCall


@dataclass(frozen=True)
class PipelineStep:
    """Queue commands on a fresh non-transactional pipeline, then execute it (one round trip)."""

    queue: Callable[[Any], None]


Step = ScriptStep | PipelineStep
Flow = Generator[Step, Any, None]
"""Yields steps, receives each step's reply (a script's reply or the pipeline's reply list)."""


class RedisSaverFlows(RedisSaverPlans):
    """The deletion, copy and prune flows shared by the sync and async savers."""

    def _delete_thread_flow(self, thread_id: str) -> Flow:
        thread_id = self._thread_ids([thread_id])[0]
        with redis_errors("delete a thread", thread_id):
            call = ScriptCall(thread_id, self.thread_keys(thread_id), [self.ttl_ms])
            runs = yield ScriptStep("delete_thread", call)
            if runs:
                yield PipelineStep(lambda pipe: self._queue_unindex(pipe, runs, thread_id))
        self._registered_runs = {p for p in self._registered_runs if p[1] != thread_id}

    def _delete_for_runs_flow(self, run_ids: Sequence[str]) -> Flow:
        runs = self._run_ids(run_ids)
        if not runs:
            return
        with redis_errors("delete runs"):
            member_sets = yield PipelineStep(lambda pipe: self._queue_run_members(pipe, runs))
            for thread_id in sorted({text(t) for members in member_sets for t in members}):
                call = ScriptCall(thread_id, self.thread_keys(thread_id), [self.ttl_ms, *runs])
                yield ScriptStep("delete_runs", call)
            yield PipelineStep(lambda pipe: self._queue_drop_run_indexes(pipe, runs))
        self._forget_runs(runs)

    def _copy_thread_flow(self, source_thread_id: str, target_thread_id: str) -> Flow:
        source, target = self._thread_ids([source_thread_id, target_thread_id])
        with redis_errors("copy a thread", source):
            export = ScriptCall(source, self.thread_keys(source), [self.ttl_ms])
            exported = yield ScriptStep("export", export)
            if not exported:
                return
            members, fields = exported
            yield PipelineStep(lambda pipe: self._queue_copied_run_index(pipe, members, target))
            args = [self.ttl_ms, len(members), *members, *fields]
            yield ScriptStep("import_", ScriptCall(target, self.thread_keys(target), args))

    def _prune_flow(self, thread_ids: Sequence[str], keep: int) -> Flow:
        """Prune (``keep`` > 0) or delete (``keep`` == 0) already validated threads."""
        for thread_id in thread_ids:
            if keep == 0:
                yield from self._delete_thread_flow(thread_id)
                continue
            with redis_errors("prune a thread", thread_id):
                call = ScriptCall(thread_id, self.thread_keys(thread_id), [self.ttl_ms, keep])
                yield ScriptStep("prune", call)

    def _queue_unindex(self, pipe: Any, runs: Iterable[Any], thread_id: str) -> None:
        """Queue removing ``thread_id`` from the index sets of ``runs`` (DELETE_THREAD reply)."""
        for run in runs:
            pipe.srem(self.keys.run(text(run)), thread_id)

    def _queue_run_members(self, pipe: Any, runs: Sequence[str]) -> None:
        """Queue SMEMBERS of each run's index set (the threads the runs wrote to)."""
        for run in runs:
            pipe.smembers(self.keys.run(run))

    def _queue_drop_run_indexes(self, pipe: Any, runs: Sequence[str]) -> None:
        for run in runs:
            pipe.delete(self.keys.run(run))

    def _queue_copied_run_index(self, pipe: Any, members: Sequence[bytes], target: str) -> None:
        """Queue adding the copy ``target`` to the index of every run in the exported thread."""
        for run in codec.run_ids_of(members):
            for command in self._run_index(run, target):
                pipe.execute_command(*command)


def _advance(flow: Flow, reply: Any, error: Exception | None) -> Step | None:
    """Hand ``flow`` the last step's reply (or its exception); its next step, None at the end.

    An exception is thrown into the flow, so its own ``redis_errors`` block maps or re-raises
    it exactly as straight-line code would.
    """
    try:
        return flow.throw(error) if error is not None else flow.send(reply)
    except StopIteration:
        return None


def drive(flow: Flow, execute: Callable[[Step], Any]) -> None:
    """Run ``flow`` to its end, each step by the synchronous runner ``execute``."""
    step = _advance(flow, None, None)
    while step is not None:
        try:
            reply = execute(step)
        except Exception as exc:
            step = _advance(flow, None, exc)
        else:
            step = _advance(flow, reply, None)


async def adrive(flow: Flow, execute: Callable[[Step], Awaitable[Any]]) -> None:
    """Run ``flow`` to its end, awaiting each step on the asynchronous runner ``execute``."""
    step = _advance(flow, None, None)
    while step is not None:
        try:
            reply = await execute(step)
        except Exception as exc:
            step = _advance(flow, None, exc)
        else:
            step = _advance(flow, reply, None)
