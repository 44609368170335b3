"""Small helpers the nodes share: new asset records, trace events, transitions, diffs."""

from __future__ import annotations

import difflib
from typing import Any

from langgraph.runtime import Runtime

from agents.base import Constraints
from graph.context import CampaignContext
from graph.planning.plan import Deliverable
from graph.state import AssetRecord, AssetStatus, AssetVersion
from tools.checks import run_checks
from tools.event_log import ContentEvent
from tools.events import TraceEvent

ZERO_USAGE: dict[str, float] = {
    "prompt_tokens": 0,
    "completion_tokens": 0,
    "cost_usd": 0.0,
    "model_calls": 0,
}


def new_asset(deliverable: Deliverable) -> AssetRecord:
    """A pending asset for one plan row."""
    return AssetRecord(
        asset_id=deliverable.asset_id,
        asset_kind=deliverable.asset_kind,
        channel=deliverable.channel,
        variant=deliverable.variant,
        product=dict(deliverable.product),
        constraints=deliverable.constraints.model_dump(mode="json"),
        status="pending",
        version=0,
        versions=[],
        checks={},
        flagged=False,
        failed=False,
        error="",
        revisions=0,
        feedback=[],
        tags={},
        usage=dict(ZERO_USAGE),
        memory_item_ids=[],
        memory_links=[],
        receipt=None,
    )


def current_version(asset: AssetRecord) -> AssetVersion | None:
    """The latest version of an asset, if any was written."""
    return asset["versions"][-1] if asset["versions"] else None


def emit(runtime: Runtime[CampaignContext], event: TraceEvent) -> dict[str, Any]:
    """Stream an event live (``custom`` mode) and return it as a state ``trace`` entry."""
    payload = event.model_dump(mode="json")
    runtime.stream_writer({"event": payload})
    return payload


def price_warnings(
    runtime: Runtime[CampaignContext], thread_id: str, node: str, events: list[TraceEvent]
) -> list[TraceEvent]:
    """A ``budget`` warning for each model among ``events`` that has no price, the first time
    the campaign calls it in this process: its calls are costed at $0, so no budget stops it.
    The chat and the CLI show it as any budget event."""
    warnings: list[TraceEvent] = []
    for event in events:
        key = (thread_id, event.model_id)
        if event.price_unknown and key not in runtime.context.unpriced_warned:
            runtime.context.unpriced_warned.add(key)
            warnings.append(
                TraceEvent(
                    kind="budget",
                    thread_id=thread_id,
                    node=node,
                    agent="price-table",
                    model_id=event.model_id,
                    price_unknown=True,
                    summary=f"price unknown: budget not enforced for {event.model_id}",
                )
            )
    return warnings


def transition(
    runtime: Runtime[CampaignContext],
    thread_id: str,
    asset: AssetRecord,
    to_status: AssetStatus | str,
    *,
    actor: str,
    detail: str = "",
    version: int | None = None,
) -> None:
    """Append an asset's status change to the content event log (idempotent per transition).

    ``asset`` is the record *before* the change; ``version`` the version it moves to when that
    differs from the record's current one (a new draft).
    """
    runtime.context.event_log.append(
        ContentEvent(
            thread_id=thread_id,
            asset_id=asset["asset_id"],
            version=asset["version"] if version is None else version,
            from_status=asset["status"],
            to_status=to_status,
            actor=actor,
            detail=detail[:500],
            at=runtime.context.clock(),
        )
    )


def unified_diff(before: str, after: str, asset_id: str) -> str:
    """The reviewer's edit as a unified diff (kept on the review record)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{asset_id} (draft)",
        tofile=f"{asset_id} (edited)",
    )
    return "".join(lines)


def with_human_version(
    asset: AssetRecord, text: str, user: str, now: float, title: str | None = None
) -> tuple[AssetRecord, str]:
    """The asset with a human-written version appended and checks re-run; plus the diff."""
    before = current_version(asset)
    version: AssetVersion = {
        "version": asset["version"] + 1,
        "text": text,
        "title": title if title is not None else (before["title"] if before else ""),
        "fields": before["fields"] if before else {},
        "author": f"human:{user or 'someone'}",
        "created_at": now,
    }
    checks = run_checks(text, Constraints.model_validate(asset["constraints"]))
    edited: AssetRecord = {
        **asset,
        "version": version["version"],
        "versions": [*asset["versions"], version],
        "checks": {name: result.model_dump() for name, result in checks.items()},
        "flagged": not all(result.passed for result in checks.values()),
        "failed": False,
        "error": "",
    }
    return edited, unified_diff(before["text"] if before else "", text, asset["asset_id"])
