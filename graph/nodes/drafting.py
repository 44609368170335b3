"""The draft node: one ``Send`` task writes (or revises) one asset with its specialist.

Quotas are checked before the call (per-task tokens and cost, the campaign budget left at
dispatch), the call has a wall-clock timeout, and any failure sends the asset to human review
marked failed instead of crashing the run. A drain request (the user pressed stop) makes
tasks that have not started yet return untouched, so the campaign pauses at the next step.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from agents.base import Constraints, DraftRequest, DraftResult, MemorySnippet
from graph.context import CampaignContext
from graph.nodes.records import current_version, emit, price_warnings, transition
from graph.state import AssetRecord, CampaignUpdate, DraftTask
from tools.errors import BrandloomError
from tools.events import TraceEvent
from tools.link_sources import find_links


def quota_problem(asset: AssetRecord, task: DraftTask, runtime: Runtime[CampaignContext]) -> str:
    """Why the next model call for this task is not allowed ('' when it is)."""
    settings = runtime.context.settings
    usage = asset["usage"]
    tokens = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
    if tokens >= settings.task_token_limit:
        return f"task token quota reached: {int(tokens)} of {settings.task_token_limit} tokens"
    if usage.get("cost_usd", 0.0) >= settings.task_budget_usd:
        return f"task budget reached: ${usage['cost_usd']:.4f} of ${settings.task_budget_usd:.4f}"
    in_flight = runtime.context.fanout_spend.get(task["thread_id"], 0.0)
    if task["campaign_remaining_usd"] - in_flight <= 0:
        return "campaign budget exceeded: no model call made"
    return ""


def asset_request(
    thread_id: str, brief: dict[str, Any], asset: AssetRecord, **fields: Any
) -> DraftRequest:
    """A specialist request for ``asset`` in its campaign context; ``fields`` add or override
    (version, previous text, feedback, memory)."""
    context: dict[str, Any] = {
        "thread_id": thread_id,
        "asset_id": asset["asset_id"],
        "version": asset["version"],
        "asset_kind": asset["asset_kind"],
        "channel": asset["channel"],
        "campaign_goal": brief.get("goal", ""),
        "brand": brief.get("brand", ""),
        "audience": brief.get("audience", ""),
        "product": asset["product"],
        "variant": asset["variant"],
        "constraints": Constraints.model_validate(asset["constraints"]),
    }
    return DraftRequest.model_validate({**context, **fields})


def build_request(task: DraftTask) -> DraftRequest:
    """The specialist's input for the next version of the task's asset."""
    asset, brief = task["asset"], task["brief"]
    previous = current_version(asset)
    revising = asset["status"] == "pending" and previous is not None
    notes = [f"campaign note: {note}" for note in brief.get("notes", [])]
    return asset_request(
        task["thread_id"],
        brief,
        asset,
        version=asset["version"] + 1,
        previous_text=previous["text"] if revising and previous else "",
        feedback=[*asset["feedback"], *notes],
        memory=[MemorySnippet.model_validate(item) for item in task["memory"]],
    )


def usage_totals(events: list[TraceEvent]) -> dict[str, float]:
    """Tokens, cost and call count of the ``model_call`` events among ``events``, and how many
    of those calls had their tokens counted locally (``estimated_calls``)."""
    calls = [e for e in events if e.kind == "model_call"]
    return {
        "prompt_tokens": sum(e.prompt_tokens for e in calls),
        "completion_tokens": sum(e.completion_tokens for e in calls),
        "cost_usd": sum(e.cost_usd for e in calls),
        "model_calls": len(calls),
        "estimated_calls": sum(1 for e in calls if e.usage_estimated),
    }


def _failed(
    runtime: Runtime[CampaignContext], task: DraftTask, asset: AssetRecord, error: str
) -> CampaignUpdate:
    transition(runtime, task["thread_id"], asset, "review", actor="draft", detail=error)
    failed: AssetRecord = {**asset, "status": "review", "failed": True, "error": error}
    event = TraceEvent(
        kind="error",
        thread_id=task["thread_id"],
        node="draft",
        asset_id=asset["asset_id"],
        summary=f"sent to human review: {error}",
    )
    return {"assets": {asset["asset_id"]: failed}, "trace": [emit(runtime, event)]}


async def _call(
    runtime: Runtime[CampaignContext], task: DraftTask, request: DraftRequest
) -> DraftResult:
    specialist = runtime.context.specialists[request.asset_kind]
    asset_id = request.asset_id

    def on_token(chunk: str) -> None:
        runtime.stream_writer({"token": {"asset_id": asset_id, "chunk": chunk}})

    timeout = runtime.context.settings.task_timeout_seconds
    try:
        return await asyncio.wait_for(specialist.draft(request, on_token), timeout)
    except TimeoutError:
        return DraftResult(text="", failed=True, error=f"timed out after {timeout:g}s")
    except BrandloomError as error:
        return DraftResult(text="", failed=True, error=error.user_message)


async def draft(task: DraftTask, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """Write the next version of one asset."""
    asset = task["asset"]
    if runtime.control is not None and runtime.control.drain_requested:
        return {}
    if asset["asset_kind"] not in runtime.context.specialists:
        return _failed(runtime, task, asset, f"no specialist writes {asset['asset_kind']}")
    problem = quota_problem(asset, task, runtime)
    if problem:
        return _failed(runtime, task, asset, problem)
    request = build_request(task)
    result = await _call(runtime, task, request)
    for event in result.events:
        event.thread_id, event.node, event.asset_id = task["thread_id"], "draft", asset["asset_id"]
        event.memory_item_ids = event.memory_item_ids or [m.item_id for m in request.memory]
    warnings = price_warnings(runtime, task["thread_id"], "draft", result.events)
    trace = [emit(runtime, event) for event in [*warnings, *result.events]]
    usage = usage_totals(result.events)
    spend = runtime.context.fanout_spend
    spend[task["thread_id"]] = spend.get(task["thread_id"], 0.0) + usage["cost_usd"]
    spent = {k: asset["usage"].get(k, 0) + v for k, v in usage.items()}
    asset = {
        **asset,
        "usage": spent,
        "memory_item_ids": [m.item_id for m in request.memory],
        "memory_links": [link for m in request.memory for link in find_links(m.text)],
    }
    if result.failed:
        outcome = _failed(runtime, task, asset, result.error or "generation failed")
        return {**outcome, "usage": usage, "trace": trace + outcome.get("trace", [])}
    return _written(runtime, task, asset, request, result, trace, usage)


def _written(
    runtime: Runtime[CampaignContext],
    task: DraftTask,
    asset: AssetRecord,
    request: DraftRequest,
    result: DraftResult,
    trace: list[dict[str, Any]],
    usage: dict[str, float],
) -> CampaignUpdate:
    specialist = runtime.context.specialists[request.asset_kind]
    version = {
        "version": request.version,
        "text": result.text,
        "title": result.title,
        "fields": dict(result.fields),
        "author": specialist.name,
        "created_at": runtime.context.clock(),
    }
    written: AssetRecord = {
        **asset,
        "status": "draft",
        "version": request.version,
        "versions": [*asset["versions"], version],  # type: ignore[list-item]
        "failed": False,
        "error": "",
        "feedback": [],
    }
    transition(
        runtime, task["thread_id"], asset, "draft", actor=specialist.name, version=request.version
    )
    return {"assets": {asset["asset_id"]: written}, "usage": usage, "trace": trace}
