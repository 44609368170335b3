"""The supervisor: the one routing policy of the campaign graph.

Every node returns to the supervisor, and ``route`` decides what runs next from state alone
(plan gate, a ``Send`` per deliverable to write, the verifier, the review and publish gates,
the publisher, or the end). Because the next step is a pure function of state, a human edit
applied while the campaign is paused, or a fork from an old checkpoint, simply re-routes.

The supervisor node itself enforces the campaign budget (no model call once it is spent: the
remaining assets go to review marked failed, and the campaign says so) and recalls brand
memory for all tasks of a fan-out in one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Send

from graph.context import CampaignContext
from graph.nodes.records import emit, transition
from graph.state import AssetRecord, CampaignPhase, CampaignState, CampaignUpdate, DraftTask
from tools.errors import BrandloomError
from tools.events import TraceEvent

TODO_STATUSES = ("pending", "rejected")
"""Asset statuses that need a (re)write."""
_FINISHED_PHASES = ("cancelled", "failed")


def _assets(state: CampaignState) -> list[AssetRecord]:
    return list(state.get("assets", {}).values())


def route(state: CampaignState) -> Sequence[str | Send] | str:
    """What runs next, from state alone."""
    if state.get("phase") in _FINISHED_PHASES:
        return END
    if not state.get("plan"):
        return "planner"
    if not state.get("plan_approved"):
        return "plan_gate"
    assets = _assets(state)
    todo = {a["asset_id"] for a in assets if a["status"] in TODO_STATUSES}
    dispatch = [t for t in state.get("dispatch", []) if t["asset"]["asset_id"] in todo]
    if dispatch:
        return [Send("draft", task) for task in dispatch]
    if todo:
        return "supervisor"
    if any(a["status"] == "draft" for a in assets):
        return "verify"
    if any(a["status"] == "review" for a in assets):
        return "review_gate"
    if any(a["status"] == "approved" for a in assets):
        return "publisher" if state.get("publish_approved") else "publish_gate"
    return END


def _budget_stop(
    state: CampaignState, runtime: Runtime[CampaignContext], todo: list[AssetRecord]
) -> CampaignUpdate:
    spent = state.get("usage", {}).get("cost_usd", 0.0)
    budget = float(state["plan"]["budget_usd"])
    reason = (
        f"campaign budget exceeded: spent ${spent:.4f} of ${budget:.4f}; "
        f"{len(todo)} assets were not written"
    )
    stopped: dict[str, AssetRecord] = {}
    for asset in todo:
        transition(runtime, state["thread_id"], asset, "review", actor="supervisor", detail=reason)
        stopped[asset["asset_id"]] = {**asset, "status": "review", "failed": True, "error": reason}
    event = TraceEvent(
        kind="budget",
        thread_id=state["thread_id"],
        node="supervisor",
        cost_usd=spent,
        summary=reason,
    )
    return {
        "assets": stopped,
        "dispatch": [],
        "phase": "budget_exceeded",
        "stop_reason": reason,
        "trace": [emit(runtime, event)],
    }


async def _recall(
    state: CampaignState, runtime: Runtime[CampaignContext], todo: list[AssetRecord]
) -> tuple[list[list[dict[str, str]]], list[dict[str, Any]]]:
    """Brand memory for every task: one embedding batch per asset kind (reviewer preferences
    are recalled for the kind they were given on). A memory failure never stops a campaign."""
    memory = runtime.context.memory
    snippets: list[list[dict[str, str]]] = [[] for _ in todo]
    if memory is None:
        return snippets, []
    brief = state["brief"]
    by_kind: dict[str, list[int]] = {}
    for index, asset in enumerate(todo):
        by_kind.setdefault(asset["asset_kind"], []).append(index)
    try:
        for kind, indexes in by_kind.items():
            queries = [_query(todo[i], brief) for i in indexes]
            found = await asyncio.to_thread(memory.recall, brief["brand"], queries, asset_kind=kind)
            for i, items in zip(indexes, found, strict=True):
                snippets[i] = [
                    {"item_id": m.item_id, "kind": m.kind, "text": m.text} for m in items
                ]
    except BrandloomError as error:
        event = TraceEvent(
            kind="error", thread_id=state["thread_id"], node="supervisor", agent="brand-memory",
            summary=f"memory recall skipped: {error.user_message}",
        )  # fmt: skip
        return [[] for _ in todo], [emit(runtime, event)]
    return snippets, [
        _memory_event(state, runtime, a, s) for a, s in zip(todo, snippets, strict=True)
    ]


def _query(asset: AssetRecord, brief: dict[str, Any]) -> str:
    product = asset["product"].get("name", "")
    return " ".join(
        p for p in (asset["asset_kind"], asset["channel"], product, brief.get("goal", "")) if p
    )


def _memory_event(
    state: CampaignState,
    runtime: Runtime[CampaignContext],
    asset: AssetRecord,
    found: list[dict[str, str]],
) -> dict[str, Any]:
    event = TraceEvent(
        kind="memory",
        thread_id=state["thread_id"],
        node="supervisor",
        agent="brand-memory",
        asset_id=asset["asset_id"],
        memory_item_ids=[s["item_id"] for s in found],
        summary=f"recalled {len(found)} memory items",
    )
    return emit(runtime, event)


async def supervisor(state: CampaignState, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """Budget check, memory recall and the dispatch list for the next fan-out."""
    if state.get("phase") in _FINISHED_PHASES or not state.get("plan_approved"):
        return {"dispatch": []}
    todo = [a for a in _assets(state) if a["status"] in TODO_STATUSES]
    spent = state.get("usage", {}).get("cost_usd", 0.0)
    budget = float(state["plan"]["budget_usd"])
    if not todo:
        phase = _idle_phase(state, over_budget=spent >= budget)
        update: CampaignUpdate = {"dispatch": [], "phase": phase}
        if phase == "budget_exceeded" and state.get("phase") != "budget_exceeded":
            update["stop_reason"] = f"campaign budget exceeded: spent ${spent:.4f} of ${budget:.4f}"
        return update
    if spent >= budget:
        return _budget_stop(state, runtime, todo)
    runtime.context.fanout_spend[state["thread_id"]] = 0.0
    memories, events = await _recall(state, runtime, todo)
    dispatch = [
        DraftTask(
            thread_id=state["thread_id"],
            asset=asset,
            brief=task_brief(state["brief"]),
            memory=memory,
            campaign_remaining_usd=budget - spent,
        )
        for asset, memory in zip(todo, memories, strict=True)
    ]
    return {"dispatch": dispatch, "phase": "drafting", "trace": events}


TASK_BRIEF_FIELDS = ("brand", "goal", "audience", "tone", "notes")
"""The brief fields a draft task carries (not the product list or the full text: a task's
``Send`` payload is checkpointed, and a brief for thousands of SKUs would be copied into
every one)."""


def task_brief(brief: dict[str, Any]) -> dict[str, Any]:
    """The part of the brief one draft task needs."""
    return {field: brief[field] for field in TASK_BRIEF_FIELDS if field in brief}


def _idle_phase(state: CampaignState, *, over_budget: bool) -> CampaignPhase:
    assets = _assets(state)
    if assets and all(a["status"] == "published" for a in assets):
        return "published"
    if state.get("phase") == "budget_exceeded" or over_budget:
        return "budget_exceeded"
    if any(a["status"] in ("draft", "review") for a in assets):
        return "reviewing"
    if any(a["status"] == "approved" for a in assets):
        return "awaiting_publish"
    return state.get("phase", "drafting")
