"""``InMemoryContentStore``: the reference implementation of ``ContentStore``.

A list in position order and a key index, in one process; nothing survives a restart. Used by
tests and benchmarks, and as the yardstick the contract suite holds the SQL stores to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from tools.content_store.base import (
    PAGE,
    ContentStore,
    OnAppend,
    check_lifecycle,
    number_new_events,
    touched_assets,
)
from tools.content_store.events import LIFECYCLE_TYPES, StoredEvent, StoreEvent


class InMemoryContentStore(ContentStore):
    """Events in a Python list; appends serialized by an asyncio lock."""

    def __init__(self, *, on_append: OnAppend | None = None) -> None:
        self._events: list[StoredEvent] = []
        self._positions: dict[str, int] = {}
        self._lifecycles: dict[tuple[str, str], list[StoredEvent]] = {}
        """Lifecycle events per (thread_id, asset_id): what an append checks against."""
        self._lock = asyncio.Lock()
        self._on_append = on_append

    async def append(self, events: Sequence[StoreEvent]) -> list[int]:
        async with self._lock:
            stored = {
                e.event_key: self._positions[e.event_key]
                for e in events
                if e.event_key in self._positions
            }
            positions, fresh = number_new_events(events, stored, len(self._events))
            assets = touched_assets(fresh)
            if assets:
                check_lifecycle((e for a in assets for e in self._lifecycles.get(a, [])), fresh)
            self._events.extend(fresh)
            for event in fresh:
                self._positions[event.event_key] = event.position
                if event.payload.type in LIFECYCLE_TYPES:
                    self._lifecycles.setdefault((event.thread_id, event.asset_id), []).append(event)
        if fresh and self._on_append is not None:
            await self._on_append(fresh)
        return positions

    async def read(
        self, after_position: int = 0, limit: int = PAGE, *, thread_id: str | None = None
    ) -> list[StoredEvent]:
        if thread_id is None:
            return self._events[after_position : after_position + limit]
        page: list[StoredEvent] = []
        for event in self._events[after_position:]:
            if event.thread_id == thread_id:
                page.append(event)
                if len(page) == limit:
                    break
        return page
