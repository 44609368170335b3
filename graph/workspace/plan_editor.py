"""The plan editor's data: the deliverables table the ``PlanEditor`` element edits, checked here.

The element sends the whole table (rows, budget, due date); it is validated with ``Plan``, the
model the plan gate itself validates an edit with, and every error is returned with the row and
field it belongs to, so the element shows it on that field. A row keeps what the table does not
show (product, required and banned terms) from the plan row with the same asset id. A table
that validates becomes the same ``edit plan`` decision the JSON route makes. Nothing here
imports Chainlit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError

from agents.base import Tone
from graph.planning.plan import Plan
from tools.asset_kinds import ASSET_KINDS
from tools.errors import InputError

EDITOR_NAME = "PlanEditor"
"""The custom element (``public/elements/PlanEditor.jsx``)."""
EDITOR_ACTION = "plan_editor"
"""The action callback the editor calls (``callAction``)."""
_CONSTRAINT_FIELDS = ("min_words", "max_words", "tone")


class PlanRow(BaseModel):
    """One deliverable as the table shows it."""

    asset_id: str
    asset_kind: str
    channel: str
    variant: int = 1
    min_words: int = 0
    max_words: int = 400
    tone: str = ""


class FieldError(BaseModel):
    """A validation error and where it belongs (``row`` None: the plan as a whole)."""

    row: int | None = None
    field: str = ""
    message: str


class EditorProps(BaseModel):
    brand: str
    budget_usd: float
    due_date: str
    rows: list[PlanRow]
    kinds: list[str] = Field(default_factory=lambda: [str(kind) for kind in sorted(ASSET_KINDS)])
    tones: list[str] = Field(default_factory=lambda: ["", *get_args(Tone)])
    errors: list[FieldError] = Field(default_factory=list)
    closed: str = ""


class EditorRequest(BaseModel):
    """What the element sends: check the table, or approve the plan (edited when it differs)."""

    action: Literal["check", "approve"]
    rows: list[dict[str, Any]] = Field(default_factory=list)
    budget_usd: float | str | None = None
    due_date: str = ""


def editor_props(plan: Mapping[str, Any]) -> EditorProps:
    """The plan as the element's props."""
    rows = []
    for row in plan.get("deliverables", []):
        limits = row.get("constraints", {})
        rows.append(
            PlanRow(
                asset_id=row["asset_id"],
                asset_kind=row["asset_kind"],
                channel=row["channel"],
                variant=int(row.get("variant", 1)),
                min_words=int(limits.get("min_words", 0)),
                max_words=int(limits.get("max_words", 400)),
                tone=limits.get("tone") or "",
            )
        )
    due = plan.get("due_date")
    return EditorProps(
        brand=str(plan.get("brand", "")),
        budget_usd=float(plan.get("budget_usd", 0.0)),
        due_date=str(due) if due else "",
        rows=rows,
    )


def read_editor_request(payload: Mapping[str, object]) -> EditorRequest:
    try:
        return EditorRequest.model_validate(dict(payload))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"plan editor: {where}: {first['msg']}") from None


def _deliverable(row: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    limits = {**before.get("constraints", {})}
    for key in _CONSTRAINT_FIELDS:
        if key in row:
            limits[key] = row[key] if row[key] != "" else None
    if limits.get("tone") is None:
        limits.pop("tone", None)
    return {
        "asset_id": str(row.get("asset_id", "")).strip(),
        "asset_kind": row.get("asset_kind", ""),
        "channel": str(row.get("channel", "")).strip(),
        "variant": row.get("variant", 1),
        "product": before.get("product", {}),
        "constraints": limits,
    }


def _where(loc: tuple[int | str, ...]) -> tuple[int | None, str]:
    if len(loc) >= 2 and loc[0] == "deliverables" and isinstance(loc[1], int):
        return loc[1], str(loc[-1]) if len(loc) > 2 else ""
    return None, str(loc[0]) if loc else ""


def checked_plan(
    plan: Mapping[str, Any], request: EditorRequest
) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """The edited plan (JSON-ready) if the table validates, else every error on its field."""
    before = {row["asset_id"]: row for row in plan.get("deliverables", [])}
    rows = [_deliverable(row, before.get(str(row.get("asset_id", "")), {})) for row in request.rows]
    errors: list[FieldError] = []
    for index, row in enumerate(rows):
        limits = row["constraints"]
        low, high = limits.get("min_words", 0), limits.get("max_words", 400)
        if isinstance(low, int) and isinstance(high, int) and low > high:
            errors.append(FieldError(row=index, field="max_words", message="below min words"))
    if not rows:
        errors.append(FieldError(field="rows", message="a plan needs at least one deliverable"))
    edited = {**plan, "deliverables": rows}
    if request.budget_usd not in (None, ""):
        edited["budget_usd"] = request.budget_usd
    edited["due_date"] = request.due_date or None
    try:
        checked = Plan.model_validate(edited)
    except ValidationError as error:
        for problem in error.errors():
            at_row, field = _where(tuple(problem["loc"]))
            message = str(problem["msg"]).removeprefix("Value error, ")
            errors.append(FieldError(row=at_row, field=field, message=message))
        return None, errors
    return (None, errors) if errors else (checked.model_dump(mode="json"), [])


def edit_text(plan: Mapping[str, Any], edited: Mapping[str, Any]) -> str:
    """The ``edit plan`` JSON the decision carries ("" when nothing changed: a plain approve)."""
    same = (
        edited["deliverables"] == Plan.model_validate(plan).model_dump(mode="json")["deliverables"]
        and float(edited["budget_usd"]) == float(plan.get("budget_usd", 0.0))
        and (edited.get("due_date") or None) == (_iso(plan.get("due_date")) or None)
    )
    if same:
        return ""
    return json.dumps(
        {
            "deliverables": edited["deliverables"],
            "budget_usd": edited["budget_usd"],
            "due_date": edited.get("due_date"),
        }
    )


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value or "")
