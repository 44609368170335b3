"""Human edits applied outside a gate: plan and draft edits while paused, fork edits.

These are pure functions from state values to the update the service writes with
``update_state``; the supervisor's routing then decides what runs next from the edited state.
"""

from __future__ import annotations

import math
import time
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from agents.base import Tone
from graph.planning.assets import new_asset, with_human_version
from graph.planning.plan import Deliverable, Plan
from graph.state import AssetRecord, ReviewRecord
from tools.errors import InputError, NotFoundError


class CampaignEdits(BaseModel):
    """What a fork changes ("same plan, more playful tone"); unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    tone: Tone | None = None
    """New tone for every asset not written yet (and the brief)."""
    budget_usd: float | None = Field(default=None, ge=0)
    note: str = ""
    """A campaign note every specialist sees from now on."""
    deliverables: list[Deliverable] | None = None
    """A replacement deliverables matrix."""


_ROWS = TypeAdapter(list[Deliverable])


def first_problem(error: ValidationError) -> str:
    """One line naming the first thing wrong in a pydantic error: ``where: what``."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def is_amount(value: object) -> bool:
    """Whether ``value`` is a finite, non-negative number (a budget in USD)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value >= 0


def parse_rows(rows: object) -> list[Deliverable]:
    """Validate user-supplied plan rows (dicts or ``Deliverable``); ``InputError`` if bad."""
    if not isinstance(rows, list | tuple):
        raise InputError("the plan must be a list of deliverable rows")
    try:
        return _ROWS.validate_python(list(rows))
    except ValidationError as error:
        raise InputError(f"invalid plan row {first_problem(error)}") from None


def parse_edits(edits: object) -> CampaignEdits:
    """Validate user-supplied fork edits (a dict or ``CampaignEdits``); ``InputError`` if bad."""
    if edits is None:
        return CampaignEdits()
    if not isinstance(edits, dict | CampaignEdits):
        raise InputError("fork edits must be an object such as {'tone': 'playful'}")
    try:
        return CampaignEdits.model_validate(edits)
    except ValidationError as error:
        raise InputError(f"invalid fork edit {first_problem(error)}") from None


def plan_update(values: dict[str, Any], deliverables: list[Deliverable]) -> dict[str, Any]:
    """New plan rows; assets of unchanged ids are kept, new ones start pending.

    ``assets`` is the whole new mapping: the service writes it with LangGraph's ``Overwrite``
    (dropped rows go away instead of being merged back by the state reducer).
    """
    if not values.get("plan"):
        raise InputError("the campaign has no plan yet")
    if not deliverables:
        raise InputError("the plan needs at least one deliverable")
    try:
        plan = Plan.model_validate({**values["plan"], "deliverables": deliverables})
    except ValidationError as error:
        raise InputError(f"invalid plan: {first_problem(error)}") from None
    old = values.get("assets", {})
    assets: dict[str, AssetRecord] = {}
    for row in plan.deliverables:
        kept = old.get(row.asset_id)
        fresh = new_asset(row)
        if kept is not None and kept["asset_kind"] == row.asset_kind:
            fresh = cast(
                AssetRecord, {**kept, "constraints": fresh["constraints"], "channel": row.channel}
            )
        assets[row.asset_id] = fresh
    return {"plan": plan.model_dump(mode="json"), "assets": assets}


def draft_update(
    values: dict[str, Any], asset_id: str, text: str, user: str, now: float | None = None
) -> dict[str, Any]:
    """A human version of one asset; it goes (back) to review with fresh check results."""
    if not isinstance(asset_id, str) or not isinstance(text, str) or not isinstance(user, str):
        raise InputError("an edit needs an asset id, the new text and the user, each as text")
    asset = values.get("assets", {}).get(asset_id)
    if asset is None:
        raise NotFoundError(f"no asset {asset_id!r} in this campaign")
    if asset["status"] == "published":
        raise InputError(f"asset {asset_id} is already published")
    if not text.strip():
        raise InputError("the edited text is empty")
    at = time.time() if now is None else now
    edited, diff = with_human_version(asset, text, user, at)
    edited["status"] = "review"
    record = ReviewRecord(
        gate="paused",
        asset_id=asset_id,
        version=edited["version"],
        action="edit",
        reviewer=user,
        reason="edited while paused",
        diff=diff,
        at=at,
    )
    return {"assets": {asset_id: edited}, "reviews": [record]}


def fork_values(values: dict[str, Any], edits: CampaignEdits) -> dict[str, Any]:
    """State values for a new thread forked from ``values`` with ``edits`` applied."""
    forked = {k: v for k, v in values.items() if k != "dispatch"}
    brief = dict(forked.get("brief", {}))
    plan = dict(forked.get("plan", {}))
    assets = {k: dict(v) for k, v in forked.get("assets", {}).items()}
    if edits.tone is not None:
        brief["tone"] = edits.tone
        for row in plan.get("deliverables", []):
            row["constraints"] = {**row["constraints"], "tone": edits.tone}
        for asset in assets.values():
            if asset["status"] in ("pending", "rejected"):
                asset["constraints"] = {**asset["constraints"], "tone": edits.tone}
    if edits.note.strip():
        brief["notes"] = [*brief.get("notes", []), edits.note.strip()]
    if edits.budget_usd is not None and plan:
        plan["budget_usd"] = edits.budget_usd
    forked.update(brief=brief, plan=plan, assets=assets, dispatch=[])
    if edits.deliverables is not None:
        forked.update(plan_update(forked, edits.deliverables))
    return forked
