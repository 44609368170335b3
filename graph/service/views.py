"""Read models the service returns to adapters (CLI, Chainlit): views, history, outcomes."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.types import StateSnapshot
from pydantic import BaseModel, Field

from graph.gates import AssetForReview, GatePayload
from graph.nodes.gates import review_view
from graph.state import AssetRecord
from tools.errors import StoreError

RunStatus = Literal["gate", "paused", "done"]
"""gate: waiting for a human decision; paused: stopped between steps (``resume`` continues);
done: nothing left to run (published, cancelled, failed)."""


class AssetView(AssetForReview):
    """An asset as a campaign view shows it."""

    status: str
    usage: dict[str, float] = Field(default_factory=dict)
    receipt: dict[str, Any] | None = None
    versions: int = 0
    """How many versions exist."""
    previous_text: str = ""
    """The version before the current one ("" for a first draft): the review panel's diff."""
    memory_item_ids: list[str] = Field(default_factory=list)
    """Brand-memory items recalled for the current version."""


class CampaignView(BaseModel):
    """Everything a screen needs about one campaign."""

    thread_id: str
    owner: str
    title: str
    phase: str
    status: RunStatus
    stop_reason: str = ""
    plan: dict[str, Any] = Field(default_factory=dict)
    assets: list[AssetView] = Field(default_factory=list)
    totals: dict[str, float] = Field(default_factory=dict)
    """Tokens, cost_usd, model_calls, classifier_calls, large_calls_avoided."""
    gate: GatePayload | None = None
    next_nodes: list[str] = Field(default_factory=list)
    forked_from: str = ""


class RunOutcome(BaseModel):
    """How a ``start``/``resume``/fork run ended."""

    thread_id: str
    status: RunStatus
    phase: str
    gate: GatePayload | None = None
    stop_reason: str = ""


class CheckpointInfo(BaseModel):
    """One entry of a campaign's checkpoint history (newest first)."""

    checkpoint_id: str
    step: int
    created_at: str
    source: str
    phase: str
    next_nodes: list[str]
    summary: str


def gate_of(snapshot: StateSnapshot) -> GatePayload | None:
    """The pending gate of a snapshot, if it waits at one."""
    for pending in snapshot.interrupts:
        if isinstance(pending.value, dict) and "gate" in pending.value:
            return GatePayload.model_validate(pending.value)
    return None


def status_of(snapshot: StateSnapshot) -> RunStatus:
    """gate, paused or done. A snapshot whose step finished (its writes are saved) but whose
    next checkpoint is not (the process died in between) lists no ``next`` nodes, only tasks
    with results: it is paused, and resuming applies those writes and goes on."""
    if gate_of(snapshot) is not None:
        return "gate"
    return "paused" if snapshot.next or snapshot.tasks else "done"


def asset_view(asset: AssetRecord) -> AssetView:
    base = review_view(asset).model_dump()
    return AssetView(
        **base,
        status=asset["status"],
        usage=asset["usage"],
        receipt=asset["receipt"],
        versions=len(asset["versions"]),
        previous_text=asset["versions"][-2]["text"] if len(asset["versions"]) > 1 else "",
        memory_item_ids=list(asset.get("memory_item_ids", [])),
    )


def campaign_view(snapshot: StateSnapshot) -> CampaignView:
    values = snapshot.values
    if not values:
        raise StoreError("the campaign has no state")
    return CampaignView(
        thread_id=values.get("thread_id", ""),
        owner=values.get("owner", ""),
        title=values.get("brief", {}).get("title", ""),
        phase=values.get("phase", ""),
        status=status_of(snapshot),
        stop_reason=values.get("stop_reason", ""),
        plan=values.get("plan", {}),
        assets=[asset_view(a) for a in values.get("assets", {}).values()],
        totals=values.get("usage", {}),
        gate=gate_of(snapshot),
        next_nodes=list(snapshot.next),
        forked_from=values.get("forked_from", ""),
    )


def outcome_of(snapshot: StateSnapshot) -> RunOutcome:
    values = snapshot.values or {}
    return RunOutcome(
        thread_id=values.get("thread_id", ""),
        status=status_of(snapshot),
        phase=values.get("phase", ""),
        gate=gate_of(snapshot),
        stop_reason=values.get("stop_reason", ""),
    )


def checkpoint_info(snapshot: StateSnapshot) -> CheckpointInfo:
    values = snapshot.values or {}
    metadata = snapshot.metadata or {}
    assets = values.get("assets", {}).values()
    counts: dict[str, int] = {}
    for asset in assets:
        counts[asset["status"]] = counts.get(asset["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no assets yet"
    return CheckpointInfo(
        checkpoint_id=str(snapshot.config["configurable"]["checkpoint_id"]),
        step=int(metadata.get("step", -1)),
        created_at=snapshot.created_at or "",
        source=str(metadata.get("source", "")),
        phase=values.get("phase", ""),
        next_nodes=list(snapshot.next),
        summary=summary,
    )
