"""The chat workspace's server-side rules, between a signed-in user and the campaign service.

``app.py`` (Chainlit) hands every message and button click to ``Workspace`` and shows the
``Reply``. Here, not in the browser, the server checks on every call: the user exists and their
role (read from the users file each time, so a changed role applies at once) allows it; the
campaign belongs to them; the decision fits the gate that is actually pending. A review gate's
per-asset decisions are collected (saved with the campaign records, so a server restart keeps
them) until every asset has one, then sent in one resume; a second decision for the same asset
(a double click) is refused and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from pydantic import ValidationError

from agents.base import Tone
from graph.gates import (
    AssetDecision,
    Decision,
    GatePayload,
    PlanDecision,
    PublishDecision,
    ReviewDecision,
    decided,
)
from graph.planning.plan import Deliverable
from graph.service.campaigns import CampaignService, EventSink, TokenSink
from graph.service.views import RunOutcome
from graph.workspace.cockpit import panel_for
from graph.workspace.commands import (
    MAX_MESSAGE_CHARS,
    AssetChoice,
    Command,
    parse_message,
    plan_json,
    plan_limits,
)
from graph.workspace.owners import CampaignOwners, CampaignRecord
from graph.workspace.plan_editor import EditorProps, editor_props
from graph.workspace.render import (
    Card,
    gate_cards,
    history_markdown,
    status_markdown,
)
from graph.workspace.review_panel import PanelProps
from graph.workspace.store_render import kpis_markdown, recorded_trace_markdown
from graph.workspace.users import UserStore
from tools.errors import CampaignBusy, InputError, NotFoundError, PermissionDenied
from tools.roles import Permission, Role, role_allows

if TYPE_CHECKING:
    from tools.memory.facade import BrandMemory


ServiceFactory = Callable[[dict[str, str]], CampaignService]
"""Role -> model id mapping -> the service running campaigns on those models (cached)."""
HELP = (
    "Write a brief to start a campaign. Then: `approve ID ...`, `reject ID: reason`, "
    "`respond ID: note`, `edit ID` + text, `edit plan` + JSON, `stop`, `resume`, `status`, "
    "`trace`, `history`, `fork CHECKPOINT [note]`, `rollback ID VERSION`, `kpis [BRAND]` (charts "
    "across campaigns), `kpis this` (this campaign)."
)
_VERBS: dict[Permission, str] = {
    "read": "read campaigns",
    "commission": "commission campaigns",
    "edit": "edit or run campaigns",
    "decide": "decide at gates",
    "publish": "publish",
}


@dataclass
class Reply:
    """What the chat shows after a message or a click."""

    text: str = ""
    cards: list[Card] = field(default_factory=list)
    panel: PanelProps | None = None
    """The review panel (``ReviewPanel`` element) when a review gate is shown."""
    editor: EditorProps | None = None
    """The plan editor (``PlanEditor`` element) when a plan gate is shown."""


@dataclass
class Sinks:
    """Live callbacks of one run (steps and streamed text in the chat)."""

    on_event: EventSink | None = None
    on_token: TokenSink | None = None


class Workspace:
    """Every user action of the chat workspace, authorised and validated server-side."""

    def __init__(
        self,
        services: ServiceFactory,
        users: UserStore,
        campaigns: CampaignOwners,
        default_models: dict[str, str],
        memory: BrandMemory | None = None,
        max_message_chars: int = MAX_MESSAGE_CHARS,
    ) -> None:
        self.services = services
        self.users = users
        self.campaigns = campaigns
        self.default_models = default_models
        self.memory = memory
        self.max_message_chars = max_message_chars
        self._locks: dict[str, asyncio.Lock] = {}

    # --- authorisation --------------------------------------------------------------------
    def role_of(self, user: str) -> Role:
        """The user's current role; unknown (removed) users are refused."""
        try:
            return self.users.get(user).role
        except NotFoundError:
            raise PermissionDenied(f"user {user!r} is not allowed here any more") from None

    def require(self, user: str, permission: Permission) -> Role:
        role = self.role_of(user)
        if not role_allows(role, permission):
            raise PermissionDenied(f"a {role} cannot {_VERBS[permission]}")
        return role

    def campaign(self, user: str, chat_id: str, permission: Permission = "read") -> CampaignRecord:
        """The chat's campaign if ``user`` owns it and may do ``permission``."""
        record = self.campaigns.for_chat(chat_id)
        if record is None:
            raise NotFoundError("there is no campaign in this chat yet: write a brief first")
        if record.owner != user:
            raise PermissionDenied("this campaign belongs to another user")
        self.require(user, permission)
        return record

    def may_open(self, user: str, chat_id: str) -> bool:
        """Whether ``user`` may open this chat (theirs, or one with no campaign)."""
        record = self.campaigns.for_chat(chat_id)
        return record is None or record.owner == user

    def _service(self, record: CampaignRecord) -> CampaignService:
        return self.services(record.models)

    def _lock(self, thread_id: str) -> asyncio.Lock:
        lock = self._locks.setdefault(thread_id, asyncio.Lock())
        if lock.locked():
            raise CampaignBusy(thread_id)
        return lock

    # --- messages -------------------------------------------------------------------------
    async def handle_message(
        self,
        user: str,
        chat_id: str,
        text: str,
        sinks: Sinks,
        models: dict[str, str] | None = None,
        budget_usd: float | None = None,
    ) -> Reply:
        """One chat message: a brief in a new chat, a command afterwards."""
        has_campaign = self.campaigns.for_chat(chat_id) is not None
        command = parse_message(text, has_campaign=has_campaign, max_chars=self.max_message_chars)
        if command.name == "help":
            return Reply(HELP)
        if command.name == "brief":
            return await self.commission(user, chat_id, command.text, sinks, models, budget_usd)
        return await self._command(user, chat_id, command, sinks)

    async def _command(self, user: str, chat_id: str, command: Command, sinks: Sinks) -> Reply:
        if command.name == "stop":
            return await self.stop(user, chat_id)
        if command.name == "decide":
            return await self.decide(user, chat_id, command.choices, sinks)
        if command.name in ("trace", "kpis"):
            return await self.show_recorded(user, chat_id, command.name)
        if command.name == "rollback":
            return await self.rollback(user, chat_id, command.asset_id, command.version, sinks)
        if command.name in ("status", "history"):
            return self.show(user, chat_id, command.name)
        if command.name == "fork":
            return await self.fork(user, chat_id, command.checkpoint_id, command.text)
        if command.name == "resume":
            return await self.resume_paused(user, chat_id, sinks)
        return await self.edit(user, chat_id, command)

    async def commission(
        self,
        user: str,
        chat_id: str,
        brief: str,
        sinks: Sinks,
        models: dict[str, str] | None,
        budget_usd: float | None,
    ) -> Reply:
        """Start the chat's campaign (the campaign's thread id is the chat's id)."""
        role = self.require(user, "commission")
        chosen = {**self.default_models, **(models or {})}
        service = self.services(chosen)
        service.parse_brief(brief, budget_usd)
        record = self.campaigns.claim(chat_id, user, chat_id=chat_id, models=chosen)
        if record.owner != user:
            raise PermissionDenied("this campaign belongs to another user")
        async with self._lock(record.thread_id):
            outcome = await service.start(
                record.thread_id, brief, user, sinks.on_event, sinks.on_token,
                budget_usd=budget_usd, role=role,
            )  # fmt: skip
        return self._after_run(record, outcome)

    async def resume_paused(self, user: str, chat_id: str, sinks: Sinks) -> Reply:
        """Continue a campaign stopped between steps."""
        record = self.campaign(user, chat_id, "edit")
        role = self.role_of(user)
        async with self._lock(record.thread_id):
            outcome = await self._service(record).resume(
                record.thread_id, None, sinks.on_event, sinks.on_token, role=role
            )
        return self._after_run(record, outcome)

    async def stop(self, user: str, chat_id: str) -> Reply:
        """Ask the running campaign (here or in another process) to pause at the next step."""
        record = self.campaign(user, chat_id, "edit")
        if not await self._service(record).stop(record.thread_id, role=self.role_of(user)):
            raise InputError("nothing is running in this campaign right now")
        return Reply("Stopping at the next step boundary; everything done so far is kept.")

    def is_running(self, user: str, chat_id: str) -> bool:
        """Whether the chat's campaign is running in this server process right now."""
        if self.campaigns.for_chat(chat_id) is None:
            return False
        record = self.campaign(user, chat_id)
        return self._service(record).is_running(record.thread_id)

    async def show_recorded(self, user: str, chat_id: str, what: str) -> Reply:
        """``trace`` or ``kpis`` of the chat's campaign, from the content store's events (a
        campaign started before the store is backfilled from its checkpoints first)."""
        record = self.campaign(user, chat_id)
        service = self._service(record)
        if what == "kpis":
            kpis = await service.kpis(record.thread_id)
            return Reply(kpis_markdown(kpis, f"KPIs of {record.thread_id}"))
        return Reply(recorded_trace_markdown(await service.recorded(record.thread_id)))

    async def rollback(
        self, user: str, chat_id: str, asset_id: str, version: int, sinks: Sinks
    ) -> Reply:
        """A new version of ``asset_id`` equal to ``version``; it goes back through review."""
        record = self.campaign(user, chat_id, "edit")
        async with self._lock(record.thread_id):
            outcome = await self._service(record).rollback(
                record.thread_id, asset_id, version, user, role=self.role_of(user),
                on_event=sinks.on_event,
            )  # fmt: skip
        return self._after_run(record, outcome)

    def show(self, user: str, chat_id: str, what: str) -> Reply:
        """``status`` or ``history`` of the chat's campaign."""
        record = self.campaign(user, chat_id)
        service = self._service(record)
        if what == "history":
            return Reply(history_markdown(service.history(record.thread_id)))
        return Reply(status_markdown(service.view(record.thread_id)))

    def pending(self, user: str, chat_id: str) -> Reply:
        """What a (re)opened chat should show: the pending gate's cards, or the status."""
        record = self.campaigns.for_chat(chat_id)
        if record is None:
            return Reply()
        record = self.campaign(user, chat_id)
        service = self._service(record)
        gate = service.pending_gate(record.thread_id)
        if gate is None:
            return Reply(status_markdown(service.view(record.thread_id)))
        return self._gate_reply(record, gate)

    # --- gates ----------------------------------------------------------------------------
    async def decide(
        self, user: str, chat_id: str, choices: list[AssetChoice], sinks: Sinks
    ) -> Reply:
        """Decisions typed or clicked; the pending gate must be the one they answer."""
        record = self.campaign(user, chat_id)
        service = self._service(record)
        async with self._lock(record.thread_id):
            gate = service.pending_gate(record.thread_id)
            if gate is None:
                raise InputError("nothing in this campaign is waiting for a decision")
            role = self.require(user, "publish" if gate.gate == "publish" else "decide")
            value = self._gate_value(record.thread_id, gate, choices, user, role)
            if value is None:
                return self._progress(record.thread_id, gate)
            outcome = await service.resume(
                record.thread_id, value, sinks.on_event, sinks.on_token, role=role
            )
            self.campaigns.clear_review_draft(record.thread_id)
        return self._after_run(record, outcome)

    def _gate_value(
        self, thread_id: str, gate: GatePayload, choices: list[AssetChoice], user: str, role: Role
    ) -> Decision | None:
        if gate.gate == "review":
            return self._review_value(thread_id, gate, choices, user)
        (choice,) = choices[:1] or [AssetChoice(asset_id="", action="approve")]
        expected = "plan" if gate.gate == "plan" else "all"
        if len(choices) != 1 or choice.asset_id not in (expected, "plan", "all"):
            raise InputError(f"the campaign waits at the {gate.gate} gate: decide `{expected}`")
        if gate.gate == "publish":
            if choice.action not in ("approve", "reject"):
                raise InputError("at the publish gate you can approve (publish) or reject")
            return decided(
                PublishDecision, action=choice.action, role=role, user=user, reason=choice.text
            )
        if choice.action == "edit":
            return decided(
                PlanDecision,
                action="edit",
                deliverables=plan_json(choice.text),
                user=user,
                **plan_limits(choice.text),
            )
        if choice.action == "respond":
            return decided(PlanDecision, action="respond", note=choice.text, user=user)
        return decided(PlanDecision, action=choice.action, reason=choice.text, user=user)

    def _review_value(
        self, thread_id: str, gate: GatePayload, choices: list[AssetChoice], user: str
    ) -> ReviewDecision | None:
        versions = {asset.asset_id: asset.version for asset in gate.assets}
        draft = self._draft(thread_id, gate)
        added: dict[str, AssetDecision] = {}
        for choice in choices:
            targets = (
                [a for a in versions if a not in draft]
                if choice.asset_id == "all"
                else [choice.asset_id]
            )
            for asset_id in targets:
                if asset_id not in versions:
                    raise NotFoundError(f"no asset {asset_id!r} is waiting for review")
                if asset_id in draft or asset_id in added:
                    taken = (draft | added)[asset_id].action
                    raise InputError(
                        f"{asset_id} already has a decision ({taken}); nothing changed"
                    )
                added[asset_id] = _asset_decision(choice)
        self.campaigns.save_review_draft(
            thread_id, {(a, versions[a]): d.model_dump() for a, d in added.items()}
        )
        chosen = draft | added
        if set(versions) - set(chosen):
            return None
        return ReviewDecision(decisions=chosen, user=user)

    def _draft(self, thread_id: str, gate: GatePayload) -> dict[str, AssetDecision]:
        """Decisions saved so far for exactly the asset versions this review gate shows."""
        if gate.gate != "review":
            return {}
        saved = self.campaigns.review_draft(thread_id)
        draft: dict[str, AssetDecision] = {}
        for asset in gate.assets:
            value = saved.get((asset.asset_id, asset.version))
            if value is None:
                continue
            with contextlib.suppress(ValidationError):  # unreadable: asked again, not guessed
                draft[asset.asset_id] = AssetDecision.model_validate(value)
        return draft

    def _progress(self, thread_id: str, gate: GatePayload) -> Reply:
        draft = self._draft(thread_id, gate)
        done = ", ".join(f"{asset_id}: {d.action}" for asset_id, d in draft.items())
        left = [a.asset_id for a in gate.assets if a.asset_id not in draft]
        return Reply(f"Noted ({done}). Still to decide: {', '.join(left)}.")

    def _cards(self, thread_id: str, gate: GatePayload) -> list[Card]:
        draft = self._draft(thread_id, gate)
        return [card for card in gate_cards(gate) if card.key not in draft]

    def _gate_reply(self, record: CampaignRecord, gate: GatePayload) -> Reply:
        panel = panel_for(self, record, gate) if gate.gate == "review" else None
        editor = editor_props(gate.plan or {}) if gate.gate == "plan" else None
        return Reply(cards=self._cards(record.thread_id, gate), panel=panel, editor=editor)

    def _after_run(self, record: CampaignRecord, outcome: RunOutcome) -> Reply:
        if outcome.gate is not None:
            return self._gate_reply(record, outcome.gate)
        view = self._service(record).view(record.thread_id)
        if outcome.status == "paused":
            return Reply(
                "**Paused.** Everything so far is saved. Edit with `edit ID` or "
                "`edit plan`, then type `resume`.\n\n" + status_markdown(view)
            )
        return Reply(status_markdown(view))

    # --- edits and forks ------------------------------------------------------------------
    async def edit(self, user: str, chat_id: str, command: Command) -> Reply:
        """``edit ID`` / ``edit plan`` while paused (at the review gate, edit is a decision)."""
        record = self.campaign(user, chat_id, "edit")
        service = self._service(record)
        gate = service.pending_gate(record.thread_id)
        if command.name == "edit" and gate is not None and gate.gate == "review":
            choice = AssetChoice(asset_id=command.asset_id, action="edit", text=command.text)
            return await self.decide(user, chat_id, [choice], Sinks())
        role = self.role_of(user)
        async with self._lock(record.thread_id):
            if command.name == "edit_plan":
                view = await service.edit_plan(record.thread_id, _deliverables(command), role=role)
            else:
                view = await service.edit_draft(
                    record.thread_id, command.asset_id, command.text, user, role=role
                )
        return Reply("Saved your edit.\n\n" + status_markdown(view))

    async def fork(self, user: str, chat_id: str, checkpoint_id: str, note: str) -> Reply:
        """A new campaign from a checkpoint; this chat follows the fork from now on."""
        record = self.campaign(user, chat_id, "commission")
        tone = next(
            (word for word in note.lower().replace(",", " ").split() if word in get_args(Tone)),
            None,
        )
        edits = {"note": note, "tone": tone}
        new_id = f"{chat_id}-fork-{uuid.uuid4().hex[:8]}"
        await self._service(record).fork(
            record.thread_id, checkpoint_id, edits, new_thread_id=new_id,
            role=self.role_of(user),
        )  # fmt: skip
        self.campaigns.claim(
            new_id,
            user,
            chat_id=chat_id,
            models=record.models,
            forked_from=f"{record.thread_id}@{checkpoint_id}",
        )
        return Reply(
            f"Forked from checkpoint `{checkpoint_id}` into campaign `{new_id}`"
            f"{f' with tone {tone}' if tone else ''}. Type `resume` to run it."
        )


def _deliverables(command: Command) -> list[Deliverable]:
    """The edited plan rows, validated before the engine sees them."""
    try:
        return [Deliverable.model_validate(row) for row in command.deliverables]
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"edit plan: {where}: {first['msg']}") from None


def _asset_decision(choice: AssetChoice) -> AssetDecision:
    text = {"edit": "text", "reject": "reason", "respond": "note"}.get(choice.action, "reason")
    try:
        return AssetDecision.model_validate({"action": choice.action, text: choice.text})
    except ValueError as error:
        raise InputError(f"{choice.asset_id}: {choice.action} needs text ({error})") from None


async def add_brand_files(workspace: Workspace, user: str, paths: list[Path], brand: str) -> str:
    """Brand-kit files into brand memory (editors and approvers); a one-line report."""
    workspace.require(user, "edit")
    if workspace.memory is None:
        raise InputError("brand memory is not available on this server")
    if not brand.strip():
        raise InputError("say which brand the files belong to: add `Brand: NAME` to the message")
    report = await asyncio.to_thread(workspace.memory.add_files, brand.strip(), paths)
    return f"Added {len(paths)} file(s) to the memory of brand **{brand.strip()}**: {report}"
