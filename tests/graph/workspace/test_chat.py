"""The workspace's server-side rules, driven against the real graph (in-memory saver, tiny
specialist): ownership, roles, gate decisions, bad input, stop/resume, history and fork."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graph.service.campaigns import CampaignService
from graph.workspace.chat import Sinks, Workspace
from graph.workspace.commands import AssetChoice
from graph.workspace.owners import CampaignOwners
from graph.workspace.users import UserStore
from tests.graph.conftest import ALL_KINDS, SMALL_BRIEF, TinySpecialist
from tests.graph.test_stop_edit_fork import GatedSpecialist
from tools.connectors.outbox.v1 import OutboxConnector
from tools.errors import CampaignBusy, InputError, NotFoundError, PermissionDenied
from tools.event_log import InMemoryEventLog
from tools.events import TraceEvent
from tools.settings import Settings

MODELS = {"router": "scripted", "writer": "scripted", "critic": "scripted"}
ROLES = {"ana": "editor", "paula": "approver", "vera": "viewer", "bob": "editor"}


def build_workspace(tmp_path: Path, specialist: TinySpecialist | None = None) -> Workspace:
    settings = Settings(data_dir=tmp_path / "data", max_concurrency=1)
    service = CampaignService.open(
        settings,
        specialists=dict.fromkeys(ALL_KINDS, specialist or TinySpecialist()),
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        memory=None,
        triage=None,
    )
    users = UserStore(tmp_path / "users.json")
    for name, role in ROLES.items():
        users.add(name, role, f"{name}-password")
    return Workspace(lambda models: service, users, CampaignOwners(tmp_path / "ws.db"), MODELS)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path)


def keys(reply) -> list[str]:
    return [card.key for card in reply.cards]


async def at_review(workspace: Workspace, user: str = "ana", chat: str = "c1"):
    reply = await workspace.handle_message(user, chat, SMALL_BRIEF, Sinks())
    assert keys(reply) == ["plan"]
    return await workspace.handle_message(user, chat, "approve plan", Sinks())


async def test_a_brief_starts_a_campaign_owned_by_its_author(workspace: Workspace) -> None:
    events: list[TraceEvent] = []
    reply = await workspace.handle_message("ana", "c1", SMALL_BRIEF, Sinks(on_event=events.append))
    assert keys(reply) == ["plan"]
    assert [a.label for a in reply.cards[0].actions] == [
        "Approve plan",
        "Edit plan",
        "Reject plan",
        "Respond plan",
    ]
    assert any(event.kind == "node" and event.node == "planner" for event in events)
    assert workspace.campaigns.owner_of("c1") == "ana"


async def test_another_user_cannot_read_run_or_decide(workspace: Workspace) -> None:
    await workspace.handle_message("ana", "c1", SMALL_BRIEF, Sinks())
    for attempt in (
        lambda: workspace.show("bob", "c1", "status"),
        lambda: workspace.pending("bob", "c1"),
    ):
        with pytest.raises(PermissionDenied, match="another user"):
            attempt()
    with pytest.raises(PermissionDenied, match="another user"):
        await workspace.stop("bob", "c1")
    with pytest.raises(PermissionDenied, match="another user"):
        await workspace.handle_message("bob", "c1", "approve plan", Sinks())
    assert not workspace.may_open("bob", "c1")
    assert workspace.may_open("ana", "c1")
    assert keys(workspace.pending("ana", "c1")) == ["plan"]


async def test_viewer_cannot_commission_and_a_demoted_owner_cannot_decide(
    workspace: Workspace,
) -> None:
    with pytest.raises(PermissionDenied, match="viewer cannot commission"):
        await workspace.handle_message("vera", "c9", SMALL_BRIEF, Sinks())
    assert workspace.campaigns.for_chat("c9") is None
    await workspace.handle_message("ana", "c1", SMALL_BRIEF, Sinks())
    workspace.users.add("ana", "viewer", "ana-password", replace=True)
    with pytest.raises(PermissionDenied, match="viewer cannot decide"):
        await workspace.handle_message("ana", "c1", "approve plan", Sinks())
    assert keys(workspace.pending("ana", "c1")) == ["plan"]
    workspace.users.remove("ana")
    with pytest.raises(PermissionDenied, match="not allowed"):
        workspace.show("ana", "c1", "status")


async def test_review_decisions_collect_per_asset_and_refuse_doubles(workspace: Workspace) -> None:
    reply = await at_review(workspace)
    assert keys(reply) == ["header", "newsletter", "social_post-01", "social_post-02"]
    noted = await workspace.decide(
        "ana", "c1", [AssetChoice(asset_id="newsletter", action="approve")], Sinks()
    )
    assert "newsletter: approve" in noted.text and "social_post-01" in noted.text
    with pytest.raises(InputError, match="already has a decision"):
        await workspace.decide(
            "ana", "c1", [AssetChoice(asset_id="newsletter", action="approve")], Sinks()
        )
    with pytest.raises(NotFoundError, match="nope"):
        await workspace.handle_message("ana", "c1", "approve nope", Sinks())
    assert keys(workspace.pending("ana", "c1")) == ["header", "social_post-01", "social_post-02"]

    await workspace.handle_message(
        "ana", "c1", "edit social_post-01\nLoomwell linen, new.", Sinks()
    )
    final = await workspace.handle_message("ana", "c1", "approve all", Sinks())
    assert keys(final) == ["publish"]
    reviews = workspace.services(MODELS).reviews("c1")
    edit = next(r for r in reviews if r["asset_id"] == "social_post-01")
    assert edit["action"] == "edit" and "+Loomwell linen, new." in edit["diff"]


async def test_reject_regenerates_only_that_asset(tmp_path: Path) -> None:
    specialist = TinySpecialist()
    workspace = build_workspace(tmp_path, specialist)
    await at_review(workspace)
    before = len(specialist.requests)
    reply = await workspace.handle_message(
        "ana", "c1", "reject social_post-02: name the collection", Sinks()
    )
    assert "Still to decide" in reply.text
    reply = await workspace.handle_message(
        "ana", "c1", "approve newsletter social_post-01", Sinks()
    )
    assert keys(reply) == ["header", "social_post-02"]
    assert [r.asset_id for r in specialist.requests[before:]] == ["social_post-02"]
    assert "name the collection" in specialist.requests[-1].feedback[-1]


async def test_only_an_approver_publishes(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path)
    await at_review(workspace, "ana", "c1")
    assert keys(await workspace.handle_message("ana", "c1", "approve all", Sinks())) == ["publish"]
    with pytest.raises(PermissionDenied, match="editor cannot publish"):
        await workspace.handle_message("ana", "c1", "approve all", Sinks())
    assert keys(workspace.pending("ana", "c1")) == ["publish"]
    assert not list((tmp_path / "outbox").rglob("*.md"))

    await at_review(workspace, "paula", "c2")
    await workspace.handle_message("paula", "c2", "approve all", Sinks())
    done = await workspace.handle_message("paula", "c2", "approve all", Sinks())
    assert "published" in done.text
    assert len(list((tmp_path / "outbox" / "c2").glob("*.md"))) == 3


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("approve social_post-01", InputError, "waits at the plan gate"),
        ("edit plan\n{broken", InputError, "not valid JSON"),
        ('edit plan\n[{"asset_id": "x"}]', InputError, "asset_kind"),
        ("reject plan", InputError, "needs a reason"),
        ("   ", InputError, "empty"),
        ("another brief please", InputError, "already running"),
    ],
)
async def test_bad_input_changes_nothing(
    workspace: Workspace, text: str, error: type[Exception], message: str
) -> None:
    await workspace.handle_message("ana", "c1", SMALL_BRIEF, Sinks())
    history = len(workspace.services(MODELS).history("c1"))
    with pytest.raises(error, match=message):
        await workspace.handle_message("ana", "c1", text, Sinks())
    assert keys(workspace.pending("ana", "c1")) == ["plan"]
    assert len(workspace.services(MODELS).history("c1")) == history


async def test_bad_briefs_leave_no_campaign(workspace: Workspace) -> None:
    with pytest.raises(InputError):
        await workspace.handle_message("ana", "c1", "x" * 300_000, Sinks())
    with pytest.raises(InputError):
        await workspace.handle_message("ana", "c1", "", Sinks())
    assert workspace.campaigns.for_chat("c1") is None


async def test_stop_pauses_then_resume_continues(tmp_path: Path) -> None:
    specialist = GatedSpecialist()
    workspace = build_workspace(tmp_path, specialist)
    await workspace.handle_message("ana", "c1", SMALL_BRIEF, Sinks())
    with pytest.raises(InputError, match="nothing is running"):
        await workspace.stop("ana", "c1")
    run = asyncio.create_task(workspace.handle_message("ana", "c1", "approve plan", Sinks()))
    await specialist.started.wait()
    assert workspace.is_running("ana", "c1")
    with pytest.raises(CampaignBusy):
        await workspace.handle_message("ana", "c1", "approve plan", Sinks())
    assert "Stopping" in (await workspace.stop("ana", "c1")).text
    specialist.release.set()
    paused = await run
    assert "Paused" in paused.text
    edited = await workspace.handle_message(
        "ana", "c1", "edit social_post-02\nLoomwell now.", Sinks()
    )
    assert "Saved your edit" in edited.text
    resumed = await workspace.handle_message("ana", "c1", "resume", Sinks())
    assert keys(resumed)[0] == "header"


async def test_trace_history_and_fork(workspace: Workspace) -> None:
    await at_review(workspace)
    assert "### Trace" in (await workspace.handle_message("ana", "c1", "trace", Sinks())).text
    history = workspace.services(MODELS).history("c1")
    table = (await workspace.handle_message("ana", "c1", "history", Sinks())).text
    assert f"`{history[-1].checkpoint_id}`" in table
    plan_gate = next(point for point in history if point.next_nodes == ["plan_gate"])
    reply = await workspace.handle_message(
        "ana", "c1", f"fork {plan_gate.checkpoint_id} same plan, more playful tone", Sinks()
    )
    assert "tone playful" in reply.text
    record = workspace.campaigns.for_chat("c1")
    assert record is not None and record.thread_id.startswith("c1-fork-")
    assert record.forked_from == f"c1@{plan_gate.checkpoint_id}"
    with pytest.raises(PermissionDenied):
        await workspace.handle_message("bob", "c1", "status", Sinks())


async def test_half_made_review_decisions_survive_a_server_restart(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path)
    await at_review(workspace)
    for message in ("reject social_post-02: name the collection", "edit social_post-01\nNew."):
        await workspace.handle_message("ana", "c1", message, Sinks())
    restarted = Workspace(  # a new server process: same files, same checkpoints
        workspace.services, workspace.users, CampaignOwners(tmp_path / "ws.db"), MODELS
    )
    assert keys(restarted.pending("ana", "c1")) == ["header", "newsletter"]
    with pytest.raises(InputError, match="already has a decision"):
        await restarted.handle_message("ana", "c1", "approve social_post-01", Sinks())

    reply = await restarted.handle_message("ana", "c1", "approve newsletter", Sinks())
    # All three went in one resume; the rejected post came back as version 2, which the saved
    # reject (of version 1) does not answer.
    assert keys(reply) == ["header", "social_post-02"]
    reviews = {r["asset_id"]: r["action"] for r in restarted.services(MODELS).reviews("c1")}
    assert reviews == {
        "newsletter": "approve",
        "social_post-01": "edit",
        "social_post-02": "reject",
    }
    assert restarted.campaigns.review_draft("c1") == {}


async def test_an_unreadable_saved_decision_is_asked_again(workspace: Workspace) -> None:
    await at_review(workspace)
    workspace.campaigns.save_review_draft("c1", {("newsletter", 1): {"action": "maybe"}})
    assert "newsletter" in keys(workspace.pending("ana", "c1"))
    reply = await workspace.handle_message("ana", "c1", "approve newsletter", Sinks())
    assert "newsletter: approve" in reply.text
    assert workspace.campaigns.review_draft("c1")[("newsletter", 1)]["action"] == "approve"
