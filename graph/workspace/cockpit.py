"""The review cockpit's server side: the panel's props for a chat, and its requests checked.

Every call goes through the workspace's access rules (the chat's campaign, owned by the user,
with the role the action needs) before anything is read or decided; decisions themselves are
made by ``Workspace.decide``, the path the buttons and typed commands take. Nothing here
imports Chainlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from graph.gates import GatePayload
from graph.workspace.commands import AssetChoice
from graph.workspace.owners import CampaignRecord
from graph.workspace.review_panel import (
    MemoryLookup,
    PanelProps,
    PanelRequest,
    RecalledItem,
    choices_for,
    memory_snippet,
    panel_props,
    passing_undecided,
)
from tools.errors import BrandloomError, InputError

if TYPE_CHECKING:
    from graph.workspace.chat import Workspace


def saved_decisions(
    workspace: Workspace, thread_id: str, gate: GatePayload
) -> dict[str, dict[str, object]]:
    """Asset -> decision saved so far for exactly the versions this review gate shows."""
    saved = workspace.campaigns.review_draft(thread_id)
    found = ((a.asset_id, saved.get((a.asset_id, a.version))) for a in gate.assets)
    return {asset_id: dict(value) for asset_id, value in found if value is not None}


def decided_actions(workspace: Workspace, thread_id: str, gate: GatePayload) -> dict[str, str]:
    """Asset -> action saved so far for the versions this review gate shows."""
    saved = saved_decisions(workspace, thread_id, gate)
    return {asset_id: str(value.get("action", "")) for asset_id, value in saved.items()}


def _lookup(workspace: Workspace, brand: str) -> MemoryLookup:
    def recalled(item_ids: Sequence[str]) -> list[RecalledItem]:
        memory = workspace.memory
        if memory is None or not brand:
            return []
        from tools.memory.items import brand_namespace  # memory loads with the workspace only

        try:
            found = memory.store.fetch(brand_namespace(brand), list(item_ids))
        except BrandloomError:  # memory down: the panel still shows the draft
            return []
        return [
            memory_snippet(
                item_id, str(record.metadata.get("source", "")), str(record.metadata.get("text"))
            )
            for item_id, record in found.items()
        ]

    return recalled


def panel_for(
    workspace: Workspace, record: CampaignRecord, gate: GatePayload, page: int = 0
) -> PanelProps:
    """The panel for a pending review gate, one page."""
    service = workspace.services(record.models)
    view = service.view(record.thread_id)
    brand = str(view.plan.get("brand", ""))
    saved = saved_decisions(workspace, record.thread_id, gate)
    return panel_props(
        gate,
        view.assets,
        service.trace(record.thread_id),
        {asset_id: str(value.get("action", "")) for asset_id, value in saved.items()},
        _lookup(workspace, brand),
        page=page,
        edits={a: str(v.get("text", "")) for a, v in saved.items() if v.get("action") == "edit"},
    )


def review_gate(
    workspace: Workspace, user: str, chat_id: str
) -> tuple[CampaignRecord, GatePayload]:
    """The chat's campaign and its pending review gate; refused for others' campaigns."""
    record = workspace.campaign(user, chat_id)
    gate = workspace.services(record.models).pending_gate(record.thread_id)
    if gate is None or gate.gate != "review":
        raise InputError("this campaign is not waiting at a review gate any more")
    return record, gate


def open_panel(workspace: Workspace, user: str, chat_id: str, page: int = 0) -> PanelProps:
    """A page of the chat's review panel (reading needs only access to the campaign)."""
    record, gate = review_gate(workspace, user, chat_id)
    return panel_for(workspace, record, gate, page)


def panel_choices(
    workspace: Workspace, user: str, chat_id: str, request: PanelRequest
) -> list[AssetChoice]:
    """The decisions a panel request makes, checked against the gate pending now."""
    record, gate = review_gate(workspace, user, chat_id)
    workspace.require(user, "decide")
    shown = {a.asset_id: a.version for a in gate.assets}
    if request.version and shown.get(request.asset_id, request.version) != request.version:
        raise InputError(
            f"{request.asset_id} has a newer version (v{shown[request.asset_id]}) than the panel "
            f"showed (v{request.version}): nothing changed; look at the new one"
        )
    view = workspace.services(record.models).view(record.thread_id)
    waiting = {a.asset_id for a in gate.assets}
    assets = [a for a in view.assets if a.asset_id in waiting]
    decided = decided_actions(workspace, record.thread_id, gate)
    return choices_for(request, passing_undecided(assets, decided))
