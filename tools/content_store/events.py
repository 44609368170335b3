"""The one event vocabulary of the content store.

Every fact the UI, the CLI, the KPIs, lineage and the audit need is one ``StoreEvent``: an
envelope (thread, brand, asset, version, actor, time, identity) around a typed payload chosen
by ``type`` (a pydantic discriminated union). The store gives each event a global ``position``
when it is appended; a ``StoredEvent`` is an event with its position.

Identity: ``event_key`` is chosen by the producer and is deterministic, so a node that re-runs
after a crash or a resume builds the same key and the store keeps the event once
(``make_event_key``: thread, node, step, asset, version, type). Two different facts must never
share a key; the same fact must always get the same one.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AssetStatus = Literal[
    "draft", "review", "approved", "published", "rejected", "failed", "rolled_back", "archived"
]
"""Lifecycle status of one asset version (see ``tools.content_store.lifecycle``)."""

GateName = Literal["plan", "review", "publish"]
DecisionKind = Literal["approve", "edit", "reject", "respond"]


def text_hash(text: str) -> str:
    """Short stable digest of a text (brief, prompt, plan, version): sha256, 16 hex chars."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_event_key(
    thread_id: str,
    node: str,
    step: int | str,
    event_type: str,
    asset_id: str = "",
    version: int = 0,
) -> str:
    """The deterministic identity of an event produced by ``node`` at graph ``step``.

    A node that re-runs from its top (resume, crash) passes the same values and so appends
    nothing twice; a node that produces several events of one type in one step adds a
    distinguishing suffix to ``event_type`` (``model_call#2``).
    """
    return f"{thread_id}:{node}:{step}:{asset_id}:{version}:{event_type}"


def normalized_edit_distance(before: str, after: str) -> float:
    """Word-level Levenshtein distance divided by the longer text's word count, in [0, 1].

    Words, not characters: a reviewer who rewrites a sentence changes its words, and the cost
    stays small (O(n*m) in words) for asset-sized texts.
    """
    a, b = before.split(), after.split()
    if not a and not b:
        return 0.0
    previous = list(range(len(b) + 1))
    for i, word_a in enumerate(a, start=1):
        current = [i]
        for j, word_b in enumerate(b, start=1):
            cost = 0 if word_a == word_b else 1
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost))
        previous = current
    return previous[-1] / max(len(a), len(b))


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CampaignStarted(_Payload):
    """A brief was accepted and a campaign (thread) opened."""

    type: Literal["campaign_started"] = "campaign_started"
    title: str
    brief_hash: str
    """``text_hash`` of the validated brief: lineage names the exact brief."""
    budget_usd: float = 0.0


class PlanVersioned(_Payload):
    """The deliverables matrix was built or edited; ``plan_version`` counts from 1."""

    type: Literal["plan_versioned"] = "plan_versioned"
    plan_version: int = Field(ge=1)
    plan_hash: str
    deliverables: int = 0


class CampaignFinished(_Payload):
    """The campaign has nothing left to run."""

    type: Literal["campaign_finished"] = "campaign_finished"
    outcome: Literal["published", "cancelled", "failed", "budget_exceeded"]


class VersionCreated(_Payload):
    """A new version of an asset exists (envelope ``version``), with its full text."""

    type: Literal["version_created"] = "version_created"
    source: Literal["specialist", "human"] = "specialist"
    author: str
    """Specialist name (``copywriter``) or ``human:<user>``."""
    text: str
    title: str = ""
    plan_version: int = 0
    status: Literal["draft", "review"] = "draft"
    """Where the version starts: specialist drafts are verified first, human text goes to review."""


class StatusChanged(_Payload):
    """The envelope's asset version moves to ``to_status`` (refused when illegal)."""

    type: Literal["status_changed"] = "status_changed"
    to_status: AssetStatus
    reason: str = ""


class RolledBack(_Payload):
    """Version ``from_version`` was rolled back; the envelope's version is a copy of ``to_version``.

    The copy starts at ``review``: a rolled-back published asset goes through the publish
    gate again before the older text is live.
    """

    type: Literal["rolled_back"] = "rolled_back"
    from_version: int = Field(ge=1)
    to_version: int = Field(ge=1)
    text: str
    reason: str = ""


class ModelCalled(_Payload):
    """One call to a generation model (after its retries)."""

    type: Literal["model_call"] = "model_call"
    model_id: str
    role: str = ""
    prompt_hash: str = ""
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    cost_usd: float = Field(default=0.0, ge=0)
    latency_ms: float = Field(default=0.0, ge=0)
    retries: int = Field(default=0, ge=0)
    usage_estimated: bool = False
    """The provider reported no usage: tokens (and so cost) were estimated locally."""


class CheckRan(_Payload):
    """One verifier check on the envelope's asset version."""

    type: Literal["check"] = "check"
    name: str
    passed: bool
    detail: str = ""


class MemoryUsed(_Payload):
    """Brand-memory items that were put into a prompt for the envelope's asset version."""

    type: Literal["memory_used"] = "memory_used"
    item_ids: list[str]
    namespace: str = ""


