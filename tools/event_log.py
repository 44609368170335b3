"""The content event log: every asset transition of a campaign, appended in order.

One Redis stream per thread (``brandloom:events:{<thread_id>}``) plus a set of transition keys
that makes appends idempotent: a graph node that re-runs after a crash or a resume appends
the same transition again, and the log keeps it once. Both keys share the thread's hash tag,
so the append script stays in one Cluster slot. ``InMemoryEventLog`` is the reference
implementation for tests and benchmarks.
"""

from __future__ import annotations

import time
from typing import Any, Protocol, cast

import redis
from pydantic import BaseModel, Field

from tools.errors import StoreError

_APPEND = """
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  return redis.call('XADD', KEYS[1], '*', 'event', ARGV[2])
end
return false
"""


class ContentEvent(BaseModel):
    """One transition of one asset (or of the campaign when ``asset_id`` is empty)."""

    thread_id: str
    asset_id: str = ""
    version: int = 0
    from_status: str = ""
    to_status: str
    actor: str = ""
    """Node or user that caused it (``verifier``, ``review:alice`` ...)."""
    detail: str = ""
    at: float = Field(default_factory=time.time)
    """Unix time of the first append."""

    @property
    def transition_key(self) -> str:
        """Identity used for de-duplication: the same transition is logged once."""
        return f"{self.asset_id}|{self.version}|{self.from_status}|{self.to_status}"


class EventLog(Protocol):
    """Append-only log of content events, idempotent per ``transition_key``."""

    def append(self, event: ContentEvent) -> bool:
        """Append unless already logged; True when it was new."""
        ...

    def read(self, thread_id: str) -> list[ContentEvent]:
        """Every event of a campaign, oldest first."""
        ...


class InMemoryEventLog:
    """Process-local event log (tests, benchmarks, runs without Redis)."""

    def __init__(self) -> None:
        self._events: dict[str, list[ContentEvent]] = {}
        self._seen: set[tuple[str, str]] = set()

    def append(self, event: ContentEvent) -> bool:
        key = (event.thread_id, event.transition_key)
        if key in self._seen:
            return False
        self._seen.add(key)
        self._events.setdefault(event.thread_id, []).append(event)
        return True

    def read(self, thread_id: str) -> list[ContentEvent]:
        return list(self._events.get(thread_id, []))


class RedisEventLog:
    """The event log in Redis: a stream per thread and a de-duplication set."""

    def __init__(self, client: redis.Redis, *, prefix: str = "brandloom:events") -> None:
        self.client = client
        self.prefix = prefix
        self._append = client.register_script(_APPEND)

    def _keys(self, thread_id: str) -> list[str]:
        stream = f"{self.prefix}:{{{thread_id}}}"
        return [stream, stream + ":seen"]

    def append(self, event: ContentEvent) -> bool:
        try:
            added = self._append(
                keys=self._keys(event.thread_id),
                args=[event.transition_key, event.model_dump_json()],
            )
        except redis.RedisError as error:
            raise StoreError(f"content event log unavailable: {error}") from error
        return added is not None and added is not False

    def read(self, thread_id: str) -> list[ContentEvent]:
        try:
            entries = cast(
                list[tuple[Any, dict[Any, Any]]], self.client.xrange(self._keys(thread_id)[0])
            )
        except redis.RedisError as error:
            raise StoreError(f"content event log unavailable: {error}") from error
        return [
            ContentEvent.model_validate_json(fields.get(b"event") or fields["event"])
            for _, fields in entries
        ]
