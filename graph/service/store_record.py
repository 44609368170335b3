"""A campaign's committed state and transitions, translated into content-store events.

The service calls ``store_events`` after every run with the thread's checkpointed values and
its content event log, and appends the result (``record_campaign``). Everything is derived from
what is *committed*, never from the live stream: a node that crashed or was interrupted
re-runs and emits fresh ``TraceEvent``s (new uuid ``event_id``s), but only one run of it ever
reaches the checkpointed ``trace``, and a committed trace entry never changes. So keys are
built from stable fields:

- trace-derived events (model calls, checks, memory): ``thread:node:trace-<event_id>:asset:
  version:type`` -- the id of the *committed* entry, stable once checkpointed;
- lifecycle (``version_created`` / ``status_changed``): the content log's own
  de-duplication identity (asset, version, from -> to), which a re-run reproduces;
  ``rolled_back``: the rollback's place in the append-only ``rollbacks`` list, merged into
  the transitions (``graph.service.store_gates.with_rollbacks``);
- decisions: the index in the append-only ``reviews`` list (assets) and ``gate_decisions``
  list (plan, publish; with ``plan_versioned``), see ``graph.service.store_gates``;
- receipts: the connector's receipt id; forks and stops: see ``graph.service.store_gates``.

Re-recording the same thread therefore appends nothing twice. Lifecycle moves are replayed
through ``Lifecycle`` and a move the store would refuse (the graph's ``pending`` loop, a
failure before any version) is left out rather than failing the batch.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast, get_args

from graph.service.store_gates import (
    ROLLBACK,
    EventBatch,
    forked,
    gate_decisions,
    rollback_parts,
    with_rollbacks,
)
from tools.content_store.base import ContentStore
from tools.content_store.events import (
    AssetStatus,
    CampaignFinished,
    CampaignStarted,
    CheckRan,
    DecisionKind,
    GateName,
    HumanDecision,
    MemoryUsed,
    ModelCalled,
    Payload,
    PublishReceipt,
    RolledBack,
    StatusChanged,
    StoreEvent,
    VersionCreated,
    make_event_key,
    text_hash,
)
from tools.content_store.lifecycle import Lifecycle
from tools.errors import BrandloomError, StoreError
from tools.event_log import ContentEvent
from tools.events import TraceEvent

STORE_STATUSES: frozenset[str] = frozenset(get_args(AssetStatus))
REVIEW_GATES: dict[str, GateName] = {"review": "review", "paused": "review"}
"""Asset decisions by gate: an edit while paused is recorded as a review-gate edit."""
DECISIONS: frozenset[str] = frozenset(get_args(DecisionKind))
FinishedOutcome = Literal["published", "cancelled", "failed", "budget_exceeded"]
FINISHED: frozenset[str] = frozenset(get_args(FinishedOutcome))
"""Campaign phases that end a run for good (``campaign_finished``, keyed by the phase)."""


def store_events(
    values: Mapping[str, Any], transitions: Sequence[ContentEvent]
) -> list[StoreEvent]:
    """Every store event the committed ``values`` and ``transitions`` of one thread imply."""
    thread_id = str(values["thread_id"])
    transitions = with_rollbacks(thread_id, transitions, values.get("rollbacks", []))
    brief: dict[str, Any] = dict(values.get("brief", {}))
    out = EventBatch(thread_id, str(brief.get("brand", "")))
    trace = [TraceEvent.model_validate(e) for e in values.get("trace", [])]
    started = min((e.created_at for e in trace), default=time.time())
    plan: dict[str, Any] = dict(values.get("plan", {}))
    out.add(
        make_event_key(thread_id, "service", 0, "campaign_started"),
        CampaignStarted(
            title=str(brief.get("title", ""))[:200],
            brief_hash=text_hash(json.dumps(brief, sort_keys=True)),
            budget_usd=float(plan.get("budget_usd") or brief.get("budget_usd") or 0.0),
        ),
        actor=str(values.get("owner", "")), at=started,
    )  # fmt: skip
    forked(out, values, started)
    assets: dict[str, Any] = dict(values.get("assets", {}))
    _lifecycle(out, assets, transitions)
    _traced(out, assets, trace)
    _decisions(out, values, assets, trace, at=started)
    _receipts(out, assets)
    phase = str(values.get("phase", ""))
    if phase in FINISHED:
        finished = CampaignFinished(outcome=cast(FinishedOutcome, phase))
        last = max((e.at for e in out.events), default=started)
        out.add(make_event_key(thread_id, "service", phase, "campaign_finished"), finished, at=last)
    return out.events


def _lifecycle(
    out: EventBatch, assets: Mapping[str, Any], transitions: Sequence[ContentEvent]
) -> None:
    """``version_created`` / ``status_changed`` for the transitions the store's lifecycle allows.

    A transition to a new version number creates it (specialist drafts start at ``draft``,
    human edits at ``review``); ``pending`` (a revision or a reviewer's note) has no store
    status and is skipped, and so is any move the lifecycle refuses.
    """
    lifecycle = Lifecycle()
    for change in transitions:
        asset = assets.get(change.asset_id)
        if asset is None or change.version < 1:
            continue
        ident = f"{change.from_status}>{change.to_status}"
        candidates: list[tuple[str, Payload, int, str]] = []
        newest = (lifecycle.current(out.thread_id, change.asset_id) or (0, ""))[0]
        if change.from_status == ROLLBACK:
            source, target, reason = rollback_parts(change)
            for missing in range(newest + 1, source + 1):  # e.g. an edit made while paused
                if (created := _created(asset, missing)) is not None:
                    candidates.append(("version_created", created, missing, "unrecorded"))
            copy = str((_version(asset, change.version) or {}).get("text", ""))
            rollback = RolledBack(from_version=source, to_version=target, text=copy, reason=reason)
            candidates.append(("rolled_back", rollback, change.version, ident))
        elif change.version > newest:
            if (created := _created(asset, change.version)) is None:
                continue
            candidates.append(("version_created", created, change.version, ident))
        if change.to_status in STORE_STATUSES and change.from_status != ROLLBACK:
            status = StatusChanged(to_status=cast(AssetStatus, change.to_status))
            candidates.append(("status_changed", status, change.version, ident))
        for kind, payload, version, key in candidates:
            event = StoreEvent(
                event_key=make_event_key(
                    out.thread_id, "content_log", key, kind, change.asset_id, version
                ),
                thread_id=out.thread_id, brand=out.brand, asset_id=change.asset_id,
                version=version, actor=change.actor[:200], at=change.at, payload=payload,
            )  # fmt: skip
            try:
                lifecycle.apply(event)
            except BrandloomError:
                continue
            out.events.append(event)


def _created(asset: Mapping[str, Any], version: int) -> VersionCreated | None:
    """``version_created`` for a version the asset holds (None if it holds no such version)."""
    text = _version(asset, version)
    if text is None:
        return None
    human = str(text.get("author", "")).startswith("human:")
    return VersionCreated(
        source="human" if human else "specialist", author=str(text.get("author", "")),
        text=str(text.get("text", "")), title=str(text.get("title", ""))[:200],
        status="review" if human else "draft",
    )  # fmt: skip


def _version(asset: Mapping[str, Any], version: int) -> dict[str, Any] | None:
    for written in asset.get("versions", []):
        if written.get("version") == version:
            return dict(written)
    return None


def _specialist_versions(asset: Mapping[str, Any]) -> list[int]:
    return [
        int(v["version"])
        for v in asset.get("versions", [])
        if not str(v.get("author", "")).startswith("human:")
    ]


def _traced(out: EventBatch, assets: Mapping[str, Any], trace: Sequence[TraceEvent]) -> None:
    """Model calls, checks and memory recalls of the committed trace, on the version they concern.

    Trace events carry no version: a ``draft`` node's events belong to the next specialist
    version of their asset (the one that draft writes), every later event of the asset to the
    version it has by then.
    """
    current: dict[str, int] = {}
    drafting: set[str] = set()
    for event in trace:
        asset_id = event.asset_id
        asset = assets.get(asset_id, {})
        if asset_id and event.node == "draft":
            if event.kind == "error":
                drafting.discard(asset_id)
                continue
            version = _next(asset, current.get(asset_id, 0))
            drafting.add(asset_id)
        else:
            if asset_id in drafting:
                current[asset_id] = _next(asset, current.get(asset_id, 0))
                drafting.discard(asset_id)
            version = current.get(asset_id, 0)
        _trace_event(out, event, version)


def _next(asset: Mapping[str, Any], version: int) -> int:
    later = [v for v in _specialist_versions(asset) if v > version]
    return min(later) if later else version + 1


def _trace_event(out: EventBatch, event: TraceEvent, version: int) -> None:
    def key(kind: str) -> str:
        return make_event_key(
            out.thread_id, event.node, f"trace-{event.event_id}", kind, event.asset_id, version
        )

    envelope: dict[str, Any] = {
        "asset_id": event.asset_id, "version": version,
        "actor": event.agent or event.node, "at": event.created_at,
    }  # fmt: skip
    if event.kind == "model_call":
        call = ModelCalled(
            model_id=event.model_id[:200], role=event.agent[:200],
            prompt_tokens=event.prompt_tokens, completion_tokens=event.completion_tokens,
            cost_usd=event.cost_usd, latency_ms=event.latency_ms, retries=event.retries,
            usage_estimated=event.usage_estimated,
        )  # fmt: skip
        out.add(key("model_call"), call, **envelope)
    elif event.kind == "check":
        for name, passed in sorted(event.checks.items()):
            check = CheckRan(name=name, passed=passed, detail=event.summary[:500])
            out.add(key(f"check:{name}"), check, **envelope)
    if event.memory_item_ids and event.kind in ("model_call", "memory"):
        out.add(key("memory_used"), MemoryUsed(item_ids=list(event.memory_item_ids)), **envelope)


def _decisions(
    out: EventBatch, values: Mapping[str, Any], assets: Mapping[str, Any],
    trace: Sequence[TraceEvent], *, at: float,
) -> None:  # fmt: skip
    """Asset decisions (with before/after text for edits), then the plan and publish gates'.

    Gate approvals of older campaigns are timed by the gate's committed ``decision`` trace
    event (else ``at``).
    """
    decided = {e.node: e.created_at for e in trace if e.kind == "decision" and not e.asset_id}
    for index, review in enumerate(values.get("reviews", [])):
        gate, action = REVIEW_GATES.get(str(review.get("gate", ""))), str(review.get("action", ""))
        if gate is None or action not in DECISIONS:
            continue
        asset_id, version = str(review.get("asset_id", "")), int(review.get("version", 0))
        asset = assets.get(asset_id, {})
        before, after = "", ""
        if action == "edit":
            edited = version if review.get("gate") == "paused" else version + 1
            before = str((_version(asset, edited - 1) or {}).get("text", ""))
            after = str((_version(asset, edited) or {}).get("text", ""))
            version = edited - 1
        decision = HumanDecision(
            gate=gate, decision=cast(DecisionKind, action), role=str(review.get("role", "")),
            reason=str(review.get("reason", ""))[:500],
            before=before, after=after, diff=str(review.get("diff", "")),
        )  # fmt: skip
        out.add(
            make_event_key(
                out.thread_id, f"{review.get('gate')}_gate", f"review-{index}", "decision",
                asset_id, version,
            ),
            decision, asset_id=asset_id, version=version,
            actor=f"user:{review.get('reviewer') or 'someone'}", at=float(review.get("at", at)),
        )  # fmt: skip
    gate_decisions(out, values, decided, at)


def _receipts(out: EventBatch, assets: Mapping[str, Any]) -> None:
    """One ``publish_receipt`` per asset the connector shipped, keyed by the receipt id."""
    for asset_id, asset in sorted(assets.items()):
        receipt = asset.get("receipt")
        if not receipt:
            continue
        version = int(receipt.get("version", asset.get("version", 0)))
        payload = PublishReceipt(
            connector=str(receipt.get("connector", ""))[:200], ok=True,
            remote_id=str(receipt.get("receipt_id", ""))[:200],
            url=str(receipt.get("location", ""))[:500],
        )  # fmt: skip
        out.add(
            make_event_key(
                out.thread_id, "publisher", f"receipt-{receipt.get('receipt_id', '')}",
                "publish_receipt", asset_id, version,
            ),
            payload, asset_id=asset_id, version=version, actor=payload.connector,
            at=float(receipt.get("published_at", 0.0)),
        )  # fmt: skip


async def record_campaign(
    store: ContentStore,
    values: Mapping[str, Any],
    transitions: Sequence[ContentEvent],
    extra: Sequence[StoreEvent] = (),
) -> int:
    """Append a thread's events, then ``extra`` ones (a stop), idempotently; the batch's size.

    Anything the store raises that is not already one of ours becomes a one-line
    ``StoreError``.
    """
    if not values.get("thread_id"):
        return 0
    events = [*store_events(values, transitions), *extra]
    try:
        await store.append(events)
    except BrandloomError:
        raise
    except Exception as error:
        raise StoreError(f"content store failed: {error}".splitlines()[0][:300]) from error
    return len(events)
