"""The cockpit's server side against a real workspace (scripted specialists, in-memory saver):
the panel's props and requests, the plan editor's decision, the inbox; access as everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.workspace.chat import Sinks, Workspace
from graph.workspace.cockpit import open_panel, panel_choices
from graph.workspace.commands import AssetChoice
from graph.workspace.inbox import inbox_markdown, inbox_rows
from graph.workspace.plan_editor import checked_plan, edit_text, editor_props, read_editor_request
from graph.workspace.review_panel import read_request
from tests.graph.conftest import SMALL_BRIEF
from tests.graph.workspace.test_chat import at_review, build_workspace
from tools.errors import InputError, PermissionDenied


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path)


async def test_the_review_reply_carries_the_panel_and_others_get_nothing(
    workspace: Workspace,
) -> None:
    reply = await at_review(workspace)
    assert reply.panel is not None
    ids = [asset.asset_id for asset in reply.panel.assets]
    assert ids == [card.key for card in reply.cards if card.key != "header"]
    assert open_panel(workspace, "ana", "c1").total == len(ids)
    with pytest.raises(PermissionDenied, match="another user"):
        open_panel(workspace, "bob", "c1")
    with pytest.raises(PermissionDenied, match="another user"):
        panel_choices(
            workspace, "bob", "c1", read_request({"action": "approve", "asset_id": ids[0]})
        )


async def test_panel_decisions_are_the_buttons_decisions(workspace: Workspace) -> None:
    reply = await at_review(workspace)
    assert reply.panel is not None
    first = reply.panel.assets[0]
    stale = read_request({"action": "approve", "asset_id": first.asset_id, "version": 99})
    with pytest.raises(InputError, match="newer version"):
        panel_choices(workspace, "ana", "c1", stale)
    request = read_request(
        {"action": "edit", "asset_id": first.asset_id, "text": "Loomwell linen, new words."}
    )
    choices = panel_choices(workspace, "ana", "c1", request)
    noted = await workspace.decide("ana", "c1", choices, Sinks())
    assert noted.text.startswith("Noted")
    shown = open_panel(workspace, "ana", "c1").assets[0]
    assert shown.decision == "edit"
    assert {t.op for t in shown.edit_diff} >= {"add", "del"}
    with pytest.raises(InputError, match="already has a decision"):
        await workspace.decide("ana", "c1", choices, Sinks())


async def test_the_plan_editor_edit_reaches_the_engine_with_budget(workspace: Workspace) -> None:
    reply = await workspace.handle_message("ana", "c1", SMALL_BRIEF, Sinks())
    assert reply.editor is not None
    plan = workspace.services({}).view("c1").plan
    rows = [row.model_dump() for row in reply.editor.rows][:1]
    request = read_editor_request({"action": "approve", "rows": rows, "budget_usd": 0.9})
    edited, errors = checked_plan(plan, request)
    assert errors == [] and edited is not None
    text = edit_text(plan, edited)
    assert json.loads(text)["budget_usd"] == 0.9
    await workspace.decide(
        "ana", "c1", [AssetChoice(asset_id="plan", action="edit", text=text)], Sinks()
    )
    view = workspace.services({}).view("c1")
    assert [d["asset_id"] for d in view.plan["deliverables"]] == [rows[0]["asset_id"]]
    assert view.plan["budget_usd"] == 0.9
    assert editor_props(view.plan).budget_usd == 0.9


async def test_the_inbox_shows_my_waiting_gates_only(workspace: Workspace) -> None:
    await workspace.handle_message("ana", "c1", SMALL_BRIEF, Sinks())
    rows = inbox_rows(workspace, "ana")
    assert [(row.chat_id, row.gate) for row in rows] == [("c1", "plan")]
    assert "(/thread/c1)" in inbox_markdown(rows)
    assert inbox_rows(workspace, "bob") == []
    assert "Nothing is waiting" in inbox_markdown([])
