"""Asset records as plain data: a new pending asset, its latest version, a human edit.

Pure (no LangGraph): the nodes and the service's edits both build assets through these, so a
plan edit and the intake node make the same record.
"""

from __future__ import annotations

import difflib

from agents.base import Constraints
from graph.planning.plan import Deliverable
from graph.state import AssetRecord, AssetVersion
from tools.checks import run_checks

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
        publish_at=deliverable.publish_at.isoformat() if deliverable.publish_at else "",
    )


def current_version(asset: AssetRecord) -> AssetVersion | None:
    """The latest version of an asset, if any was written."""
    return asset["versions"][-1] if asset["versions"] else None


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
