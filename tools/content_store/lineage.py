"""Lineage: where each version of an asset came from, read from the thread's events only.

For every version: the brief, the plan version, the specialist (or person) who wrote it, the
model ids and prompt hashes of its calls, the memory items recalled, its checks, every human
decision on it (edits with their diff), its publish receipts and its status history. Events
are attributed by their envelope ``(asset_id, version)``: a decision or a check belongs to the
version it was made on, whether it came before the version was written (memory recall, the
model call that wrote it) or after.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from tools.content_store.events import (
    AssetStatus,
    CampaignStarted,
    CheckRan,
    HumanDecision,
    MemoryUsed,
    ModelCalled,
    PlanVersioned,
    PublishReceipt,
    RolledBack,
    StatusChanged,
    StoredEvent,
    VersionCreated,
)


class StatusEntry(BaseModel):
    """One status a version took, when and because of whom."""

    status: AssetStatus
    actor: str
    at: float
    position: int


class DecisionEntry(BaseModel):
    """A human decision on the version (``decision.diff`` holds an edit's unified diff)."""

    actor: str
    at: float
    decision: HumanDecision


class VersionLineage(BaseModel):
    """Everything that produced and happened to one asset version."""

    thread_id: str
    asset_id: str
    version: int
    status: AssetStatus
    author: str
    """Specialist name, ``human:<user>``, or the actor of a rollback."""
    source: str
    """``specialist``, ``human`` or ``rollback``."""
    rolled_back_to: int | None = None
    """For a rollback copy: the version whose text it restores."""
    text: str
    created_at: float
    brief_title: str = ""
    brief_hash: str = ""
    plan_version: int = 0
    model_ids: list[str] = Field(default_factory=list)
    prompt_hashes: list[str] = Field(default_factory=list)
    model_calls: list[ModelCalled] = Field(default_factory=list)
    memory_item_ids: list[str] = Field(default_factory=list)
    checks: list[CheckRan] = Field(default_factory=list)
    decisions: list[DecisionEntry] = Field(default_factory=list)
    receipts: list[PublishReceipt] = Field(default_factory=list)
    history: list[StatusEntry] = Field(default_factory=list)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def build_lineage(events: Sequence[StoredEvent], asset_id: str) -> list[VersionLineage]:
    """Per-version lineage of ``asset_id`` from one thread's events (position order)."""
    brief: CampaignStarted | None = None
    plan_version = 0
    versions: dict[int, VersionLineage] = {}
    for event in events:
        payload = event.payload
        if isinstance(payload, CampaignStarted):
            brief = payload
        elif isinstance(payload, PlanVersioned):
            plan_version = payload.plan_version
        elif event.asset_id == asset_id and isinstance(payload, VersionCreated | RolledBack):
            versions[event.version] = _new_version(event, brief, plan_version)
    for event in events:
        payload = event.payload
        if event.asset_id != asset_id or isinstance(payload, VersionCreated):
            continue
        if isinstance(payload, RolledBack):
            if payload.from_version in versions:
                _record_status(versions[payload.from_version], "rolled_back", event)
        elif event.version in versions:
            _attach(versions[event.version], event)
    return [versions[v] for v in sorted(versions)]


def _new_version(
    event: StoredEvent, brief: CampaignStarted | None, plan_version: int
) -> VersionLineage:
    payload = event.payload
    status: AssetStatus
    if isinstance(payload, RolledBack):
        status, author, source, copy_of = "review", event.actor, "rollback", payload.to_version
    else:
        assert isinstance(payload, VersionCreated)
        status, author, source, copy_of = payload.status, payload.author, payload.source, None
        plan_version = payload.plan_version or plan_version
    record = VersionLineage(
        thread_id=event.thread_id,
        asset_id=event.asset_id,
        version=event.version,
        status=status,
        author=author,
        source=source,
        rolled_back_to=copy_of,
        text=payload.text,
        created_at=event.at,
        brief_title=brief.title if brief else "",
        brief_hash=brief.brief_hash if brief else "",
        plan_version=plan_version,
    )
    record.history.append(
        StatusEntry(status=status, actor=event.actor, at=event.at, position=event.position)
    )
    return record


def _record_status(record: VersionLineage, status: AssetStatus, event: StoredEvent) -> None:
    record.status = status
    record.history.append(
        StatusEntry(status=status, actor=event.actor, at=event.at, position=event.position)
    )


def _attach(record: VersionLineage, event: StoredEvent) -> None:
    payload = event.payload
    if isinstance(payload, StatusChanged):
        _record_status(record, payload.to_status, event)
    elif isinstance(payload, ModelCalled):
        record.model_calls.append(payload)
        record.model_ids = _unique([*record.model_ids, payload.model_id])
        record.prompt_hashes = _unique([*record.prompt_hashes, payload.prompt_hash])
    elif isinstance(payload, MemoryUsed):
        record.memory_item_ids = _unique([*record.memory_item_ids, *payload.item_ids])
    elif isinstance(payload, CheckRan):
        record.checks.append(payload)
    elif isinstance(payload, HumanDecision):
        record.decisions.append(DecisionEntry(actor=event.actor, at=event.at, decision=payload))
    elif isinstance(payload, PublishReceipt):
        record.receipts.append(payload)
