"""Shared configuration of the sync and async Redis savers (no I/O here)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import redis
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple, SerializerProtocol

from graph.checkpoint import codec
from graph.checkpoint.keys import KeySpace, ThreadKeys, require_text
from tools.errors import BrandloomError, InputError, StoreError
from tools.redis_server import redis_unreachable

PruneStrategy = Literal["keep_latest", "delete"]

_CACHE_CAP = 10_000
"""Entries kept in the per-process caches (thread keys, registered runs) before a reset."""


class RedisSaverBase(BaseCheckpointSaver[str]):
    """Key space, TTL, pruning policy and error mapping shared by both savers.

    Args:
        prefix: key prefix; savers with different prefixes never see each other's threads.
        ttl_seconds: expire a thread this long after its last read or write (None: never).
        keep_last: prune every namespace to its newest N checkpoints inside each put (None:
            keep the whole history; forking and time travel need it).
        lease_ttl_ms: default TTL of ``lease()``: how long a crashed holder blocks a thread.
        serde: LangGraph serializer (default: JsonPlusSerializer, msgpack, no pickle).
    """

    def __init__(
        self,
        *,
        prefix: str = "brandloom:cp",
        ttl_seconds: int | None = None,
        keep_last: int | None = None,
        lease_ttl_ms: int = 30_000,
        serde: SerializerProtocol | None = None,
    ) -> None:
        super().__init__(serde=serde)
        if ttl_seconds is not None and ttl_seconds <= 0:
            raise InputError("ttl_seconds must be a positive number of seconds or None")
        if keep_last is not None and keep_last < 1:
            raise InputError("keep_last must be at least 1 or None")
        self.keys = KeySpace(prefix)
        self.ttl_ms = ttl_seconds * 1000 if ttl_seconds else 0
        self.keep_last = keep_last or 0
        self.lease_ttl_ms = lease_ttl_ms
        self._registered_runs: set[tuple[str, str]] = set()
        self._thread_keys: dict[str, list[str]] = {}

    def get_next_version(self, current: str | None, channel: None = None) -> str:
        return codec.next_version(current)

    def thread_keys(self, thread_id: str) -> list[str]:
        """``[index, data]`` keys of a thread (cached: computed on every saver call)."""
        cached = self._thread_keys.get(thread_id)
        if cached is None:
            if len(self._thread_keys) >= _CACHE_CAP:
                self._thread_keys.clear()
            keys: ThreadKeys = self.keys.thread(thread_id)
            cached = self._thread_keys[thread_id] = [keys.index, keys.data]
        return cached

    def _needs_run_registration(self, run_id: str, thread_id: str) -> bool:
        """Whether this process has yet to add ``thread_id`` to the run's index set."""
        return bool(run_id) and (run_id, thread_id) not in self._registered_runs

    def _remember_run(self, run_id: str, thread_id: str) -> None:
        if len(self._registered_runs) >= _CACHE_CAP:
            self._registered_runs.clear()
        self._registered_runs.add((run_id, thread_id))

    def _forget_runs(self, run_ids: Sequence[str]) -> None:
        gone = set(run_ids)
        self._registered_runs = {pair for pair in self._registered_runs if pair[0] not in gone}

    @staticmethod
    def _thread_ids(thread_ids: Iterable[str]) -> list[str]:
        return _ids(thread_ids, "thread_id")

    @staticmethod
    def _run_ids(run_ids: Iterable[str]) -> list[str]:
        return _ids(run_ids, "run_id")

    @staticmethod
    def _root_config(thread_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}

    @staticmethod
    def _refuse_delta_thread(latest: CheckpointTuple | None) -> None:
        """InputError for a thread using DeltaChannel: pruning would silently empty it."""
        if latest is not None and codec.DELTA_METADATA_KEY in latest.metadata:
            thread_id = latest.config["configurable"]["thread_id"]
            raise InputError(
                f"thread {thread_id!r} uses a DeltaChannel, whose value is rebuilt from older "
                "checkpoints: it cannot be pruned (nothing was pruned)"
            )

    @staticmethod
    def _keep_for(strategy: str, keep_last: int | None) -> int:
        """How many checkpoints per namespace a prune keeps (0 = delete the threads)."""
        if strategy == "delete":
            return 0
        if strategy != "keep_latest":
            raise InputError(f"unknown prune strategy {strategy!r}: use 'keep_latest' or 'delete'")
        keep = 1 if keep_last is None else keep_last
        if keep < 1:
            raise InputError("keep_last must be at least 1")
        return keep


def _ids(values: Iterable[str], what: str) -> list[str]:
    """A list of ids (any iterable but a lone string), each checked by ``require_text``."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InputError(f"{what}s must be a list of ids, not a single string")
    return [require_text(value, what) for value in values]


@contextmanager
def redis_errors(action: str, thread_id: str | None = None) -> Iterator[None]:
    """Turn a Redis failure into a StoreError that says what failed and for which thread."""
    try:
        yield
    except BrandloomError:
        raise
    except redis.RedisError as exc:
        where = f" for thread {thread_id!r}" if thread_id is not None else ""
        unreachable = redis_unreachable(exc, f"failed to {action}{where}")
        if unreachable is not None:
            raise unreachable from exc
        raise StoreError(f"checkpoint store failed to {action}{where}: {exc}") from exc


def text(raw: Any) -> str:
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
