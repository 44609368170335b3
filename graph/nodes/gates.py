"""The gate nodes: plan, review and publish interrupts and how their answers change state.

Each node calls ``interrupt`` first and does nothing with side effects before it (the node
re-runs from the top on resume). After the interrupt the only side effects are idempotent:
content-event appends (de-duplicated per transition) and ``memory.remember_review`` (ids are
content hashes). Resume values were validated by the service; the nodes parse them again with
the same models so a bad value can never reach state.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Overwrite, interrupt

from graph.context import CampaignContext
from graph.gates import (
    AssetDecision,
    AssetForReview,
    GatePayload,
    PlanDecision,
    PublishDecision,
    ReviewDecision,
)
from graph.nodes.decisions import plan_record, publish_record
from graph.nodes.records import current_version, emit, new_asset, transition, with_human_version
from graph.planning.brief import Brief, parse_brief
from graph.planning.plan import Plan
from graph.state import AssetRecord, CampaignState, CampaignUpdate, ReviewRecord
from tools.errors import BrandloomError, InputError
from tools.events import TraceEvent


def _decision_event(
    state: CampaignState, gate: str, summary: str, asset_id: str = ""
) -> TraceEvent:
    return TraceEvent(
        kind="decision",
        thread_id=state["thread_id"],
        node=f"{gate}_gate",
        asset_id=asset_id,
        summary=summary,
    )


def review_view(asset: AssetRecord) -> AssetForReview:
    """An asset as gates and views show it."""
    version = current_version(asset)
    return AssetForReview(
        asset_id=asset["asset_id"],
        asset_kind=asset["asset_kind"],
        channel=asset["channel"],
        version=asset["version"],
        title=version["title"] if version else "",
        text=version["text"] if version else "",
        fields=version["fields"] if version else {},
        checks=asset["checks"],
        flagged=asset["flagged"],
        failed=asset["failed"],
        error=asset["error"],
        tags=asset["tags"],
    )


def plan_gate(state: CampaignState, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """Approve / edit / reject / respond to the deliverables matrix."""
    count = len(state["plan"]["deliverables"])
    budget = state["plan"]["budget_usd"]
    payload = GatePayload(
        gate="plan",
        thread_id=state["thread_id"],
        message=f"Approve the plan: {count} deliverables, budget ${budget:.2f}",
        plan=state["plan"],
    )
    decision = PlanDecision.model_validate(interrupt(payload.model_dump(mode="json")))
    summary = f"plan {decision.action} by {decision.user or 'someone'}"
    now, why = runtime.context.clock(), decision.reason or decision.note
    record = plan_record(state, decision.action, decision.user, now, reason=why)
    update: CampaignUpdate = {
        "trace": [emit(runtime, _decision_event(state, "plan", summary))],
        "gate_decisions": [record],
    }
    if decision.action == "approve":
        return update | {"plan_approved": True, "phase": "drafting"}
    if decision.action == "reject":
        reason = f"plan rejected: {decision.reason or 'no reason given'}"
        return update | {"phase": "cancelled", "stop_reason": reason}
    if decision.action == "edit":
        limits = decision.model_dump(mode="json", include={"budget_usd", "due_date"})
        changed = {key: value for key, value in limits.items() if value is not None}
        plan = Plan.model_validate(
            {**state["plan"], **changed, "deliverables": decision.deliverables}
        )
        assets = {d.asset_id: new_asset(d) for d in plan.deliverables}
        plan_dump = plan.model_dump(mode="json")
        edit = plan_record(state, "edit", decision.user, now, reason=why, new_plan=plan_dump)
        return update | {
            "gate_decisions": [edit],
            "plan": plan_dump,
            "assets": Overwrite(value=assets),
            "plan_approved": True,
        }
    return update | {"brief": _amended_brief(state, decision.note), "plan": {}}


def _amended_brief(state: CampaignState, note: str) -> dict[str, Any]:
    """The brief with a plan-gate note appended (re-parsed when the note changes fields)."""
    old = Brief.model_validate(state["brief"])
    try:
        new = parse_brief(old.text + "\n\n" + note)
    except InputError:
        new = old.model_copy()
    new.tone = new.tone or old.tone
    new.categories = old.categories
    new.budget_usd = new.budget_usd if new.budget_usd is not None else old.budget_usd
    new.notes = [*old.notes, note]
    return new.model_dump(mode="json")


async def review_gate(state: CampaignState, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """One interrupt for every asset awaiting review; each asset decided on its own."""
    waiting = [a for a in state["assets"].values() if a["status"] == "review"]
    flagged = sum(1 for a in waiting if a["flagged"] or a["failed"])
    payload = GatePayload(
        gate="review",
        thread_id=state["thread_id"],
        message=f"Review {len(waiting)} assets ({flagged} flagged or failed)",
        assets=[review_view(a) for a in waiting],
    )
    decision = ReviewDecision.model_validate(interrupt(payload.model_dump(mode="json")))
    assets: dict[str, AssetRecord] = {}
    reviews: list[ReviewRecord] = []
    trace: list[dict[str, Any]] = []
    for asset_id, choice in decision.decisions.items():
        asset = state["assets"].get(asset_id)
        if asset is None or asset["status"] != "review":
            continue
        if choice.action == "approve" and current_version(asset) is None:
            continue  # nothing to approve (the service refuses this; kept in review)
        updated, record = _apply(runtime, state, asset, choice, decision.user)
        assets[asset_id] = updated
        reviews.append(record)
        summary = f"{asset_id} v{asset['version']}: {choice.action} by {decision.user or 'someone'}"
        trace.append(emit(runtime, _decision_event(state, "review", summary, asset_id)))
        await _learn(runtime, state, asset, choice, trace)
    return {"assets": assets, "reviews": reviews, "trace": trace}


def _apply(
    runtime: Runtime[CampaignContext],
    state: CampaignState,
    asset: AssetRecord,
    choice: AssetDecision,
    user: str,
) -> tuple[AssetRecord, ReviewRecord]:
    """One asset's decision: the updated record and the review record (with a diff for edits)."""
    now = runtime.context.clock()
    record = ReviewRecord(
        gate="review",
        asset_id=asset["asset_id"],
        version=asset["version"],
        action=choice.action,
        reviewer=user,
        reason=choice.reason or choice.note,
        diff="",
        at=now,
    )
    actor = f"review:{user or 'someone'}"
    thread_id = state["thread_id"]
    if choice.action == "approve":
        transition(runtime, thread_id, asset, "approved", actor=actor)
        return {**asset, "status": "approved"}, record
    if choice.action == "edit":
        edited, record["diff"] = with_human_version(asset, choice.text, user, now, choice.title)
        transition(runtime, thread_id, asset, "approved", actor=actor, version=edited["version"])
        return {**edited, "status": "approved", "flagged": False}, record
    if choice.action == "reject":
        feedback, status = f"reviewer rejected the draft: {choice.reason}", "rejected"
    else:
        feedback, status = f"reviewer note: {choice.note}", "pending"
    transition(runtime, thread_id, asset, status, actor=actor, detail=feedback)
    sent_back: AssetRecord = {**asset, "feedback": [feedback], "revisions": 0, "failed": False}
    sent_back["status"] = "rejected" if status == "rejected" else "pending"
    return sent_back, record


