"""Brandloom's chat workspace: the Chainlit adapter only.

Auth, chat start/resume, messages and button clicks go to ``graph.workspace.chat.Workspace``
(which checks roles, ownership and input server-side); its replies become messages with
actions, and trace events become nested steps (``graph.workspace.web``). Importing this module
builds nothing: the workspace (stores, models, brand memory) and the first user are made on
Chainlit's startup hook. Run it with ``chainlit run app.py`` (``make run``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path

import chainlit as cl
from chainlit.types import ThreadDict

from graph.workspace.callbacks import mount_callbacks
from graph.workspace.chat import Reply, add_brand_files
from graph.workspace.chat_history import ChatHistoryStore
from graph.workspace.cockpit_web import (
    cockpit_command,
    decide_in_background,
    on_editor_action,
    on_panel_action,
)
from graph.workspace.commands import AssetChoice
from graph.workspace.plan_editor import EDITOR_ACTION
from graph.workspace.render import ACTION_NAME
from graph.workspace.review_panel import PANEL_ACTION
from graph.workspace.setup import read_choices, starters
from graph.workspace.web import (
    ChatServer,
    LiveSteps,
    guarded,
    in_background,
    settings_panel,
)
from tools.errors import BrandloomError

server = ChatServer()
"""Settings and workspace, built on first use."""
_AFTER_RESUME_S = 0.2
_POLL_S = 0.5
_ASK_FOR = {"edit": "the new text", "reject": "the reason", "respond": "your note"}


@cl.on_app_startup
def start_server() -> None:
    """Open the workspace (and create the first user) before the first browser connects, and
    mount the signed completion-callback endpoint (``POST /hooks/{connector}``)."""
    from chainlit.server import app as web_app  # the running server's app, not at import

    server.start()
    mount_callbacks(web_app, server.settings)


@cl.data_layer
def chat_history() -> ChatHistoryStore:
    return server.chat_history()


@cl.password_auth_callback
async def sign_in(username: str, password: str) -> cl.User | None:
    user = await asyncio.to_thread(server.workspace.users.authenticate, username, password)
    return cl.User(identifier=user.name, metadata={"role": user.role}) if user else None


@cl.set_starters
async def set_starters(user: cl.User | None = None) -> list[cl.Starter]:
    return [cl.Starter(label=spec.label, message=spec.message) for spec in starters()]


def _user() -> str:
    user = cl.context.session.user
    assert user is not None, "login is required"
    return user.identifier


def _chat() -> str:
    return cl.context.session.thread_id


@cl.on_chat_start
async def start_chat() -> None:
    await settings_panel(server.settings, {})


@cl.on_chat_resume
async def resume_chat(thread: ThreadDict) -> None:
    await settings_panel(server.settings, cl.user_session.get("chat_settings") or {})
    workspace = server.workspace

    async def pending(live: LiveSteps) -> Reply:
        # Chainlit replaces the page's messages with the stored thread right after this hook
        # returns; what we show must come after that, or the browser drops it.
        await asyncio.sleep(_AFTER_RESUME_S)
        if workspace.is_running(_user(), _chat()):
            await cl.Message(content="Still running; the next gate will appear here.").send()
            while workspace.is_running(_user(), _chat()):
                await asyncio.sleep(_POLL_S)
        return workspace.pending(_user(), _chat())

    in_background(guarded(pending))


@cl.on_message
async def on_message(message: cl.Message) -> None:
    workspace = server.workspace
    files = [Path(element.path) for element in message.elements if element.path]
    if files:
        brand = message.content.partition("Brand:")[2].strip().split("\n")[0]
        await guarded(lambda live: _report(add_brand_files(workspace, _user(), files, brand)))
        return
    if await cockpit_command(workspace, server.settings, _user(), message.content):
        return
    choices = cl.user_session.get("chat_settings") or {}

    async def handle(live: LiveSteps) -> Reply:
        models, budget = read_choices(choices, server.settings)
        return await workspace.handle_message(
            _user(), _chat(), message.content, live.sinks(), models, budget
        )

    await guarded(handle)


async def _report(work: Awaitable[str]) -> Reply:
    return Reply(await work)


@cl.on_stop
async def on_stop() -> None:
    try:
        await server.workspace.stop(_user(), _chat())
    except BrandloomError as error:
        await cl.ErrorMessage(content=f"⚠ {error.user_message}").send()


@cl.action_callback(ACTION_NAME)
async def on_decision(action: cl.Action) -> None:
    """A gate button: ask for text when the action needs it, then decide in the background."""
    text = ""
    kind, target = str(action.payload.get("action")), str(action.payload.get("target"))
    if kind in _ASK_FOR:
        answer = await cl.AskUserMessage(
            content=f"{kind} {target}: send {_ASK_FOR[kind]}.", timeout=900
        ).send()
        if not answer:
            return
        text = str(answer.get("output", ""))
    try:
        choice = AssetChoice(asset_id=target, action=kind, text=text)  # type: ignore[arg-type]
    except ValueError:
        await cl.ErrorMessage(content=f"⚠ unknown action {kind!r}").send()
        return
    decide_in_background(server.workspace, _user(), _chat(), [choice])


@cl.action_callback(PANEL_ACTION)
async def on_panel(action: cl.Action) -> dict[str, object]:
    """The review panel: a page, or decisions made like the buttons' (answered to the panel)."""
    return await on_panel_action(server.workspace, _user(), _chat(), action.payload)


@cl.action_callback(EDITOR_ACTION)
async def on_plan_editor(action: cl.Action) -> dict[str, object]:
    """The plan editor: check the table, or approve the plan as edited."""
    return await on_editor_action(server.workspace, _user(), _chat(), action.payload)


server.export_auth_secret()  # Chainlit checks the secret right after importing this module
