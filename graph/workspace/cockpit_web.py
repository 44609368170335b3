"""The Chainlit side of the review cockpit: decisions in the background, the panel's requests.

The panel (``public/elements/ReviewPanel.jsx``, props from ``graph.workspace.review_panel``)
calls one action callback (``review_panel``), handled here: a page request answers with the
page's props; a decision goes through ``Workspace.decide`` in the background, exactly as a
button click does, and answers at once so the panel can mark the asset. A bad request answers
``{"error": ...}`` and changes nothing.
"""

from __future__ import annotations

import asyncio

import chainlit as cl

from graph.workspace.chat import Reply, Workspace
from graph.workspace.cockpit import open_panel, panel_choices
from graph.workspace.commands import AssetChoice, kpi_command
from graph.workspace.inbox import inbox_command, inbox_markdown, inbox_rows
from graph.workspace.plan_editor import checked_plan, edit_text, read_editor_request
from graph.workspace.review_panel import read_request
from graph.workspace.web import LiveSteps, as_task, in_background, retire_buttons
from tools.errors import BrandloomError, InputError
from tools.settings import Settings

PanelAnswer = dict[str, object]
"""What ``callAction`` returns to the element (JSON)."""


async def refresh_panel(workspace: Workspace, user: str, chat_id: str) -> None:
    """Re-send the shown panel's props, so a decision made elsewhere shows on it."""
    element = cl.user_session.get("review_panel")
    if not isinstance(element, cl.CustomElement):
        return
    try:
        props = open_panel(workspace, user, chat_id, int(element.props.get("page", 0)))
    except BrandloomError:  # the gate was answered: the panel stays as it was
        return
    element.props = props.model_dump()
    await element.update()


async def close_panel(choices: list[AssetChoice]) -> None:
    """The shown panel's gate was answered: mark the last decisions and close it."""
    element = cl.user_session.get("review_panel")
    if not isinstance(element, cl.CustomElement):
        return
    actions = {choice.asset_id: choice.action for choice in choices}
    for asset in element.props.get("assets", []):
        asset["decision"] = asset.get("decision") or actions.get(asset["asset_id"], "")
    element.props["closed"] = "Every asset of this gate is decided; the campaign went on below."
    await element.update()
    cl.user_session.set("review_panel", None)


def decide_in_background(
    workspace: Workspace, user: str, chat_id: str, choices: list[AssetChoice]
) -> None:
    """Decide as a running task (the stop button shows while the campaign goes on)."""

    async def decide(live: LiveSteps) -> Reply:
        reply = await workspace.decide(user, chat_id, choices, live.sinks())
        gate_done = bool(reply.cards) or any(c.asset_id == "all" for c in choices)
        await retire_buttons(None if gate_done else [c.asset_id for c in choices])
        if reply.cards or reply.panel is not None or not reply.text.startswith("Noted"):
            await close_panel(choices)
        else:
            await refresh_panel(workspace, user, chat_id)
        return reply

    cl.context.session.current_task = in_background(as_task(decide))


async def on_panel_action(
    workspace: Workspace, user: str, chat_id: str, payload: dict[str, object]
) -> PanelAnswer:
    """One request of the panel."""
    try:
        request = read_request(payload)
        if request.action == "page":
            return {"props": open_panel(workspace, user, chat_id, request.page).model_dump()}
        choices = panel_choices(workspace, user, chat_id, request)
    except BrandloomError as error:
        return {"error": error.user_message}
    decide_in_background(workspace, user, chat_id, choices)
    return {"decided": {choice.asset_id: choice.action for choice in choices}}


async def on_editor_action(
    workspace: Workspace, user: str, chat_id: str, payload: dict[str, object]
) -> PanelAnswer:
    """One request of the plan editor: check the table, or approve the plan (as edited)."""
    try:
        request = read_editor_request(payload)
        record = workspace.campaign(user, chat_id)
        gate = workspace.services(record.models).pending_gate(record.thread_id)
        if gate is None or gate.gate != "plan":
            raise InputError("this campaign is not waiting at the plan gate any more")
        workspace.require(user, "decide")
    except BrandloomError as error:
        return {"errors": [{"row": None, "field": "", "message": error.user_message}]}
    edited, errors = checked_plan(gate.plan or {}, request)
    if edited is None:
        return {"errors": [error.model_dump() for error in errors]}
    if request.action == "check":
        return {"errors": [], "ok": f"The plan is valid: {len(edited['deliverables'])} rows."}
    text = edit_text(gate.plan or {}, edited)
    choice = AssetChoice(asset_id="plan", action="edit" if text else "approve", text=text)
    decide_in_background(workspace, user, chat_id, [choice])
    element = cl.user_session.get("plan_editor")
    if isinstance(element, cl.CustomElement):
        element.props["closed"] = f"Plan {'edited and ' if text else ''}approved."
        await element.update()
    return {"errors": [], "ok": f"Plan {'edited and ' if text else ''}approved."}


async def kpis_if_asked(workspace: Workspace, settings: Settings, user: str, text: str) -> bool:
    """``kpis [BRAND]`` typed in any chat: the KPI charts (False: the message is not that)."""
    brand = kpi_command(text)
    if brand is None:
        return False
    from graph.workspace.kpi_charts import kpi_figures, kpi_markdown, kpi_series
    from tools.content_store import open_content_store

    try:
        workspace.require(user, "read")
        store = await open_content_store(settings)
        try:
            series = await kpi_series(store, brand or None)
        finally:
            await store.close()
    except BrandloomError as error:
        await cl.ErrorMessage(content=f"⚠ {error.user_message}").send()
        return True
    elements: list[cl.Plotly] = [
        cl.Plotly(name=name, figure=figure, display="inline", size="large")
        for name, figure in kpi_figures(series).items()
    ]
    await cl.Message(content=kpi_markdown(series), elements=elements).send()
    return True


async def inbox_if_asked(workspace: Workspace, user: str, text: str) -> bool:
    """``inbox`` typed in any chat: the gates waiting in the user's campaigns."""
    if not inbox_command(text):
        return False
    try:
        rows = await asyncio.to_thread(inbox_rows, workspace, user)
    except BrandloomError as error:
        await cl.ErrorMessage(content=f"⚠ {error.user_message}").send()
        return True
    await cl.Message(content=inbox_markdown(rows)).send()
    return True


async def cockpit_command(workspace: Workspace, settings: Settings, user: str, text: str) -> bool:
    """``kpis [BRAND]`` or ``inbox`` typed in any chat (False: the message is neither)."""
    return await kpis_if_asked(workspace, settings, user, text) or await inbox_if_asked(
        workspace, user, text
    )
