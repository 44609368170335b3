"""The lifecycle of an asset version, checked on every append.

::

    draft ──> review ──> approved ──> published
      │         │  └──> rejected       │
      │         └──────> failed ──> review
      └──> failed        approved ──> review (reopened)
    any live version ──rollback──> rolled_back   (the copy starts at review)
    any status except archived ──> archived

Statuses belong to versions: a new version (``version_created``) starts at ``draft`` or
``review`` and must be the asset's next number; older versions keep their last status (the
audit shows what happened to each). An asset's status is its newest version's. A rollback is
one ``rolled_back`` event: the newest version becomes ``rolled_back`` and a new version, a copy
of an older one, starts at ``review``. Anything else is refused with ``IllegalTransition``
before a single event of the batch is stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.content_store.events import (
    AssetStatus,
    RolledBack,
    StatusChanged,
    StoreEvent,
    VersionCreated,
)
from tools.errors import IllegalTransition

TRANSITIONS: dict[AssetStatus, frozenset[AssetStatus]] = {
    "draft": frozenset({"review", "failed", "archived"}),
    "review": frozenset({"approved", "rejected", "failed", "archived"}),
    "approved": frozenset({"published", "review", "failed", "archived"}),
    "published": frozenset({"archived"}),
    "rejected": frozenset({"archived"}),
    "failed": frozenset({"review", "archived"}),
    "rolled_back": frozenset({"archived"}),
    "archived": frozenset(),
}
"""Legal ``status_changed`` moves of one version (``rolled_back`` only through a rollback)."""

ROLLBACK_FROM: frozenset[AssetStatus] = frozenset(
    {"draft", "review", "approved", "published", "rejected", "failed"}
)
"""Statuses of the newest version that a rollback may leave."""

AssetRef = tuple[str, str]
"""(thread_id, asset_id)."""


class Lifecycle:
    """The statuses of every version of some assets, advanced one event at a time."""

    def __init__(self) -> None:
        self.versions: dict[AssetRef, dict[int, AssetStatus]] = {}

    @classmethod
    def replay(cls, events: Iterable[StoreEvent]) -> Lifecycle:
        """The lifecycle after ``events`` (already accepted, in position order)."""
        lifecycle = cls()
        for event in events:
            lifecycle.apply(event)
        return lifecycle

    def current(self, thread_id: str, asset_id: str) -> tuple[int, AssetStatus] | None:
        """The newest version of an asset and its status; None before the first version."""
        versions = self.versions.get((thread_id, asset_id))
        if not versions:
            return None
        newest = max(versions)
        return newest, versions[newest]

    def apply(self, event: StoreEvent) -> None:
        """Advance with one event; raise ``IllegalTransition`` (and change nothing) if illegal."""
        payload = event.payload
        if isinstance(payload, VersionCreated):
            self._new_version(event, payload.status)
        elif isinstance(payload, StatusChanged):
            self._move(event, payload.to_status)
        elif isinstance(payload, RolledBack):
            self._rollback(event, payload)

    def _refuse(self, event: StoreEvent, why: str) -> IllegalTransition:
        return IllegalTransition(
            f"{event.payload.type} refused for asset {event.asset_id} v{event.version} "
            f"of campaign {event.thread_id}: {why}"
        )

    def _new_version(self, event: StoreEvent, status: AssetStatus) -> None:
        versions = self.versions.setdefault((event.thread_id, event.asset_id), {})
        newest = max(versions, default=0)
        if newest and versions[newest] == "archived":
            raise self._refuse(event, "the asset is archived")
        if event.version != newest + 1:
            raise self._refuse(event, f"the next version number is {newest + 1}")
        versions[event.version] = status

    def _move(self, event: StoreEvent, to_status: AssetStatus) -> None:
        versions = self.versions.get((event.thread_id, event.asset_id), {})
        status = versions.get(event.version)
        if status is None:
            raise self._refuse(event, "no such version")
        if to_status not in TRANSITIONS[status]:
            allowed = ", ".join(sorted(TRANSITIONS[status])) or "nothing"
            raise self._refuse(
                event, f"{status} -> {to_status} is not allowed ({status} -> {allowed})"
            )
        versions[event.version] = to_status

    def _rollback(self, event: StoreEvent, rollback: RolledBack) -> None:
        versions = self.versions.get((event.thread_id, event.asset_id), {})
        newest = max(versions, default=0)
        if rollback.from_version != newest:
            raise self._refuse(event, f"only the newest version (v{newest}) can be rolled back")
        if versions[newest] not in ROLLBACK_FROM:
            raise self._refuse(event, f"a {versions[newest]} version cannot be rolled back")
        if rollback.to_version not in versions or rollback.to_version >= newest:
            raise self._refuse(event, f"v{rollback.to_version} is not an earlier version")
        if event.version != newest + 1:
            raise self._refuse(event, f"the rollback copy must be v{newest + 1}")
        versions[newest] = "rolled_back"
        versions[event.version] = "review"
