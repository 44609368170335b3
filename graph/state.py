"""The campaign's graph state: data and ids only, JSON-shaped, with reducers for fan-in.

Everything here is a plain dict/list/str/number so any checkpoint saver (and LangGraph's
serde) stores it without custom types; pydantic models validate at the edges (brief, gates,
plan edits). Parallel draft tasks write into ``assets`` (merged per asset id), ``usage``
(summed) and ``trace`` (appended) without clobbering each other.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired, TypedDict

if TYPE_CHECKING:  # the state stays plain data; only the update type names LangGraph's marker
    from langgraph.types import Overwrite

AssetStatus = Literal["pending", "draft", "review", "approved", "rejected", "published"]
"""pending: to be written (new, revision, regeneration); draft: written, not yet verified;
review: waiting for a human; approved; rejected: a reviewer rejected it (regenerated next);
published: shipped by the connector."""

CampaignPhase = Literal[
    "planning",
    "awaiting_plan",
    "drafting",
    "reviewing",
    "awaiting_publish",
    "published",
    "cancelled",
    "budget_exceeded",
    "failed",
]
"""Where the campaign is; ``view`` shows it."""


class AssetVersion(TypedDict):
    """One written version of an asset."""

    version: int
    text: str
    title: str
    fields: dict[str, str]
    author: str
    """Specialist name, or ``human:<user>`` for an edit at review."""
    created_at: float


class AssetRecord(TypedDict):
    """One deliverable's asset: its plan row, versions, status and verification."""

    asset_id: str
    asset_kind: str
    channel: str
    variant: int
    product: dict[str, str]
    constraints: dict[str, Any]
    """``agents.base.Constraints`` as a dict."""
    status: AssetStatus
    version: int
    """Current version number (0 before the first draft)."""
    versions: list[AssetVersion]
    checks: dict[str, dict[str, Any]]
    """Check name -> ``{"passed": bool, "detail": str}`` for the current version."""
    flagged: bool
    """Checks still failing after the revision budget: the reviewer should look closely."""
    failed: bool
    """Generation failed (every model in the chain, timeout or quota): human fallback."""
    error: str
    revisions: int
    """Verifier-driven revisions spent on the current generation."""
    feedback: list[str]
    """What the next version must address (failed checks, reviewer reasons, notes)."""
    tags: dict[str, str]
    """Predicted ``tone`` and ``category`` (+ confidences) from the triage classifiers."""
    usage: dict[str, float]
    """This asset's tokens, cost and model calls (the per-task quota is checked on it)."""
    memory_item_ids: list[str]
    memory_links: list[str]
    """Links (URLs, e-mail addresses) in the brand memory recalled for the current version:
    the verifier accepts them in the draft (``tools.link_sources``)."""
    publish_at: NotRequired[str]
    """The plan row's ``publish_at`` (ISO), empty for at once; absent in older checkpoints."""
    receipt: dict[str, Any] | None
    """The connector's receipt once published."""


class ReviewRecord(TypedDict):
    """One human decision at a gate."""

    gate: str
    asset_id: str
    version: int
    action: str
    reviewer: str
    reason: str
    diff: str
    """Unified diff for edits."""
    at: float
    role: NotRequired[str]
    """The decider's role (publish gate: ``approver``)."""
    plan_version: NotRequired[int]
    """Plan gate: the plan version decided on (an edit makes the next one)."""
    plan_hash: NotRequired[str]
    """Plan gate: ``text_hash`` of the plan approved or written by this decision."""


class RollbackRecord(TypedDict):
    """An asset rolled back: its new ``version`` is a copy of ``to_version`` (waits at review)."""

    asset_id: str
    from_version: int
    to_version: int
    version: int
    user: str
    reason: str
    at: float


class DraftTask(TypedDict):
    """The payload of one ``Send`` to the draft node: everything one task needs."""

    thread_id: str
    asset: AssetRecord
    brief: dict[str, Any]
    """Brand, goal, audience, tone and notes of the brief (``supervisor.task_brief``)."""
    memory: list[dict[str, str]]
    """Recalled brand-memory snippets (``agents.base.MemorySnippet`` dicts)."""
    campaign_remaining_usd: float
    """Budget left when the task was dispatched."""


def merge_assets(
    left: dict[str, AssetRecord], right: dict[str, AssetRecord]
) -> dict[str, AssetRecord]:
    """Fan-in reducer: later records replace earlier ones per asset id."""
    return {**left, **right}


def add_usage(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    """Fan-in reducer: usage counters are summed."""
    merged = dict(left)
    for key, value in right.items():
        merged[key] = merged.get(key, 0) + value
    return merged


class CampaignState(TypedDict, total=False):
    """The graph state of one campaign (one LangGraph thread)."""

    thread_id: str
    owner: str
    """User who commissioned the campaign (ownership is checked by adapters)."""
    brief: dict[str, Any]
    """``graph.planning.brief.Brief`` as a dict."""
    plan: dict[str, Any]
    """``graph.planning.plan.Plan`` as a dict: the deliverables matrix, budget, due date."""
    plan_approved: bool
    publish_approved: bool
    publisher: str
    """Approver who released the campaign."""
    phase: CampaignPhase
    stop_reason: str
    """Why the campaign stopped early (budget, rejection), shown to users."""
    assets: Annotated[dict[str, AssetRecord], merge_assets]
    reviews: Annotated[list[ReviewRecord], operator.add]
    gate_decisions: Annotated[list[ReviewRecord], operator.add]
    """Plan and publish gate decisions (asset decisions are in ``reviews``)."""
    rollbacks: Annotated[list[RollbackRecord], operator.add]
    """Asset rollbacks, in order (``graph.service.rollback``)."""
    usage: Annotated[dict[str, float], add_usage]
    """Campaign totals: prompt/completion tokens, cost_usd, model_calls, estimated_calls (calls
    whose tokens were counted locally), classifier_calls, large_calls_avoided."""
    trace: Annotated[list[dict[str, Any]], operator.add]
    """``tools.events.TraceEvent`` dicts, in order."""
    dispatch: list[DraftTask]
    """Tasks the supervisor fans out next (one ``Send`` each)."""
    forked_from: str
    """``thread_id@checkpoint_id`` this campaign was forked from."""


class CampaignUpdate(TypedDict, total=False):
    """What a node returns: a partial ``CampaignState`` LangGraph merges through its reducers.

    Same keys and types as the state (a typo'd key or a phase outside ``CampaignPhase`` fails
    mypy), except that ``assets`` may be an ``Overwrite`` replacing the whole mapping.
    """

    thread_id: str
    owner: str
    brief: dict[str, Any]
    plan: dict[str, Any]
    plan_approved: bool
    publish_approved: bool
    publisher: str
    phase: CampaignPhase
    stop_reason: str
    assets: dict[str, AssetRecord] | Overwrite
    reviews: list[ReviewRecord]
    usage: dict[str, float]
    trace: list[dict[str, Any]]
    dispatch: list[DraftTask]
    gate_decisions: list[ReviewRecord]
    rollbacks: list[RollbackRecord]
    forked_from: str
