"""Intake and planner nodes.

Intake completes the brief with the triage classifiers (tone and category when the brief does
not say), recording each decision as a ``classifier`` event. The planner turns the brief into
the deliverables matrix (``graph.planning.plan.build_plan``) and one pending asset per row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from langgraph.runtime import Runtime
from langgraph.types import Overwrite

from agents.base import AssetKind, Tone
from graph.context import CampaignContext
from graph.nodes.records import emit, new_asset
from graph.planning.brief import TONES, Brief, DeliverableRequest
from graph.planning.plan import build_plan
from graph.state import CampaignState, CampaignUpdate
from tools.asset_kinds import ASSET_KINDS
from tools.errors import BrandloomError, InputError
from tools.events import TraceEvent

if TYPE_CHECKING:
    from agents.classifiers.triage import LabelPrediction, TriageResult

CATEGORY_KINDS: dict[str, AssetKind] = {
    spec.triage_label: kind for kind, spec in ASSET_KINDS.items() if spec.triage_label
}
"""Triage category label -> the asset kind a brief of that category gets by default."""


def classifier_event(
    thread_id: str, node: str, agent: str, prediction: LabelPrediction
) -> TraceEvent:
    """A trace event for one small-model decision."""
    return TraceEvent(
        kind="classifier",
        thread_id=thread_id,
        node=node,
        agent=agent,
        label=prediction.label,
        confidence=prediction.confidence,
        latency_ms=prediction.latency_ms,
        summary=f"{agent}: {prediction.label or 'unknown'} ({prediction.confidence:.2f})",
    )


async def _classify(
    runtime: Runtime[CampaignContext],
    state: CampaignState,
    brief: Brief,
    trace: list[dict[str, Any]],
) -> Sequence[TriageResult]:
    triage = runtime.context.triage
    if triage is None:
        return []
    try:
        return await asyncio.to_thread(triage.classify, [brief.text])
    except BrandloomError as error:
        event = TraceEvent(
            kind="error", thread_id=state["thread_id"], node="intake", agent="triage",
            summary=f"triage skipped: {error.user_message}",
        )  # fmt: skip
        trace.append(emit(runtime, event))
        return []


async def intake(state: CampaignState, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """Fill the brief's missing tone and categories with the triage classifiers."""
    brief = Brief.model_validate(state["brief"])
    trace: list[dict[str, Any]] = []
    usage: dict[str, float] = {}
    results = await _classify(runtime, state, brief, trace)
    if results:
        (result,) = results
        thread_id = state["thread_id"]
        trace.append(emit(runtime, classifier_event(thread_id, "intake", "tone", result.tone)))
        trace.append(
            emit(runtime, classifier_event(thread_id, "intake", "category", result.category))
        )
        usage = {"classifier_calls": 2, "large_calls_avoided": 2}
        if brief.tone is None and result.tone.label in TONES:
            brief.tone = cast(Tone, result.tone.label)
        category = result.category.label
        if not brief.requests and category in CATEGORY_KINDS:
            brief.requests = [DeliverableRequest(asset_kind=CATEGORY_KINDS[category])]
        if not brief.categories and category:
            brief.categories = [category]
    if not brief.categories:
        brief.categories = sorted({request.asset_kind for request in brief.requests})
    return {
        "brief": brief.model_dump(mode="json"),
        "phase": "planning",
        "trace": trace,
        "usage": usage,
    }


async def planner(state: CampaignState, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """Brief -> deliverables matrix and one pending asset per deliverable."""
    brief = Brief.model_validate(state["brief"])
    settings = runtime.context.settings
    try:
        plan = build_plan(
            brief,
            default_budget_usd=settings.campaign_budget_usd,
            max_deliverables=settings.plan_max_deliverables,
        )
    except InputError as error:
        return {"phase": "failed", "stop_reason": error.user_message}
    event = TraceEvent(
        kind="node",
        thread_id=state["thread_id"],
        node="planner",
        summary=f"planned {len(plan.deliverables)} deliverables, budget ${plan.budget_usd:.2f}",
    )
    assets = {d.asset_id: new_asset(d) for d in plan.deliverables}
    return {
        "plan": plan.model_dump(mode="json"),
        "assets": Overwrite(value=assets),
        "plan_approved": False,
        "phase": "awaiting_plan",
        "trace": [emit(runtime, event)],
    }
