"""The chat's ``trace`` and ``kpis`` views, built from the content store's events only.

What the chat shows is what the store recorded (``CampaignService.recorded``): the same events
the CLI's ``assets history`` and ``kpis`` read, never the checkpointed ``trace`` list and never
prose in event summaries.
"""

from __future__ import annotations

from collections.abc import Sequence

from tools.content_store.events import (
    CallbackReceived,
    CampaignFinished,
    CampaignStarted,
    CheckRan,
    HumanDecision,
    MemoryUsed,
    ModelCalled,
    Payload,
    PlanVersioned,
    PublishAttempted,
    PublishReceipt,
    RolledBack,
    RunStopped,
    StatusChanged,
    StoredEvent,
    ThreadForked,
    VersionCreated,
)
from tools.content_store.kpis import Kpis


def _cell(text: str, limit: int = 90) -> str:
    return text.replace("|", "/").replace("\n", " ")[:limit]


def describe(payload: Payload) -> str:
    """One line saying what an event records."""
    if isinstance(payload, ModelCalled):
        tokens = payload.prompt_tokens + payload.completion_tokens
        return (f"`{payload.model_id}` {'~' if payload.usage_estimated else ''}{tokens} tokens, "
                f"${payload.cost_usd:.5f}, {payload.latency_ms:.0f} ms")  # fmt: skip
    if isinstance(payload, CheckRan):
        return f"{'✓' if payload.passed else '✗'} {payload.name}"
    if isinstance(payload, HumanDecision):
        extra = f" ({payload.edit_distance:.0%} rewritten)" if payload.edit_distance else ""
        reason = f": {payload.reason}" if payload.reason else ""
        return f"{payload.gate} gate: {payload.decision}{extra}{reason}"
    if isinstance(payload, VersionCreated):
        return f"new version by {payload.author} ({payload.status})"
    if isinstance(payload, StatusChanged):
        return f"→ {payload.to_status}" + (f": {payload.reason}" if payload.reason else "")
    if isinstance(payload, RolledBack):
        return f"rolled back v{payload.from_version} to a copy of v{payload.to_version}"
    if isinstance(payload, PublishReceipt):
        return f"{payload.connector}: {payload.url or payload.remote_id or payload.error}"
    if isinstance(payload, PublishAttempted):
        return f"publishing via {payload.connector} (attempt {payload.attempt})"
    if isinstance(payload, MemoryUsed):
        return f"{len(payload.item_ids)} memory items"
    if isinstance(payload, PlanVersioned):
        return f"plan v{payload.plan_version} ({payload.deliverables} deliverables)"
    if isinstance(payload, CampaignStarted):
        return f"{payload.title} (budget ${payload.budget_usd:.2f})"
    if isinstance(payload, CampaignFinished):
        return payload.outcome
    if isinstance(payload, RunStopped):
        return payload.reason
    if isinstance(payload, ThreadForked):
        return f"forked from {payload.from_thread_id}@{payload.from_checkpoint_id}"
    if isinstance(payload, CallbackReceived):
        return f"{payload.connector} callback {payload.callback_type} ({payload.webhook_id})"
    return payload.reason


def recorded_trace_markdown(events: Sequence[StoredEvent]) -> str:
    """The campaign's events of record as a table, then totals (cost, tokens, decisions)."""
    if not events:
        return "No events recorded yet."
    start = min(event.at for event in events)
    lines = [
        "### Trace (content store)",
        "| # | at | event | asset | by | what |",
        "|---|---|---|---|---|---|",
    ]
    for event in events:
        asset = f"{event.asset_id} v{event.version}" if event.asset_id else ""
        lines.append(
            f"| {event.position} | +{event.at - start:.2f}s | {event.type} | {asset} | "
            f"{_cell(event.actor, 40)} | {_cell(describe(event.payload))} |"
        )
    calls = [e.payload for e in events if isinstance(e.payload, ModelCalled)]
    tokens = sum(c.prompt_tokens + c.completion_tokens for c in calls)
    decisions = sum(1 for e in events if isinstance(e.payload, HumanDecision))
    lines.append(
        f"\n**Total:** {len(calls)} model calls, {tokens} tokens, "
        f"${sum(c.cost_usd for c in calls):.5f}, {decisions} human decisions, "
        f"{max(e.at for e in events) - start:.2f} s from first to last event."
    )
    return "\n".join(lines)


def kpis_markdown(kpis: Kpis, title: str = "KPIs") -> str:
    """The KPIs as a two-column table; a dash where there is nothing to compute one from."""
    lines = [f"### {title}", "| KPI | value |", "|---|---|"]
    for name, value in kpis.model_dump().items():
        shown = "—" if value is None else f"{value:,.2f}" if isinstance(value, float) else value
        lines.append(f"| {name.replace('_', ' ')} | {shown} |")
    return "\n".join(lines)
