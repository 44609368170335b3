"""Plan versions, gate decisions, stops and forks are recorded in the store as typed events."""

from __future__ import annotations

import asyncio
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from graph.nodes.decisions import plan_text
from graph.service.campaigns import CampaignService
from tests.graph.conftest import ALL_KINDS, SMALL_BRIEF, TinySpecialist, approve_all
from tests.graph.test_stop_edit_fork import GatedSpecialist
from tools.connectors.outbox.v1 import OutboxConnector
from tools.content_store import InMemoryContentStore
from tools.content_store.events import text_hash
from tools.event_log import InMemoryEventLog
from tools.settings import Settings


def service_with(tmp_path: Path, store: InMemoryContentStore, specialist: TinySpecialist):
    return CampaignService.open(
        Settings(data_dir=tmp_path / "data", max_concurrency=1),
        specialists=dict.fromkeys(ALL_KINDS, specialist),
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        memory=None,
        triage=None,
        content_store=store,
    )


async def test_a_plan_edit_is_a_decision_with_a_diff_and_a_new_plan_version(
    tmp_path: Path,
) -> None:
    store = InMemoryContentStore()
    service = service_with(tmp_path, store, TinySpecialist())
    outcome = await service.start("t1", SMALL_BRIEF, "alice")
    rows = outcome.gate.plan["deliverables"][:2]
    edited = await service.resume("t1", {"action": "edit", "deliverables": rows, "user": "pat"})
    assert edited.gate is not None and edited.gate.gate == "review"
    events = await store.read_all(thread_id="t1")
    [decision] = [e for e in events if e.type == "decision"]
    assert (decision.actor, decision.payload.gate, decision.payload.decision) == (
        "user:pat", "plan", "edit",
    )  # fmt: skip
    assert decision.payload.diff.startswith("--- plan\n+++ plan (edited)\n")
    [version] = [e.payload for e in events if e.type == "plan_versioned"]
    plan = service.view("t1").plan
    assert (version.plan_version, version.deliverables) == (2, 2)
    assert version.plan_hash == text_hash(plan_text(plan))


async def test_publish_decisions_carry_the_approver_and_a_rejection_its_reason(
    tmp_path: Path,
) -> None:
    store = InMemoryContentStore()
    service = service_with(tmp_path, store, TinySpecialist())
    await service.start("t1", SMALL_BRIEF, "alice")
    review = await service.resume("t1", {"action": "approve", "user": "alice"})
    await service.resume("t1", approve_all(review.gate))
    rejected = {"action": "reject", "user": "boss", "role": "approver", "reason": "not today"}
    done = await service.resume("t1", rejected, role="approver")
    assert done.phase == "cancelled"
    decisions = [e for e in await store.read_all(thread_id="t1") if e.type == "decision"]
    publish = [e for e in decisions if e.payload.gate == "publish"]
    assert [(e.actor, e.payload.decision, e.payload.role, e.payload.reason) for e in publish] == [
        ("user:boss", "reject", "approver", "not today"),
    ]  # fmt: skip
    plan = [e for e in decisions if e.payload.gate == "plan"]
    assert [(e.actor, e.payload.decision) for e in plan] == [("user:alice", "approve")]


async def test_a_stop_is_recorded_once_and_a_fork_names_its_source(tmp_path: Path) -> None:
    store = InMemoryContentStore()
    specialist = GatedSpecialist()
    service = service_with(tmp_path, store, specialist)
    await service.start("t1", SMALL_BRIEF, "alice")
    run = asyncio.create_task(service.resume("t1", {"action": "approve"}))
    await specialist.started.wait()
    assert service.request_stop("t1")
    specialist.release.set()
    assert (await run).status == "paused"
    stops = [e for e in await store.read_all(thread_id="t1") if e.type == "stopped"]
    assert [e.payload.reason for e in stops] == ["stopped by a user"]
    await service.backfill("t1")  # recording again does not add a second stop
    assert [e for e in await store.read_all(thread_id="t1") if e.type == "stopped"] == stops

    checkpoint = next(c for c in service.history("t1") if c.next_nodes == ["plan_gate"])
    fork = await service.fork("t1", checkpoint.checkpoint_id, new_thread_id="t2")
    assert (await service.resume(fork)).gate is not None  # the fork runs to its plan gate
    forked = [e for e in await store.read_all(thread_id="t2") if e.type == "forked"]
    assert [(e.payload.from_thread_id, e.payload.from_checkpoint_id) for e in forked] == [
        ("t1", checkpoint.checkpoint_id),
    ]  # fmt: skip
