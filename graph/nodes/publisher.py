"""The publisher node: ships every approved asset through the connector, once.

It runs only after the publish gate, in its own node, and every call is idempotent (the
connector keys writes by thread, asset and version), so a crash or a re-run after resume
returns the first receipts instead of publishing twice.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from langgraph.runtime import Runtime

from graph.context import CampaignContext
from graph.nodes.publish_failures import refused_asset
from graph.nodes.records import current_version, emit, transition
from graph.state import AssetRecord, CampaignState, CampaignUpdate
from tools.connectors.base import PublishItem
from tools.connectors.errors import PublishRefused
from tools.events import TraceEvent


def publish_item(thread_id: str, asset: AssetRecord) -> PublishItem:
    """The connector's view of an approved asset's current version."""
    version = current_version(asset)
    if version is None:
        raise ValueError(f"asset {asset['asset_id']} has no version to publish")
    return PublishItem(
        thread_id=thread_id,
        asset_id=asset["asset_id"],
        version=asset["version"],
        asset_kind=asset["asset_kind"],
        channel=asset["channel"],
        title=version["title"],
        text=version["text"],
        fields=version["fields"],
        tags={k: v for k, v in asset["tags"].items() if k in ("tone", "category")},
        product=dict(asset["product"]),
        publish_at=datetime.fromisoformat(asset["publish_at"]) if asset.get("publish_at") else None,
    )


async def publisher(state: CampaignState, runtime: Runtime[CampaignContext]) -> CampaignUpdate:
    """Publish approved assets; record receipts and ``publish`` events."""
    connector = runtime.context.connector
    thread_id = state["thread_id"]
    published: dict[str, AssetRecord] = {}
    trace: list[dict[str, Any]] = []
    for asset in state["assets"].values():
        if asset["status"] != "approved" or current_version(asset) is None:
            continue
        started = runtime.context.clock()
        try:
            receipt = await asyncio.to_thread(connector.publish, publish_item(thread_id, asset))
        except PublishRefused as refused:  # this asset fails; a connector down still raises
            published[asset["asset_id"]] = refused_asset(runtime, thread_id, asset, refused)
            continue
        transition(runtime, thread_id, asset, "published", actor=receipt.connector)
        published[asset["asset_id"]] = {
            **asset,
            "status": "published",
            "receipt": receipt.model_dump(mode="json"),
        }
        event = TraceEvent(
            kind="publish",
            thread_id=thread_id,
            node="publisher",
            agent=receipt.connector,
            asset_id=asset["asset_id"],
            latency_ms=(runtime.context.clock() - started) * 1000,
            summary=f"v{asset['version']} -> {receipt.location} (receipt {receipt.receipt_id})",
        )
        trace.append(emit(runtime, event))
    return {"assets": published, "trace": trace, "phase": "published"}
