"""The content store interface: append events once, read them in position order.

Two abstract methods (``append``, ``read``); every read model (a thread's events, an asset's
status, lineage, KPIs) and the rollback operation are built on them here, so each backend gets
them for free and may override one for speed (the SQL store computes KPIs with aggregates).
``InMemoryContentStore`` (``memory.py``) is the reference implementation; the contract suite
(``tests/tools/test_content_store_contract.py``) runs against it, SQLite and PostgreSQL.

Guarantees every backend keeps:

- **idempotent appends**: an event whose ``event_key`` is already stored is not stored again;
  ``append`` returns its original position and allocates no new one;
- **gap-free positions**: stored events are numbered 1, 2, 3 ... in commit order, so a
  follower reading ``after_position=N`` in a loop sees every event exactly once;
- **atomic batches**: a batch is stored whole or not at all (an illegal lifecycle move in it
  raises ``IllegalTransition`` and stores nothing);
- **publish after commit**: ``on_append`` (the live Redis stream, for instance) is called with
  the newly stored events once they are durable; the store, not the stream, is the record. If
  it raises, ``append`` raises although the events are stored (re-appending is safe); calls
  from concurrent appenders may arrive out of position order, so stream readers order by
  ``position``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from tools.content_store.events import (
    LIFECYCLE_TYPES,
    AssetStatus,
    RolledBack,
    StoredEvent,
    StoreEvent,
    VersionCreated,
)
from tools.content_store.kpis import KpiFilter, Kpis, compute_kpis
from tools.content_store.lifecycle import Lifecycle
from tools.content_store.lineage import VersionLineage, build_lineage
from tools.errors import NotFoundError

OnAppend = Callable[[list[StoredEvent]], Awaitable[None]]
"""Called after a commit with the events it stored (never with re-appended duplicates)."""

PAGE = 1000
"""Events per ``read`` call when a read model walks a whole thread or store."""


def number_new_events(
    events: Sequence[StoreEvent], stored: Mapping[str, int], last_position: int
) -> tuple[list[int], list[StoredEvent]]:
    """Positions for a batch: stored keys keep theirs, new keys get ``last_position + 1 ...``.

    A key repeated inside the batch is numbered once. Returns the position of every input
    event (input order) and the new events to store (position order).
    """
    known = dict(stored)
    fresh: list[StoredEvent] = []
    positions: list[int] = []
    for event in events:
        if event.event_key not in known:
            known[event.event_key] = last_position + len(fresh) + 1
            fresh.append(
                StoredEvent.model_construct(**dict(event), position=known[event.event_key])
            )
        positions.append(known[event.event_key])
    return positions, fresh


def check_lifecycle(history: Iterable[StoreEvent], fresh: Sequence[StoreEvent]) -> None:
    """Raise ``IllegalTransition`` if ``fresh`` events break an asset lifecycle after ``history``.

    ``history`` needs only the lifecycle events of the assets ``fresh`` touches.
    """
    lifecycle = Lifecycle.replay(history)
    for event in fresh:
        lifecycle.apply(event)


def touched_assets(events: Iterable[StoreEvent]) -> set[tuple[str, str]]:
    """(thread_id, asset_id) of the lifecycle events in ``events``."""
    return {(e.thread_id, e.asset_id) for e in events if e.payload.type in LIFECYCLE_TYPES}


class ContentStore(ABC):
    """The append-only store of record. Backends implement ``append`` and ``read``."""

    @abstractmethod
    async def append(self, events: Sequence[StoreEvent]) -> list[int]:
        """Store the events not stored yet, atomically; the position of each input event."""

    @abstractmethod
    async def read(
        self, after_position: int = 0, limit: int = PAGE, *, thread_id: str | None = None
    ) -> list[StoredEvent]:
        """Up to ``limit`` events with ``position > after_position``, in position order."""

    async def close(self) -> None:
        """Release connections (nothing to do for the in-memory store)."""
        return None

    async def read_all(self, *, thread_id: str | None = None) -> list[StoredEvent]:
        """Every event (of one thread), page by page."""
        events: list[StoredEvent] = []
        while True:
            after = events[-1].position if events else 0
            page = await self.read(after, PAGE, thread_id=thread_id)
            events.extend(page)
            if len(page) < PAGE:
                return events

    async def asset_status(self, thread_id: str, asset_id: str) -> tuple[int, AssetStatus]:
        """The newest version of an asset and its status."""
        lifecycle = Lifecycle.replay(
            e for e in await self.read_all(thread_id=thread_id) if e.asset_id == asset_id
        )
        current = lifecycle.current(thread_id, asset_id)
        if current is None:
            raise NotFoundError(f"no asset {asset_id} in campaign {thread_id}")
        return current

    async def assets(self, thread_id: str) -> dict[str, tuple[int, AssetStatus]]:
        """Every asset of a campaign: its newest version and that version's status."""
        events = await self.read_all(thread_id=thread_id)
        lifecycle = Lifecycle.replay(e for e in events if e.payload.type in LIFECYCLE_TYPES)
        return {
            asset_id: current
            for (_, asset_id) in lifecycle.versions
            if (current := lifecycle.current(thread_id, asset_id)) is not None
        }

    async def lineage(self, thread_id: str, asset_id: str) -> list[VersionLineage]:
        """Per-version lineage of an asset, oldest version first."""
        versions = build_lineage(await self.read_all(thread_id=thread_id), asset_id)
        if not versions:
            raise NotFoundError(f"no asset {asset_id} in campaign {thread_id}")
        return versions

    async def rollback(
        self,
        thread_id: str,
        asset_id: str,
        to_version: int,
        *,
        actor: str,
        at: float,
        reason: str = "",
        from_version: int | None = None,
    ) -> int:
        """Make a new version equal to ``to_version``; it waits at review. Its event's position.

        ``from_version`` (default: the newest) makes a retried request idempotent: the same
        ``from_version``/``to_version`` pair appends one rollback however often it is sent.
        """
        events = [e for e in await self.read_all(thread_id=thread_id) if e.asset_id == asset_id]
        texts = {e.version: text for e in events if (text := version_text(e)) is not None}
        if to_version not in texts:
            raise NotFoundError(f"asset {asset_id} of campaign {thread_id} has no v{to_version}")
        newest = max(texts)
        source = newest if from_version is None else from_version
        rollback = StoreEvent(
            event_key=f"{thread_id}:rollback:{asset_id}:{source}->{to_version}",
            thread_id=thread_id,
            brand=events[0].brand,
            asset_id=asset_id,
            version=source + 1,
            actor=actor,
            at=at,
            payload=RolledBack(
                from_version=source, to_version=to_version, text=texts[to_version], reason=reason
            ),
        )
        return (await self.append([rollback]))[0]

    async def kpis(
        self,
        brand: str | None = None,
        since: float | None = None,
        *,
        until: float | None = None,
        thread_id: str | None = None,
    ) -> Kpis:
        """KPIs over a brand, a campaign and a period (see ``tools.content_store.kpis``)."""
        where = KpiFilter(brand=brand, since=since, until=until, thread_id=thread_id)
        return compute_kpis(await self.read_all(), where)


def version_text(event: StoreEvent) -> str | None:
    """The text of the version an event creates (a new version or a rollback copy), else None."""
    if isinstance(event.payload, VersionCreated | RolledBack):
        return event.payload.text
    return None