class HumanDecision(_Payload):
    """A person's decision at a gate; edits carry the text before and after.

    ``diff`` and ``edit_distance`` are derived from ``before``/``after`` when not given, so
    every producer records them the same way.
    """

    type: Literal["decision"] = "decision"
    gate: GateName
    decision: DecisionKind
    role: str = ""
    reason: str = ""
    before: str = ""
    after: str = ""
    diff: str = ""
    edit_distance: float | None = None
    """Normalized word-level edit distance of ``before`` -> ``after`` (edits only)."""

    @model_validator(mode="after")
    def _derive_edit_fields(self) -> HumanDecision:
        if self.decision == "edit" and self.edit_distance is None:
            distance = normalized_edit_distance(self.before, self.after)
            object.__setattr__(self, "edit_distance", distance)
        if self.decision == "edit" and not self.diff:
            lines = difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile="before",
                tofile="after",
            )
            object.__setattr__(self, "diff", "".join(lines))
        return self


class PublishAttempted(_Payload):
    """A connector call is about to be made (the outbox record before the call)."""

    type: Literal["publish_attempt"] = "publish_attempt"
    connector: str
    attempt: int = Field(default=1, ge=1)


class PublishReceipt(_Payload):
    """What the connector answered."""

    type: Literal["publish_receipt"] = "publish_receipt"
    connector: str
    ok: bool
    remote_id: str = ""
    url: str = ""
    error: str = ""


class AssetFlagged(_Payload):
    """Someone or something flagged a published version as needing a fix (time-to-fix starts)."""

    type: Literal["asset_flagged"] = "asset_flagged"
    reason: str


class RunStopped(_Payload):
    """A run was stopped between two steps (by a person, a budget or a failure)."""

    type: Literal["stopped"] = "stopped"
    reason: str


class ThreadForked(_Payload):
    """This thread was forked from another thread's checkpoint."""

    type: Literal["forked"] = "forked"
    from_thread_id: str
    from_checkpoint_id: str = ""


class CallbackReceived(_Payload):
    """A connector's signed completion callback arrived and was verified (e.g. a Shopify bulk
    operation finished); recorded so the campaign's history shows when the remote side finished."""

    type: Literal["callback_received"] = "callback_received"
    connector: str = Field(max_length=200)
    webhook_id: str = Field(max_length=200)
    callback_type: str = Field(default="", max_length=200)


Payload = Annotated[
    CampaignStarted
    | PlanVersioned
    | CampaignFinished
    | VersionCreated
    | StatusChanged
    | RolledBack
    | ModelCalled
    | CheckRan
    | MemoryUsed
    | HumanDecision
    | PublishAttempted
    | PublishReceipt
    | AssetFlagged
    | RunStopped
    | ThreadForked
    | CallbackReceived,
    Field(discriminator="type"),
]

EventType = Literal[
    "campaign_started", "plan_versioned", "campaign_finished", "version_created",
    "status_changed", "rolled_back", "model_call", "check", "memory_used", "decision",
    "publish_attempt", "publish_receipt", "asset_flagged", "stopped", "forked",
    "callback_received",
]  # fmt: skip

LIFECYCLE_TYPES: frozenset[str] = frozenset({"version_created", "status_changed", "rolled_back"})
"""Event types that move an asset version through its lifecycle (checked on append)."""


class StoreEvent(BaseModel):
    """One fact of record. Immutable; the store assigns ``position`` on append.

    Envelope strings are capped at the SQL columns' widths (``schema.py``), so an event the
    in-memory store accepts is one every backend accepts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_key: str = Field(min_length=1, max_length=400)
    """Deterministic identity (see ``make_event_key``): appended once, whatever is retried."""
    thread_id: str = Field(min_length=1, max_length=200)
    """The campaign (LangGraph thread)."""
    brand: str = Field(default="", max_length=200)
    """The campaign's brand, on every event so KPIs group by brand without a join."""
    asset_id: str = Field(default="", max_length=200)
    """The asset concerned; empty for campaign-level events."""
    version: int = Field(default=0, ge=0)
    """The asset version concerned (0: none)."""
    actor: str = Field(default="", max_length=200)
    """Node, specialist or ``user:<name>`` that caused the event."""
    at: float = Field(default_factory=time.time)
    """Unix time (seconds) the fact happened, given by the producer (its clock)."""
    payload: Payload

    @property
    def type(self) -> EventType:
        """The payload's type tag."""
        return self.payload.type

    @model_validator(mode="after")
    def _asset_events_name_their_asset(self) -> StoreEvent:
        if self.payload.type in LIFECYCLE_TYPES and (not self.asset_id or self.version < 1):
            raise ValueError(f"{self.payload.type} needs an asset_id and a version >= 1")
        return self


class StoredEvent(StoreEvent):
    """An event as read back: with its gap-free global position (1, 2, 3 ...)."""

    position: int = Field(ge=1)
