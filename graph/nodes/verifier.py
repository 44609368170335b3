"""The verifier node: deterministic checks, the tone check and tags on every new draft.

A draft that fails a check goes back to its specialist with the failures as feedback, up to
``settings.max_revisions`` times (and only while the task's quotas allow another call); after
that it goes to review flagged. Every draft is tagged with the tone and category the triage
classifiers predict; with a requested tone, a confident prediction of another tone fails the
``tone`` check (a prediction below the threshold is unknown and does not fail it). Links must
point where the brief, the asset's product data, its recalled brand memory or an allowed domain
says (``link_sources``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from agents.base import Constraints, DraftRequest
from graph.context import CampaignContext
from graph.nodes.drafting import asset_request, usage_totals
from graph.nodes.intake import classifier_event
from graph.nodes.records import current_version, emit, price_warnings, transition
from graph.state import AssetRecord, AssetStatus, CampaignState, CampaignUpdate
from tools.checks import CheckResult, failures, run_checks
from tools.errors import BrandloomError
from tools.events import TraceEvent
from tools.link_sources import LinkSources, parse_domains
from tools.settings import Settings

if TYPE_CHECKING:
    from agents.classifiers.triage import TriageResult


def tone_check(requested: str | None, result: TriageResult) -> CheckResult | None:
    """The tone check from a triage prediction (None when no tone was requested)."""
    if requested is None:
        return None
    label, confidence = result.tone.label, result.tone.confidence
    if label is None:
        return CheckResult(passed=True, detail=f"tone unknown (confidence {confidence:.2f})")
    if label != requested:
        return CheckResult(
            passed=False,
            detail=f"reads as {label} ({confidence:.2f}), the brief asks for {requested}",
        )
    return CheckResult(passed=True, detail=f"{label} ({confidence:.2f})")


def link_sources(state: CampaignState, asset: AssetRecord, settings: Settings) -> LinkSources:
    """Where the asset's links may point: links quoted in the brief text (product lists
    included), in the asset's product fields and in the brand memory recalled for its current
    version, plus the ``allowed_link_domains`` setting."""
    texts = [
        str(state.get("brief", {}).get("text", "")),
        *asset["product"].values(),
        *asset.get("memory_links", []),
    ]
    return LinkSources.from_texts(texts, parse_domains(settings.allowed_link_domains))


def _tags(result: TriageResult) -> dict[str, str]:
    return {
        "tone": result.tone.label or "unknown",
        "tone_confidence": f"{result.tone.confidence:.2f}",
        "category": result.category.label or "unknown",
        "category_confidence": f"{result.category.confidence:.2f}",
    }


def _can_revise(
    asset: AssetRecord, runtime: Runtime[CampaignContext], spent: float, budget: float
) -> bool:
    settings = runtime.context.settings
    usage = asset["usage"]
    tokens = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
    return (
        asset["revisions"] < settings.max_revisions
        and tokens < settings.task_token_limit
        and usage.get("cost_usd", 0.0) < settings.task_budget_usd
        and spent < budget
    )


async def _classify(
    runtime: Runtime[CampaignContext], texts: list[str]
) -> Sequence[TriageResult | None]:
    triage = runtime.context.triage
    readable = [i for i, text in enumerate(texts) if text.strip()]
    predictions: list[TriageResult | None] = [None] * len(texts)
    if triage is None or not readable:
        return predictions
    try:
        results = await asyncio.to_thread(triage.classify, [texts[i] for i in readable])
    except BrandloomError:  # a text the classifier refuses: no tone check, no tags
        return predictions
    for index, result in zip(readable, results, strict=True):
        predictions[index] = result
    return predictions


async def verify(state: CampaignState, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """Check every asset in ``draft``; revise, or send to review (flagged when still failing)."""
    drafts = [a for a in state.get("assets", {}).values() if a["status"] == "draft"]
    texts = [(current_version(a) or {"text": ""})["text"] for a in drafts]
    predictions = await _classify(runtime, texts)
    trace: list[dict[str, Any]] = []
    checked: list[tuple[dict[str, CheckResult], dict[str, str]]] = []
    for asset, text, prediction in zip(drafts, texts, predictions, strict=True):
        constraints = Constraints.model_validate(asset["constraints"])
        sources = link_sources(state, asset, runtime.context.settings)
        results, tags = run_checks(text, constraints, sources), dict(asset["tags"])
        if prediction is not None:
            tone = tone_check(constraints.tone, prediction)
            if tone is not None:
                results["tone"] = tone
            tags = _tags(prediction)
            for agent, label in (("tone", prediction.tone), ("category", prediction.category)):
                event = classifier_event(state["thread_id"], "verify", agent, label)
                event.asset_id = asset["asset_id"]
                trace.append(emit(runtime, event))
        checked.append((results, tags))
    usage = await _compliance(runtime, state, drafts, texts, [r for r, _ in checked], trace)
    spent = state.get("usage", {}).get("cost_usd", 0.0) + usage.get("cost_usd", 0.0)
    budget = float(state["plan"]["budget_usd"])
    updates: dict[str, AssetRecord] = {}
    for asset, (results, tags) in zip(drafts, checked, strict=True):
        failed = failures(results)
        revise = bool(failed) and _can_revise(asset, runtime, spent, budget)
        updates[asset["asset_id"]] = _verdict(runtime, state, asset, results, tags, failed, revise)
        trace.append(emit(runtime, _check_event(state, asset, results, failed, revise)))
    classified = sum(1 for p in predictions if p is not None)
    usage |= {"classifier_calls": 2 * classified, "large_calls_avoided": 2 * classified}
    return {"assets": updates, "trace": trace, "usage": usage}


async def _compliance(
    runtime: Runtime[CampaignContext],
    state: CampaignState,
    drafts: list[AssetRecord],
    texts: list[str],
    results: list[dict[str, CheckResult]],
    trace: list[dict[str, Any]],
) -> dict[str, float]:
    """Ask the compliance critic about drafts that passed every other check (in parallel);
    adds a ``compliance`` check to their results. Returns the critic's usage."""
    critic = runtime.context.compliance
    ready = [i for i, r in enumerate(results) if critic and not failures(r) and texts[i].strip()]
    if critic is None or not ready:
        return {}
    requests = [compliance_request(state, drafts[i], texts[i]) for i in ready]
    reports = await asyncio.gather(*(critic.review(request) for request in requests))
    events: list[TraceEvent] = []
    for i, report in zip(ready, reports, strict=True):
        findings = "; ".join(report.findings)[:300]
        detail = (
            report.verdict
            + (f": {findings}" if findings else "")
            + (f" (critic failed: {report.error})" if report.failed else "")
        )
        results[i]["compliance"] = CheckResult(passed=report.verdict != "fail", detail=detail)
        for event in report.events:
            event.thread_id, event.node, event.asset_id = (
                state["thread_id"],
                "verify",
                drafts[i]["asset_id"],
            )
            events.append(event)
    warnings = price_warnings(runtime, state["thread_id"], "verify", events)
    trace.extend(emit(runtime, event) for event in [*warnings, *events])
    return usage_totals(events)


