"""Campaign-level store events of a thread: gate decisions, plan versions, rollbacks, forks, stops.

Split from ``graph.service.store_record`` (asset lifecycle, trace-derived events). The same
rule holds: every event is derived from committed state with a deterministic key, so
recording a thread again appends nothing twice.

- plan and publish decisions come from ``gate_decisions`` (index-keyed, append-only); a
  campaign started before that list existed falls back to the ``plan_approved`` /
  ``publish_approved`` flags (one approval each), so its backfill still shows them;
- ``plan_versioned`` for every plan version that was approved or written by an edit;
- rollbacks are synthetic transitions placed before the asset's first later transition, so
  the lifecycle sees ``rolled_back`` between the old version's moves and the copy's;
- ``forked`` from ``forked_from``; ``stopped`` from the run that drained (``stop_event``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast, get_args

from graph.nodes.decisions import plan_text
from graph.state import RollbackRecord
from tools.content_store.events import (
    DecisionKind,
    GateName,
    HumanDecision,
    Payload,
    PlanVersioned,
    RunStopped,
    StoreEvent,
    ThreadForked,
    make_event_key,
    text_hash,
)
from tools.event_log import ContentEvent

GATES: frozenset[str] = frozenset(get_args(GateName))
DECISIONS: frozenset[str] = frozenset(get_args(DecisionKind))
ROLLBACK = "rollback"
"""``from_status`` of the synthetic transition that stands for a rollback."""


class EventBatch:
    """Collects a thread's events with the envelope fields they share."""

    def __init__(self, thread_id: str, brand: str) -> None:
        self.thread_id, self.brand = thread_id, brand
        self.events: list[StoreEvent] = []

    def add(
        self, key: str, payload: Payload, *, asset_id: str = "", version: int = 0,
        actor: str = "", at: float,
    ) -> None:  # fmt: skip
        event = StoreEvent(
            event_key=key, thread_id=self.thread_id, brand=self.brand, asset_id=asset_id,
            version=version, actor=actor[:200], at=at, payload=payload,
        )  # fmt: skip
        self.events.append(event)


def gate_decisions(
    out: EventBatch, values: Mapping[str, Any], decided: Mapping[str, float], at: float
) -> None:
    """Plan and publish decisions, and the plan versions they approved or wrote."""
    records = list(values.get("gate_decisions", []))
    gates = {str(r.get("gate", "")) for r in records}
    current = plan_text(values.get("plan", {}))
    rows = len(values.get("plan", {}).get("deliverables", []))
    for index, record in enumerate(records):
        gate, action = str(record.get("gate", "")), str(record.get("action", ""))
        if gate not in GATES or action not in DECISIONS:
            continue
        decision = HumanDecision(
            gate=cast(GateName, gate), decision=cast(DecisionKind, action),
            role=str(record.get("role", "")), reason=str(record.get("reason", "")),
            diff=str(record.get("diff", "")),
        )  # fmt: skip
        actor, when = f"user:{record.get('reviewer') or 'someone'}", float(record.get("at", at))
        key = make_event_key(out.thread_id, f"{gate}_gate", f"gate-{index}", "decision")
        out.add(key, decision, actor=actor, at=when)
        if gate == "plan" and action in ("approve", "edit"):
            plan_hash = str(record.get("plan_hash", ""))
            _plan_version(out, int(record.get("plan_version", 1)), plan_hash,
                          rows if plan_hash == text_hash(current) else 0, actor, when)  # fmt: skip
    owner = str(values.get("owner", ""))
    if "plan" not in gates and values.get("plan_approved"):
        when = decided.get("plan_gate", at)
        key = make_event_key(out.thread_id, "plan_gate", 0, "decision")
        out.add(key, HumanDecision(gate="plan", decision="approve"), actor=owner, at=when)
        _plan_version(out, 1, text_hash(current), rows, owner, when)
    if "publish" not in gates and values.get("publish_approved"):
        out.add(
            make_event_key(out.thread_id, "publish_gate", 0, "decision"),
            HumanDecision(gate="publish", decision="approve", role="approver"),
            actor=f"user:{values.get('publisher') or 'someone'}",
            at=decided.get("publish_gate", at),
        )  # fmt: skip


def _plan_version(
    out: EventBatch, version: int, plan_hash: str, rows: int, actor: str, at: float
) -> None:
    payload = PlanVersioned(plan_version=max(1, version), plan_hash=plan_hash, deliverables=rows)
    key = make_event_key(out.thread_id, "plan_gate", f"plan-{payload.plan_version}", "plan")
    out.add(key, payload, actor=actor, at=at)


def with_rollbacks(
    thread_id: str, transitions: Sequence[ContentEvent], rollbacks: Sequence[RollbackRecord]
) -> list[ContentEvent]:
    """The transitions with each rollback placed before its asset's first transition of the
    copy (or a later version); rollbacks nothing followed yet come last."""
    pending = [_rollback_transition(thread_id, r) for r in rollbacks]
    merged: list[ContentEvent] = []
    for change in transitions:
        due = [r for r in pending if r.asset_id == change.asset_id and change.version >= r.version]
        merged.extend(due)
        pending = [r for r in pending if r not in due]
        merged.append(change)
    return merged + pending


def _rollback_transition(thread_id: str, record: RollbackRecord) -> ContentEvent:
    detail = f"{record['from_version']}>{record['to_version']}|{record['reason']}"
    return ContentEvent(
        thread_id=thread_id, asset_id=record["asset_id"], version=record["version"],
        from_status=ROLLBACK, to_status="review", actor=f"user:{record['user']}"[:200],
        detail=detail[:500], at=record["at"],
    )  # fmt: skip


def rollback_parts(change: ContentEvent) -> tuple[int, int, str]:
    """(from_version, to_version, reason) of a synthetic rollback transition."""
    versions, _, reason = change.detail.partition("|")
    source, _, target = versions.partition(">")
    return int(source), int(target), reason


def forked(out: EventBatch, values: Mapping[str, Any], at: float) -> None:
    """``forked`` for a campaign forked from another one's checkpoint."""
    forked_from = str(values.get("forked_from", ""))
    if forked_from:
        source, _, checkpoint_id = forked_from.partition("@")
        payload = ThreadForked(from_thread_id=source[:200], from_checkpoint_id=checkpoint_id)
        key = make_event_key(out.thread_id, "service", f"fork-{forked_from}", "forked")
        out.add(key, payload, actor=str(values.get("owner", "")), at=at)


def stop_event(
    values: Mapping[str, Any], checkpoint_id: str, reason: str, actor: str, at: float
) -> StoreEvent:
    """``stopped``: a run drained at checkpoint ``checkpoint_id`` (one per checkpoint)."""
    thread_id = str(values["thread_id"])
    return StoreEvent(
        event_key=make_event_key(thread_id, "service", f"stop-{checkpoint_id}", "stopped"),
        thread_id=thread_id, brand=str(values.get("brief", {}).get("brand", ""))[:200],
        actor=actor[:200], at=at, payload=RunStopped(reason=reason[:500] or "stopped"),
    )  # fmt: skip
