"""Brandloom's chat workspace: the Chainlit adapter only.

Auth, chat start/resume, messages and button clicks go to ``graph.workspace.chat.Workspace`` (which
checks roles, ownership and input server-side); its replies become messages with actions, and
trace events become nested steps. Run it with ``chainlit run app.py`` (``make run``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.input_widget import Select, Slider
from chainlit.types import ThreadDict
from chainlit.utils import utc_now

from graph.workspace.chat import Reply, Sinks, add_brand_files
from graph.workspace.chat_history import ChatHistoryStore
from graph.workspace.commands import AssetChoice
from graph.workspace.owners import workspace_db_path
from graph.workspace.render import ACTION_NAME, step_for_event
from graph.workspace.setup import model_options, open_workspace, read_choices, starters
from graph.workspace.users import UserStore, session_secret
from tools.errors import BrandloomError, InputError
from tools.events import TraceEvent
from tools.settings import get_settings

settings = get_settings()
os.environ["CHAINLIT_AUTH_SECRET"] = session_secret(settings)
if (first_password := UserStore.for_settings(settings).ensure_first_user()) is not None:
    print(f"Brandloom first start: sign in as admin / {first_password} (approver)", flush=True)
workspace = open_workspace(settings)
_AFTER_RESUME_S = 0.2
_POLL_S = 0.5
_ASK_FOR = {"edit": "the new text", "reject": "the reason", "respond": "your note"}


@cl.data_layer
def chat_history() -> ChatHistoryStore:
    return ChatHistoryStore(workspace_db_path(settings))


@cl.password_auth_callback
async def sign_in(username: str, password: str) -> cl.User | None:
    user = await asyncio.to_thread(workspace.users.authenticate, username, password)
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


async def _settings_panel(current: dict[str, Any]) -> None:
    options = model_options(settings)
    widgets: list[Any] = [
        Select(
            id=f"model_{role}",
            label=f"{role.title()} model",
            values=values,
            initial_value=current.get(f"model_{role}", values[0]),
        )
        for role, values in options.items()
    ]
    widgets.append(
        Slider(
            id="budget_usd",
            label="Campaign budget (USD)",
            min=0.05,
            step=0.05,
            initial=current.get("budget_usd", settings.campaign_budget_usd),
            max=settings.ui_campaign_budget_max_usd,
        )
    )
    await cl.ChatSettings(widgets).send()


class LiveSteps:
    """Trace events -> nested steps under one run step; streamed text -> each asset's step."""

    def __init__(self) -> None:
        self.root: cl.Step | None = None
        self.assets: dict[str, cl.Step] = {}
        self.nodes: dict[str, list[cl.Step]] = {}

    async def _step(self, name: str, kind: str, parent: cl.Step | None) -> cl.Step:
        step = cl.Step(name=name, type=kind, parent_id=parent.id if parent else None)  # type: ignore[arg-type]
        step.start = utc_now()
        await step.send()
        return step

    async def _asset(self, asset_id: str) -> cl.Step:
        if asset_id not in self.assets:
            self.assets[asset_id] = await self._step(asset_id, "run", await self._root())
        return self.assets[asset_id]

    async def _root(self) -> cl.Step:
        if self.root is None:
            self.root = await self._step("Campaign run", "run", None)
        return self.root

    async def on_event(self, event: TraceEvent) -> None:
        spec = step_for_event(event)
        if event.kind == "node" and event.summary == "started":
            step = await self._step(event.node, "run", await self._root())
            self.nodes.setdefault(event.node, []).append(step)
            return
        if event.kind == "node" and self.nodes.get(event.node):
            step = self.nodes[event.node].pop(0)
            step.output, step.metadata, step.end = spec.input, spec.metadata, utc_now()
            await step.update()
            return
        parent = await self._asset(event.asset_id) if event.asset_id else await self._root()
        step = cl.Step(name=spec.name, type=spec.type, parent_id=parent.id, show_input=True)
        step.input, step.output, step.metadata = spec.input, spec.output, spec.metadata
        step.start = step.end = utc_now()
        await step.send()

    async def on_token(self, asset_id: str, chunk: str) -> None:
        await (await self._asset(asset_id)).stream_token(chunk)

    async def close(self) -> None:
        for step in [*self.assets.values(), *(s for steps in self.nodes.values() for s in steps)]:
            step.end = utc_now()
            await step.update()
        if self.root is not None:
            self.root.end = utc_now()
            await self.root.update()

    def sinks(self) -> Sinks:
        return Sinks(on_event=self.on_event, on_token=self.on_token)