def compliance_request(state: CampaignState, asset: AssetRecord, text: str) -> DraftRequest:
    """The critic's input: the asset's brief context with the draft as ``previous_text``."""
    return asset_request(state["thread_id"], state["brief"], asset, previous_text=text)


def _verdict(
    runtime: Runtime[CampaignContext],
    state: CampaignState,
    asset: AssetRecord,
    results: dict[str, CheckResult],
    tags: dict[str, str],
    failed: list[str],
    revise: bool,
) -> AssetRecord:
    status: AssetStatus = "pending" if revise else "review"
    transition(
        runtime, state["thread_id"], asset, status, actor="verifier", detail="; ".join(failed)
    )
    return {
        **asset,
        "status": status,
        "checks": {name: r.model_dump() for name, r in results.items()},
        "tags": tags,
        "flagged": bool(failed) and not revise,
        "revisions": asset["revisions"] + (1 if revise else 0),
        "feedback": failed if revise else [],
    }


def _check_event(
    state: CampaignState,
    asset: AssetRecord,
    results: dict[str, CheckResult],
    failed: list[str],
    revise: bool,
) -> TraceEvent:
    outcome = "passed" if not failed else ("revise" if revise else "flagged for review")
    return TraceEvent(
        kind="check",
        thread_id=state["thread_id"],
        node="verify",
        agent="verifier",
        asset_id=asset["asset_id"],
        checks={name: r.passed for name, r in results.items()},
        summary=f"v{asset['version']} {outcome}" + (": " + "; ".join(failed) if failed else ""),
    )
