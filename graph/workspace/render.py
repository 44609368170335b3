"""What the workspace shows: gates as cards with actions, trace events as steps and tables.

Pure functions from engine data (gate payloads, trace events) to markdown and action specs;
``app.py`` turns them into Chainlit messages, steps and buttons. Nothing here imports Chainlit,
so the rendering is tested without a browser.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from graph.gates import AssetForReview, GatePayload
from graph.service.views import CampaignView, CheckpointInfo
from tools.events import TraceEvent

ACTION_NAME = "gate_decision"
"""The one Chainlit action callback name; the payload says gate, asset and action."""
_MAX_SHOWN_CHARS = 4_000


@dataclass(frozen=True)
class ActionSpec:
    """One button: ``payload`` comes back to the server when clicked (and is re-validated)."""

    label: str
    payload: dict[str, str]
    name: str = ACTION_NAME


@dataclass(frozen=True)
class Card:
    """One chat message: markdown plus its buttons."""

    key: str
    """``plan``, an asset id, ``publish`` or ``header``: identifies the card in the thread."""
    markdown: str
    actions: list[ActionSpec] = field(default_factory=list)


StepType = Literal["run", "tool", "llm", "embedding", "retrieval", "undefined"]


@dataclass(frozen=True)
class StepSpec:
    """A nested step for one trace event."""

    name: str
    type: StepType
    input: str
    output: str
    metadata: dict[str, Any]


def _actions(gate: str, target: str, actions: Sequence[str]) -> list[ActionSpec]:
    labels = {"approve": "Approve", "edit": "Edit", "reject": "Reject", "respond": "Respond"}
    return [
        ActionSpec(
            label=f"{labels[action]} {target}" if target != "plan" else f"{labels[action]} plan",
            payload={"gate": gate, "target": target, "action": action},
        )
        for action in actions
    ]


def gate_cards(gate: GatePayload) -> list[Card]:
    """The cards for a pending gate, in display order."""
    if gate.gate == "plan":
        return [Card("plan", plan_markdown(gate), _actions("plan", "plan", _ALL))]
    if gate.gate == "publish":
        names = ", ".join(asset.asset_id for asset in gate.assets)
        text = f"### Publish gate\n{gate.message}\n\nReady: {names or 'nothing'}\n\n" + (
            "Only an **approver** can publish."
        )
        publish = ActionSpec("Publish", {"gate": "publish", "target": "all", "action": "approve"})
        hold = ActionSpec("Reject", {"gate": "publish", "target": "all", "action": "reject"})
        return [Card("publish", text, [publish, hold])]
    header = Card(
        "header",
        f"### Review gate\n{gate.message}\n\nDecide each asset below, or approve all at once.",
        [ActionSpec("Approve all", {"gate": "review", "target": "all", "action": "approve"})],
    )
    return [
        header,
        *(
            Card(a.asset_id, asset_markdown(a), _actions("review", a.asset_id, _ALL))
            for a in gate.assets
        ),
    ]


_ALL = ("approve", "edit", "reject", "respond")


def plan_markdown(gate: GatePayload) -> str:
    """The plan as a matrix table plus the editable deliverables JSON."""
    plan = gate.plan or {}
    rows = plan.get("deliverables", [])
    lines = [
        f"### Plan gate\n{gate.message}",
        f"Brand **{plan.get('brand', '')}**, budget **${float(plan.get('budget_usd', 0)):.2f}**",
        "",
        "| asset | kind | channel | variant | words | tone |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        limits = row.get("constraints", {})
        words = f"{limits.get('min_words', 0)}-{limits.get('max_words', '')}"
        lines.append(
            f"| {row['asset_id']} | {row['asset_kind']} | {row['channel']} | "
            f"{row.get('variant', 1)} | {words} | {limits.get('tone') or '-'} |"
        )
    body = "[\n" + ",\n".join(json.dumps(row, separators=(",", ":")) for row in rows) + "\n]"
    lines += ["", "To change it, type `edit plan` and the edited JSON below it:", ""]
    lines += ["```json", body if len(body) <= _MAX_SHOWN_CHARS else "(too long to show)", "```"]
    return "\n".join(lines)


def asset_markdown(asset: AssetForReview) -> str:
    """One asset for review: text, checks (with the reason of each failure), flags."""
    flags = " ⚠ flagged" if asset.flagged else ""
    flags += f" ✗ generation failed: {asset.error}" if asset.failed else ""
    head = f"#### {asset.asset_id} · {asset.asset_kind} · {asset.channel} · v{asset.version}{flags}"
    title = f"**{asset.title}**\n\n" if asset.title else ""
    checks = " ".join(
        f"{'✓' if result.get('passed') else '✗'} {name}" for name, result in asset.checks.items()
    )
    extra = "\n".join(f"- {key}: {value}" for key, value in asset.fields.items())
    text = (
        asset.text if len(asset.text) <= _MAX_SHOWN_CHARS else asset.text[:_MAX_SHOWN_CHARS] + "…"
    )
    reasons = "\n".join(f"- ✗ {line}" for line in failed_check_lines(asset.checks))
    parts = [head, title + text, extra, f"Checks: {checks}" if checks else "", reasons]
    return "\n\n".join(part for part in parts if part)


def failed_check_lines(checks: dict[str, dict[str, Any]]) -> list[str]:
    """``name: why`` for each failed check (what the reviewer needs to judge the draft)."""
    return [
        f"{name}: {result.get('detail') or 'failed'}"
        for name, result in checks.items()
        if not result.get("passed")
    ]


def step_for_event(event: TraceEvent) -> StepSpec:
    """A trace event as a nested step: name says who and what, metadata carries the numbers."""
    who = event.agent or event.node or event.kind
    name = f"{who} · {event.asset_id}" if event.asset_id else who
    if event.kind == "budget":  # a budget stop or "price unknown": readable without opening
        name = f"⚠ {event.summary}"
    kinds: dict[str, StepType] = {"model_call": "llm", "memory": "retrieval", "node": "run"}
    output = event.summary
    if event.checks:
        output += "\n" + " ".join(f"{'✓' if ok else '✗'} {c}" for c, ok in event.checks.items())
    metadata = {
        "model": event.model_id,
        "tokens": event.total_tokens,
        "cost_usd": round(event.cost_usd, 6),
        "latency_ms": round(event.latency_ms, 1),
        "retries": event.retries,
        "usage_estimated": event.usage_estimated,
    }
    numbers = _numbers(event)
    return StepSpec(name, kinds.get(event.kind, "tool"), numbers, output.strip(), metadata)


def _numbers(event: TraceEvent) -> str:
    parts = [f"kind: {event.kind}"]
    if event.model_id:
        parts.append(f"model: {event.model_id}")
    if event.total_tokens:
        estimated = " (estimated)" if event.usage_estimated else ""
        parts.append(f"tokens: {event.prompt_tokens} in / {event.completion_tokens} out{estimated}")
    if event.cost_usd:
        parts.append(f"cost: ${event.cost_usd:.6f}")
    if event.latency_ms:
        parts.append(f"latency: {event.latency_ms:.0f} ms")
    if event.label is not None or event.confidence is not None:
        parts.append(f"label: {event.label or 'unknown'} ({event.confidence or 0:.2f})")
    return " · ".join(parts)


def trace_markdown(events: Sequence[TraceEvent]) -> str:
    """The run's timeline: one row per event, then totals of cost, tokens and time (``~``:
    tokens counted locally because the provider sent no usage)."""
    if not events:
        return "No trace events yet."
    start = min(event.created_at for event in events)
    lines = [
        "### Trace",
        "| # | at | step | asset | model | tokens | cost $ | ms | checks · note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for index, event in enumerate(events, start=1):
        checks = " ".join(f"{'✓' if ok else '✗'}{name}" for name, ok in event.checks.items())
        note = event.summary.replace("|", "/").replace("\n", " ")[:80]
        step = " · ".join(part for part in (event.kind, event.node, event.agent) if part)
        model = f"`{event.model_id}`" if event.model_id else ""
        tokens = f"{'~' if event.usage_estimated else ''}{event.total_tokens}"
        lines.append(
            f"| {index} | +{event.created_at - start:.2f}s | {step} | {event.asset_id} | {model} | "
            f"{tokens} | {event.cost_usd:.5f} | {event.latency_ms:.0f} | "
            f"{' · '.join(part for part in (checks, note) if part)} |"
        )
    total_tokens = sum(event.total_tokens for event in events)
    estimated = any(event.usage_estimated for event in events)
    cost = sum(event.cost_usd for event in events)
    calls = [event for event in events if event.kind == "model_call"]
    model_ms = sum(event.latency_ms for event in calls)
    decisions = sum(1 for event in events if event.kind == "decision")
    lines.append(
        f"\n**Total:** {len(calls)} model calls, {'~' if estimated else ''}{total_tokens} "
        f"tokens, ${cost:.5f}, "
        f"{model_ms / 1000:.2f} s in models, {decisions} human decisions, "
        f"{max(event.created_at for event in events) - start:.2f} s elapsed."
    )
    return "\n".join(lines)


def status_markdown(view: CampaignView) -> str:
    """Where the campaign is: phase, assets with status and checks, totals, receipts."""
    totals = view.totals
    tokens = int(totals.get("prompt_tokens", 0) + totals.get("completion_tokens", 0))
    lines = [
        f"### {view.title or 'Campaign'} · {view.phase} ({view.status})",
        f"{view.stop_reason}\n" if view.stop_reason else "",
        "| asset | kind | status | version | checks | cost $ | published |",
        "|---|---|---|---|---|---|---|",
    ]
    for asset in view.assets:
        passed = sum(1 for result in asset.checks.values() if result.get("passed"))
        location = str((asset.receipt or {}).get("location", ""))
        receipt = PurePath(location).name if location else ""
        lines.append(
            f"| {asset.asset_id} | {asset.asset_kind} | {asset.status} | v{asset.version} | "
            f"{passed}/{len(asset.checks)} | {asset.usage.get('cost_usd', 0.0):.5f} | {receipt} |"
        )
    estimated = int(totals.get("estimated_calls", 0))
    lines.append(
        f"\n**Totals:** {tokens} tokens"
        f"{f' ({estimated} calls estimated)' if estimated else ''}, "
        f"${totals.get('cost_usd', 0.0):.5f}, "
        f"{int(totals.get('model_calls', 0))} model calls."
    )
    return "\n".join(line for line in lines if line != "")


def history_markdown(checkpoints: Sequence[CheckpointInfo]) -> str:
    """Checkpoints newest first; any id can be forked (``fork ID note``)."""
    if not checkpoints:
        return "No checkpoints yet."
    lines = [
        "### Checkpoints (newest first)",
        "| checkpoint | step | phase | next | assets |",
        "|---|---|---|---|---|",
    ]
    for point in checkpoints:
        lines.append(
            f"| `{point.checkpoint_id}` | {point.step} | {point.phase} | "
            f"{', '.join(point.next_nodes) or '-'} | {point.summary} |"
        )
    lines.append("\nFork one: `fork CHECKPOINT_ID same plan, more playful tone`.")
    return "\n".join(lines)
