"""The plan editor's server side: the table validated with the plan model, errors by field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.workspace.commands import plan_limits
from graph.workspace.plan_editor import (
    checked_plan,
    edit_text,
    editor_props,
    read_editor_request,
)
from tools.errors import InputError

PLAN: dict[str, Any] = {
    "brand": "Loomwell",
    "goal": "spring",
    "budget_usd": 0.5,
    "due_date": None,
    "deliverables": [
        {
            "asset_id": "social_post-01", "asset_kind": "social_post", "channel": "instagram",
            "variant": 1, "product": {"name": "Linen shirt"},
            "constraints": {"min_words": 8, "max_words": 60, "tone": "friendly",
                            "required_terms": ["Loomwell"], "banned_terms": []},
        }
    ],
}  # fmt: skip


def _rows() -> list[dict[str, Any]]:
    return [row.model_dump() for row in editor_props(PLAN).rows]


def test_an_unchanged_table_is_a_plain_approve() -> None:
    request = read_editor_request({"action": "approve", "rows": _rows(), "budget_usd": "0.5"})
    edited, errors = checked_plan(PLAN, request)
    assert errors == [] and edited is not None
    assert edit_text(PLAN, edited) == ""


def test_an_edit_keeps_hidden_fields_and_carries_budget_and_due_date() -> None:
    rows = _rows()
    rows[0]["max_words"] = 90
    rows.append({"asset_id": "email-extra", "asset_kind": "email", "channel": "email"})
    request = read_editor_request(
        {"action": "approve", "rows": rows, "budget_usd": 0.75, "due_date": "2026-03-02"}
    )
    edited, errors = checked_plan(PLAN, request)
    assert errors == [] and edited is not None
    text = edit_text(PLAN, edited)
    first = json.loads(text)["deliverables"][0]
    assert first["constraints"]["max_words"] == 90
    assert first["constraints"]["required_terms"] == ["Loomwell"]
    assert first["product"] == {"name": "Linen shirt"}
    assert plan_limits(text) == {"budget_usd": 0.75, "due_date": "2026-03-02"}


def test_errors_come_back_on_their_row_and_field() -> None:
    rows = [*_rows(), dict(_rows()[0])]  # a duplicate id
    rows[0]["max_words"] = "lots"
    rows[1]["asset_kind"] = "poem"
    request = read_editor_request({"action": "check", "rows": rows, "budget_usd": "-1"})
    edited, errors = checked_plan(PLAN, request)
    assert edited is None
    where = {(e.row, e.field) for e in errors}
    assert (
        (0, "max_words") in where and (1, "asset_kind") in where and (None, "budget_usd") in where
    )


def test_min_above_max_and_an_empty_table_are_refused() -> None:
    rows = _rows()
    rows[0]["min_words"] = 100
    _, errors = checked_plan(PLAN, read_editor_request({"action": "check", "rows": rows}))
    assert [(e.row, e.field) for e in errors] == [(0, "max_words")]
    _, errors = checked_plan(PLAN, read_editor_request({"action": "check", "rows": []}))
    assert errors[0].field == "rows"


def test_a_malformed_request_is_one_line() -> None:
    with pytest.raises(InputError, match="plan editor: action"):
        read_editor_request({"action": "publish"})