async def _learn(
    runtime: Runtime[CampaignContext],
    state: CampaignState,
    asset: AssetRecord,
    choice: AssetDecision,
    trace: list[dict[str, Any]],
) -> None:
    """Store edits and rejections as reviewer preferences (idempotent by content hash)."""
    memory = runtime.context.memory
    if memory is None or choice.action not in ("edit", "reject"):
        return
    before = current_version(asset)
    after = choice.text if choice.action == "edit" else ""
    try:
        item_id = await asyncio.to_thread(
            memory.remember_review,
            state["brief"]["brand"],
            asset_kind=asset["asset_kind"],
            before=before["text"] if before else "",
            after=after,
            reason=choice.reason or choice.note,
            decision="edit" if choice.action == "edit" else "reject",
            source=f"{state['thread_id']}/{asset['asset_id']}@v{asset['version']}",
        )
    except BrandloomError as error:
        trace.append(
            emit(
                runtime,
                TraceEvent(
                    kind="error",
                    thread_id=state["thread_id"],
                    node="review_gate",
                    summary=str(error),
                ),
            )
        )
        return
    event = TraceEvent(
        kind="memory",
        thread_id=state["thread_id"],
        node="review_gate",
        agent="brand-memory",
        asset_id=asset["asset_id"],
        memory_item_ids=[item_id],
        summary=f"remembered reviewer {choice.action} as a preference",
    )
    trace.append(emit(runtime, event))


def publish_gate(state: CampaignState, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """Only an approver releases the approved assets to the publisher."""
    ready = [a for a in state["assets"].values() if a["status"] == "approved"]
    payload = GatePayload(
        gate="publish",
        thread_id=state["thread_id"],
        message=f"Publish {len(ready)} approved assets (approver only)",
        assets=[review_view(a) for a in ready],
        required_role="approver",
    )
    decision = PublishDecision.model_validate(interrupt(payload.model_dump(mode="json")))
    who = f"{decision.user or 'someone'} ({decision.role})"
    trace = [
        emit(runtime, _decision_event(state, "publish", f"publish {decision.action} by {who}"))
    ]
    if decision.role != "approver":
        return {"trace": trace}
    record = publish_record(
        decision.action, decision.user, decision.role, decision.reason, runtime.context.clock()
    )
    if decision.action == "reject":
        reason = f"publishing rejected: {decision.reason or 'no reason given'}"
        return {
            "trace": trace,
            "gate_decisions": [record],
            "phase": "cancelled",
            "stop_reason": reason,
        }
    return {
        "trace": trace,
        "gate_decisions": [record],
        "publish_approved": True,
        "publisher": decision.user,
    }
