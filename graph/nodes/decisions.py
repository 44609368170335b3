"""Structured records of plan and publish gate decisions, kept in ``gate_decisions``.

The content store's ``decision`` and ``plan_versioned`` events are built from these records
(``graph.service.store_record``), so the record of who decided what never depends on trace prose.
Plan versions count from 1 (the planner's matrix); every plan edit (at the gate, or while
paused) makes the next version.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from graph.state import ReviewRecord
from tools.content_store.events import text_hash


def plan_text(plan: Mapping[str, Any]) -> str:
    """The deliverables matrix as stable JSON lines (what a plan diff and hash are taken of)."""
    rows = plan.get("deliverables", [])
    return "\n".join(json.dumps(row, sort_keys=True) for row in rows) + "\n"


def plan_version(values: Mapping[str, Any]) -> int:
    """The version of the campaign's current plan: 1 + the plan edits recorded so far."""
    edits = [
        r for r in values.get("gate_decisions", []) if r["gate"] == "plan" and r["action"] == "edit"
    ]
    return 1 + len(edits)


def plan_record(
    values: Mapping[str, Any],
    action: str,
    user: str,
    at: float,
    *,
    reason: str = "",
    new_plan: Mapping[str, Any] | None = None,
) -> ReviewRecord:
    """The record of a plan decision; an edit (``new_plan``) carries the diff of the rows."""
    old = plan_text(values.get("plan", {}))
    version = plan_version(values)
    diff, plan_hash = "", text_hash(old)
    if new_plan is not None:
        new = plan_text(new_plan)
        lines = difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), "plan", "plan (edited)"
        )
        diff, plan_hash, version = "".join(lines), text_hash(new), version + 1
    return ReviewRecord(
        gate="plan", asset_id="", version=0, action=action, reviewer=user, reason=reason[:500],
        diff=diff, at=at, plan_version=version, plan_hash=plan_hash,
    )  # fmt: skip


def publish_record(action: str, user: str, role: str, reason: str, at: float) -> ReviewRecord:
    """The record of a publish-gate decision."""
    return ReviewRecord(
        gate="publish", asset_id="", version=0, action=action, reviewer=user,
        reason=reason[:500], diff="", at=at, role=role,
    )  # fmt: skip
