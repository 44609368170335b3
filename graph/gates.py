"""Gate payloads (what an interrupt shows) and resume values (what a human answers).

Shared vocabulary: approve / edit / reject / respond. ``parse_resume`` validates a raw
resume value against the gate that is actually pending *before* the graph is called, so a value
that does not parse is an ``InputError`` and changes nothing. Payloads and resume values cross
the checkpoint as plain dicts (``model_dump(mode="json")``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from graph.planning.plan import MAX_DELIVERABLES, Deliverable
from tools.errors import InputError
from tools.roles import Role

GateName = Literal["plan", "review", "publish"]
Action = Literal["approve", "edit", "reject", "respond"]


class AssetForReview(BaseModel):
    """One asset as the review gate shows it."""

    asset_id: str
    asset_kind: str
    channel: str
    version: int
    title: str = ""
    text: str
    fields: dict[str, str] = Field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = Field(default_factory=dict)
    flagged: bool = False
    failed: bool = False
    error: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class GatePayload(BaseModel):
    """What an interrupt carries; ``gate`` says which resume model answers it."""

    gate: GateName
    thread_id: str
    message: str
    """One line for humans (``Approve the plan (12 deliverables)`` ...)."""
    plan: dict[str, Any] | None = None
    """The plan (plan gate)."""
    assets: list[AssetForReview] = Field(default_factory=list)
    """Assets awaiting review (review gate) or ready to publish (publish gate)."""
    required_role: Role = "editor"


class PlanDecision(BaseModel):
    """Answer to the plan gate."""

    action: Action
    deliverables: list[Deliverable] | None = None
    """The edited matrix (``edit``): replaces the plan's deliverables."""
    budget_usd: float | None = Field(default=None, ge=0)
    """A new campaign budget with the edit (None: unchanged)."""
    due_date: date | None = None
    """A new due date with the edit (None: unchanged)."""
    reason: str = ""
    note: str = ""
    """A note to the planner (``respond``): amends the brief and re-plans."""
    user: str = ""

    @model_validator(mode="after")
    def _complete(self) -> PlanDecision:
        if self.action == "edit" and not self.deliverables:
            raise ValueError("edit needs the edited deliverables")
        if self.action == "respond" and not self.note.strip():
            raise ValueError("respond needs a note")
        ids = [row.asset_id for row in self.deliverables or []]
        if len(ids) != len(set(ids)):
            raise ValueError("asset ids in the plan must be unique")
        if len(ids) > MAX_DELIVERABLES:
            raise ValueError(f"a plan holds at most {MAX_DELIVERABLES} deliverables")
        return self


class AssetDecision(BaseModel):
    """Answer for one asset at the review gate."""

    action: Action
    text: str = ""
    """The edited text (``edit``)."""
    title: str | None = None
    reason: str = ""
    """Why it was rejected (``reject``): becomes feedback for the regeneration."""
    note: str = ""
    """A note to the specialist (``respond``): it revises the asset."""

    @model_validator(mode="after")
    def _complete(self) -> AssetDecision:
        if self.action == "edit" and not self.text.strip():
            raise ValueError("edit needs the new text")
        if self.action == "reject" and not self.reason.strip():
            raise ValueError("reject needs a reason")
        if self.action == "respond" and not self.note.strip():
            raise ValueError("respond needs a note")
        return self


class ReviewDecision(BaseModel):
    """Answer to the review gate: one decision per asset (undecided ones stay in review)."""

    decisions: dict[str, AssetDecision]
    user: str = ""


class PublishDecision(BaseModel):
    """Answer to the publish gate; only an approver may approve."""

    action: Literal["approve", "reject"]
    role: Role
    user: str = ""
    reason: str = ""


Decision = PlanDecision | ReviewDecision | PublishDecision
_MODELS: dict[GateName, type[BaseModel]] = {
    "plan": PlanDecision,
    "review": ReviewDecision,
    "publish": PublishDecision,
}


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


DecisionT = TypeVar("DecisionT", PlanDecision, AssetDecision, ReviewDecision, PublishDecision)


def decided(model: type[DecisionT], **fields: object) -> DecisionT:
    """An adapter's decision as its typed model; an ``InputError`` (one line) when a field is
    missing or wrong (a reject without a reason, an edited plan that is not a plan)."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise InputError(f"invalid decision: {_first_error(error)}") from None


def parse_resume(gate: GatePayload, raw: object) -> Decision:
    """Validate a resume value against the pending gate; ``InputError`` if it does not fit."""
    if isinstance(raw, BaseModel):
        raw = raw.model_dump()
    if not isinstance(raw, dict):
        raise InputError(f"the {gate.gate} gate expects an object with an 'action' or 'decisions'")
    try:
        decision = _MODELS[gate.gate].model_validate(raw)
    except ValidationError as error:
        raise InputError(f"invalid {gate.gate} decision: {_first_error(error)}") from None
    if isinstance(decision, ReviewDecision):
        waiting = {asset.asset_id for asset in gate.assets}
        unknown = sorted(set(decision.decisions) - waiting)
        if unknown:
            raise InputError(f"no asset awaiting review with id {', '.join(unknown)}")
        if not decision.decisions:
            raise InputError("the review decision names no asset")
        empty = {a.asset_id for a in gate.assets if not a.text.strip()}
        for asset_id, choice in decision.decisions.items():
            if choice.action == "approve" and asset_id in empty:
                raise InputError(f"{asset_id} has no text to approve: edit, reject or respond")
    return decision  # type: ignore[return-value]