async def _show(reply: Reply) -> None:
    if reply.text:
        await cl.Message(content=reply.text).send()
    shown: dict[str, list[cl.Action]] = cl.user_session.get("card_actions") or {}
    for card in reply.cards:
        actions = [cl.Action(name=a.name, payload=a.payload, label=a.label) for a in card.actions]
        await cl.Message(content=card.markdown, actions=actions).send()
        shown[card.key] = actions
    cl.user_session.set("card_actions", shown)


async def _retire_buttons(keys: list[str] | None) -> None:
    """Remove the buttons of decided cards (all of them when ``keys`` is None)."""
    shown: dict[str, list[cl.Action]] = cl.user_session.get("card_actions") or {}
    for key in list(shown) if keys is None else keys:
        for action in shown.pop(key, []):
            await action.remove()


async def _guarded(work: Callable[[LiveSteps], Awaitable[Reply]]) -> None:
    """Run one user action; the stop button pauses the run (at a step boundary), never kills it."""
    live = LiveSteps()
    task = asyncio.ensure_future(work(live))
    try:
        try:
            reply = await asyncio.shield(task)
        except asyncio.CancelledError:
            reply = await task
    except BrandloomError as error:
        await cl.ErrorMessage(content=f"⚠ {error.user_message}").send()
        return
    finally:
        await live.close()
    await _show(reply)


@cl.on_chat_start
async def start_chat() -> None:
    await _settings_panel({})


@cl.on_chat_resume
async def resume_chat(thread: ThreadDict) -> None:
    await _settings_panel(cl.user_session.get("chat_settings") or {})

    async def pending(live: LiveSteps) -> Reply:
        # Chainlit replaces the page's messages with the stored thread right after this hook
        # returns; what we show must come after that, or the browser drops it.
        await asyncio.sleep(_AFTER_RESUME_S)
        if workspace.is_running(_user(), _chat()):
            await cl.Message(content="Still running; the next gate will appear here.").send()
            while workspace.is_running(_user(), _chat()):
                await asyncio.sleep(_POLL_S)
        return workspace.pending(_user(), _chat())

    _in_background(_guarded(pending))


@cl.on_message
async def on_message(message: cl.Message) -> None:
    files = [Path(element.path) for element in message.elements if element.path]
    if files:
        brand = message.content.partition("Brand:")[2].strip().split("\n")[0]
        await _guarded(lambda live: _report(add_brand_files(workspace, _user(), files, brand)))
        return
    choices = cl.user_session.get("chat_settings") or {}

    async def handle(live: LiveSteps) -> Reply:
        models, budget = read_choices(choices, settings)
        return await workspace.handle_message(
            _user(), _chat(), message.content, live.sinks(), models, budget
        )

    await _guarded(handle)


async def _report(work: Awaitable[str]) -> Reply:
    return Reply(await work)


@cl.on_stop
async def on_stop() -> None:
    try:
        await workspace.stop(_user(), _chat())
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

    async def decide(live: LiveSteps) -> Reply:
        try:
            choice = AssetChoice(asset_id=target, action=kind, text=text)  # type: ignore[arg-type]
        except ValueError:
            raise InputError(f"unknown action {kind!r}") from None
        reply = await workspace.decide(_user(), _chat(), [choice], live.sinks())
        await _retire_buttons(None if reply.cards or target == "all" else [target])
        return reply

    cl.context.session.current_task = _in_background(_decide_as_task(decide))


async def _decide_as_task(decide: Callable[[LiveSteps], Awaitable[Reply]]) -> None:
    await cl.context.emitter.task_start()
    try:
        await _guarded(decide)
    finally:
        await cl.context.emitter.task_end()


_background: set[asyncio.Task[None]] = set()


def _in_background(work: Awaitable[None]) -> asyncio.Task[None]:
    """Run ``work`` as a task the event loop keeps referenced until it ends."""
    task = asyncio.ensure_future(work)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task
