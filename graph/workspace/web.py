"""The Chainlit side of the workspace: live steps, reply cards, guarded runs, the lazy server.

``app.py`` only registers Chainlit's hooks; what they do lives here so the adapter stays small
and importing it does nothing: settings, the workspace (Redis, models, brand memory) and the
first user are built by ``ChatServer`` on first use (Chainlit's ``on_app_startup``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any

import chainlit as cl
from chainlit.input_widget import Select, Slider
from chainlit.utils import utc_now

from graph.workspace.chat import Reply, Sinks, Workspace
from graph.workspace.chat_history import ChatHistoryStore
from graph.workspace.owners import workspace_db_path
from graph.workspace.plan_editor import EDITOR_NAME
from graph.workspace.render import step_for_event
from graph.workspace.review_panel import PANEL_NAME, PanelProps
from graph.workspace.setup import model_options, open_workspace
from graph.workspace.users import UserStore, session_secret
from tools.errors import BrandloomError
from tools.events import TraceEvent
from tools.settings import Settings, get_settings


class ChatServer:
    """Settings and the workspace, built once on first use (never when ``app.py`` is imported)."""

    def __init__(self, settings: Callable[[], Settings] = get_settings) -> None:
        self._settings = settings

    @cached_property
    def settings(self) -> Settings:
        return self._settings()

    @cached_property
    def workspace(self) -> Workspace:
        first_password = UserStore.for_settings(self.settings).ensure_first_user()
        if first_password is not None:
            print(
                f"Brandloom first start: sign in as admin / {first_password} (approver)", flush=True
            )
        return open_workspace(self.settings)

    def start(self) -> Workspace:
        """Build the workspace now (Chainlit's startup hook) rather than on the first request."""
        return self.workspace

    def chat_history(self) -> ChatHistoryStore:
        return ChatHistoryStore(workspace_db_path(self.settings))

    def export_auth_secret(self) -> None:
        """Chainlit checks ``CHAINLIT_AUTH_SECRET`` right after it imports the app, before any
        startup hook, so the secret is exported when the password callback is registered."""
        os.environ.setdefault("CHAINLIT_AUTH_SECRET", session_secret(self.settings))


async def settings_panel(settings: Settings, current: dict[str, Any]) -> None:
    """The chat settings: one model choice per role and the campaign budget."""
    widgets: list[Any] = [
        Select(
            id=f"model_{role}",
            label=f"{role.title()} model",
            values=values,
            initial_value=current.get(f"model_{role}", values[0]),
        )
        for role, values in model_options(settings).items()
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


async def show(reply: Reply) -> None:
    """A reply's text, then one message per card with its action buttons (remembered)."""
    if reply.text:
        await cl.Message(content=reply.text).send()
    shown: dict[str, list[cl.Action]] = cl.user_session.get("card_actions") or {}
    for card in reply.cards:
        actions = [cl.Action(name=a.name, payload=a.payload, label=a.label) for a in card.actions]
        await cl.Message(content=card.markdown, actions=actions).send()
        shown[card.key] = actions
    cl.user_session.set("card_actions", shown)
    if reply.panel is not None:
        await show_panel(reply.panel)
    if reply.editor is not None:
        element = cl.CustomElement(
            name=EDITOR_NAME, props=reply.editor.model_dump(), display="inline"
        )
        await cl.Message(content="**Plan editor**", elements=[element]).send()
        cl.user_session.set("plan_editor", element)


async def show_panel(props: PanelProps) -> None:
    """The review panel as its own message, remembered so later decisions can refresh it."""
    element = cl.CustomElement(name=PANEL_NAME, props=props.model_dump(), display="inline")
    await cl.Message(content="**Review panel**", elements=[element]).send()
    cl.user_session.set("review_panel", element)


async def retire_buttons(keys: list[str] | None) -> None:
    """Remove the buttons of decided cards (all of them when ``keys`` is None)."""
    shown: dict[str, list[cl.Action]] = cl.user_session.get("card_actions") or {}
    for key in list(shown) if keys is None else keys:
        for action in shown.pop(key, []):
            await action.remove()


async def guarded(work: Callable[[LiveSteps], Awaitable[Reply]]) -> None:
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
    await show(reply)


async def as_task(work: Callable[[LiveSteps], Awaitable[Reply]]) -> None:
    """``guarded`` shown as a running task (the stop button appears while it runs)."""
    await cl.context.emitter.task_start()
    try:
        await guarded(work)
    finally:
        await cl.context.emitter.task_end()


_background: set[asyncio.Task[None]] = set()


def in_background(work: Awaitable[None]) -> asyncio.Task[None]:
    """Run ``work`` as a task the event loop keeps referenced until it ends."""
    task = asyncio.ensure_future(work)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task
