"""Stop mid-run, edit while paused, resume; fork from an earlier checkpoint; replayed publish."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agents.base import DraftRequest, DraftResult
from tests.graph.conftest import SMALL_BRIEF, TinySpecialist, approve_all, fitting_text, to_review


class GatedSpecialist(TinySpecialist):
    """Blocks its first call until released, so a test can stop the run meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def draft(self, request: DraftRequest, on_token: object = None) -> DraftResult:
        self.requests.append(request)
        if len(self.requests) == 1:
            self.started.set()
            await self.release.wait()
        return DraftResult(text=fitting_text(request), title=request.asset_id)


async def test_stop_pauses_at_the_next_step_then_edit_and_resume(make_service) -> None:
    specialist = GatedSpecialist()
    service = make_service(specialist, max_concurrency=1)
    await service.start("t1", SMALL_BRIEF, "alice")
    run = asyncio.create_task(service.resume("t1", {"action": "approve"}))
    await specialist.started.wait()
    assert service.request_stop("t1")
    specialist.release.set()
    outcome = await run
    assert outcome.status == "paused" and outcome.gate is None
    assert [r.asset_id for r in specialist.requests] == ["newsletter"]
    statuses = {a.asset_id: a.status for a in service.view("t1").assets}
    assert statuses == {
        "newsletter": "draft",
        "social_post-01": "pending",
        "social_post-02": "pending",
    }
    assert not service.request_stop("t1")  # nothing is running any more

    view = await service.edit_draft(
        "t1", "social_post-02", "Loomwell spring linen is here today.", "ed"
    )
    edited = next(a for a in view.assets if a.asset_id == "social_post-02")
    assert edited.status == "review" and edited.version == 1
    outcome = await service.resume("t1")
    assert outcome.gate.gate == "review"
    assert [r.asset_id for r in specialist.requests] == ["newsletter", "social_post-01"]
    texts = {a.asset_id: a.text for a in outcome.gate.assets}
    assert texts["social_post-02"] == "Loomwell spring linen is here today."
    assert len(texts) == 3


async def test_edit_plan_at_the_plan_gate_reopens_it_with_the_new_matrix(make_service) -> None:
    specialist = TinySpecialist()
    service = make_service(specialist)
    first = await service.start("t1", SMALL_BRIEF, "alice")
    rows = [r for r in first.gate.plan["deliverables"] if r["asset_kind"] == "social_post"]
    view = await service.edit_plan("t1", rows)
    assert view.gate is not None and view.gate.gate == "plan"
    assert [d["asset_id"] for d in view.gate.plan["deliverables"]] == [
        "social_post-01",
        "social_post-02",
    ]
    outcome = await service.resume("t1", {"action": "approve"})
    assert sorted(a.asset_id for a in outcome.gate.assets) == ["social_post-01", "social_post-02"]
    assert {r.asset_id for r in specialist.requests} == {"social_post-01", "social_post-02"}


async def test_fork_from_an_earlier_checkpoint_with_a_new_tone(make_service) -> None:
    specialist = TinySpecialist()
    service = make_service(specialist)
    await to_review(service)
    history = service.history("t1")
    dispatch_point = next(c for c in history if "draft" in c.next_nodes)
    fork_id = await service.fork("t1", dispatch_point.checkpoint_id, {"tone": "playful"})
    before = len(specialist.requests)
    outcome = await service.resume(fork_id)
    assert outcome.gate.gate == "review" and outcome.thread_id == fork_id
    forked_requests = specialist.requests[before:]
    assert len(forked_requests) == 3
    assert all(r.constraints.tone == "playful" for r in forked_requests)
    assert all(r.thread_id == fork_id for r in forked_requests)
    assert service.view(fork_id).forked_from == f"t1@{dispatch_point.checkpoint_id}"
    assert service.pending_gate("t1").gate == "review"  # the source campaign is untouched
    assert all(a.status == "review" for a in service.view("t1").assets)


async def test_replaying_the_publisher_does_not_publish_twice(make_service, tmp_path: Path) -> None:
    service = make_service()
    outcome = await to_review(service)
    await service.resume("t1", approve_all(outcome.gate))
    await service.resume("t1", {"action": "approve", "role": "approver"}, role="approver")
    outbox = tmp_path / "outbox" / "t1"
    stamps = {p.name: p.stat().st_mtime_ns for p in outbox.iterdir()}
    receipts = {a.asset_id: a.receipt for a in service.view("t1").assets}
    before_publish = next(c for c in service.history("t1") if c.next_nodes == ["publisher"])
    config = {"configurable": {"thread_id": "t1", "checkpoint_id": before_publish.checkpoint_id}}
    await service.graph.ainvoke(None, config, context=service.context)  # a crash-style replay
    assert {p.name: p.stat().st_mtime_ns for p in outbox.iterdir()} == stamps
    assert {a.asset_id: a.receipt for a in service.view("t1").assets} == receipts
    published = [e for e in service.content_events("t1") if e.to_status == "published"]
    assert len(published) == 3


async def test_edit_plan_while_paused_keeps_written_assets(make_service) -> None:
    specialist = GatedSpecialist()
    service = make_service(specialist, max_concurrency=1)
    first = await service.start("t1", SMALL_BRIEF, "alice")
    run = asyncio.create_task(service.resume("t1", {"action": "approve"}))
    await specialist.started.wait()
    service.request_stop("t1")
    specialist.release.set()
    assert (await run).status == "paused"
    rows = [r for r in first.gate.plan["deliverables"] if r["asset_id"] != "social_post-02"]
    rows.append({"asset_id": "email-01", "asset_kind": "email", "channel": "email"})
    view = await service.edit_plan("t1", rows)
    assert view.status == "paused"
    assert {a.asset_id: a.status for a in view.assets} == {
        "newsletter": "draft", "social_post-01": "pending", "email-01": "pending",
    }  # fmt: skip
    outcome = await service.resume("t1")
    assert sorted(a.asset_id for a in outcome.gate.assets) == [
        "email-01",
        "newsletter",
        "social_post-01",
    ]
    assert [r.asset_id for r in specialist.requests].count("newsletter") == 1
