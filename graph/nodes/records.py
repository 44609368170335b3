"""Small helpers the nodes share: trace events, transitions, price warnings.

Asset records themselves are pure data built in ``graph.planning.assets`` (re-exported here
for the nodes).
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from graph.context import CampaignContext
from graph.planning.assets import (
    ZERO_USAGE,
    current_version,
    new_asset,
    unified_diff,
    with_human_version,
)
from graph.state import AssetRecord, AssetStatus
from tools.event_log import ContentEvent
from tools.events import TraceEvent


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


__all__ = [
    "ZERO_USAGE",
    "current_version",
    "emit",
    "new_asset",
    "price_warnings",
    "transition",
    "unified_diff",
    "with_human_version",
]
