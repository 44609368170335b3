"""Each gate's approve / edit / reject / respond path on the real graph (scripted specialist)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.graph.conftest import SMALL_BRIEF, TinySpecialist, approve_all, to_review


async def test_plan_approve_runs_every_deliverable_to_review(make_service) -> None:
    specialist = TinySpecialist()
    service = make_service(specialist)
    outcome = await to_review(service)
    assert outcome.status == "gate" and outcome.gate.gate == "review"
    assert sorted(a.asset_id for a in outcome.gate.assets) == [
        "newsletter", "social_post-01", "social_post-02",
    ]  # fmt: skip
    assert all(all(c["passed"] for c in a.checks.values()) for a in outcome.gate.assets)
    assert len(specialist.requests) == 3


async def test_plan_edit_replaces_the_matrix(make_service) -> None:
    specialist = TinySpecialist()
    service = make_service(specialist)
    first = await service.start("t1", SMALL_BRIEF, "alice")
    rows = first.gate.plan["deliverables"][:1]
    rows[0]["constraints"]["max_words"] = 100
    outcome = await service.resume("t1", {"action": "edit", "deliverables": rows})
    assert [a.asset_id for a in outcome.gate.assets] == ["newsletter"]
    assert service.view("t1").plan["deliverables"][0]["constraints"]["max_words"] == 100
    assert [r.asset_id for r in specialist.requests] == ["newsletter"]


async def test_plan_reject_cancels_without_writing(make_service) -> None:
    specialist = TinySpecialist()
    service = make_service(specialist)
    await service.start("t1", SMALL_BRIEF, "alice")
    outcome = await service.resume("t1", {"action": "reject", "reason": "wrong season"})
    assert outcome.status == "done" and outcome.phase == "cancelled"
    assert "wrong season" in outcome.stop_reason
    assert specialist.requests == []


async def test_plan_respond_replans_with_the_note(make_service) -> None:
    service = make_service()
    await service.start("t1", SMALL_BRIEF, "alice")
    outcome = await service.resume(
        "t1", {"action": "respond", "note": "Also 1 video script.\nTone: playful"}
    )
    assert outcome.gate.gate == "plan"
    kinds = [d["asset_kind"] for d in outcome.gate.plan["deliverables"]]
    assert "video_script" in kinds
    assert outcome.gate.plan["deliverables"][0]["constraints"]["tone"] == "playful"
    assert service.view("t1").phase == "awaiting_plan"


async def test_review_edit_records_a_diff_and_approves(make_service) -> None:
    service = make_service()
    outcome = await to_review(service)
    decisions = {a.asset_id: {"action": "approve"} for a in outcome.gate.assets}
    decisions["social_post-01"] = {
        "action": "edit",
        "text": "Loomwell linen, now in spring colours.",
    }
    outcome = await service.resume("t1", {"decisions": decisions, "user": "rev"})
    assert outcome.gate.gate == "publish"
    view = service.view("t1")
    edited = next(a for a in view.assets if a.asset_id == "social_post-01")
    assert edited.text == "Loomwell linen, now in spring colours." and edited.version == 2
    review = next(r for r in service.reviews("t1") if r["action"] == "edit")
    assert "+Loomwell linen, now in spring colours." in review["diff"]
    assert review["reviewer"] == "rev"


async def test_reject_regenerates_only_the_rejected_asset(make_service) -> None:
    specialist = TinySpecialist()
    service = make_service(specialist)
    outcome = await to_review(service)
    decisions = {a.asset_id: {"action": "approve"} for a in outcome.gate.assets}
    decisions["social_post-02"] = {"action": "reject", "reason": "too generic"}
    before = len(specialist.requests)
    outcome = await service.resume("t1", {"decisions": decisions})
    new_requests = specialist.requests[before:]
    assert [r.asset_id for r in new_requests] == ["social_post-02"]
    assert new_requests[0].version == 2
    assert any("too generic" in f for f in new_requests[0].feedback)
    assert new_requests[0].previous_text == ""
    assert outcome.gate.gate == "review"
    assert [a.asset_id for a in outcome.gate.assets] == ["social_post-02"]
    kpis = await service.kpis("t1")  # from the content store's events
    assert (kpis.model_calls, kpis.first_pass_approval_rate) == (4, pytest.approx(2 / 3))


async def test_respond_revises_with_the_note_and_previous_text(make_service) -> None:
    specialist = TinySpecialist()
    service = make_service(specialist)
    outcome = await to_review(service)
    first_text = next(a.text for a in outcome.gate.assets if a.asset_id == "newsletter")
    outcome = await service.resume(
        "t1", {"decisions": {"newsletter": {"action": "respond", "note": "mention the pop-up"}}}
    )
    request = specialist.calls_for("newsletter")[-1]
    assert request.version == 2 and request.previous_text == first_text
    assert "reviewer note: mention the pop-up" in request.feedback
    # undecided assets stay in review together with the revised one
    assert sorted(a.asset_id for a in outcome.gate.assets) == [
        "newsletter", "social_post-01", "social_post-02",
    ]  # fmt: skip


async def test_publish_gate_approver_publishes_to_the_outbox(make_service, tmp_path: Path) -> None:
    service = make_service()
    outcome = await to_review(service)
    outcome = await service.resume("t1", approve_all(outcome.gate))
    assert outcome.gate.gate == "publish" and outcome.gate.required_role == "approver"
    outcome = await service.resume(
        "t1", {"action": "approve", "role": "approver", "user": "boss"}, role="approver"
    )
    assert outcome.status == "done" and outcome.phase == "published"
    files = sorted(p.name for p in (tmp_path / "outbox" / "t1").iterdir())
    assert "newsletter.v1.md" in files and "newsletter.v1.receipt.json" in files
    assert all(a.receipt is not None for a in service.view("t1").assets)
    statuses = [e.to_status for e in service.content_events("t1") if e.asset_id == "newsletter"]
    assert statuses == ["draft", "review", "approved", "published"]
    kpis = await service.kpis("t1")
    assert (kpis.published_assets, kpis.model_calls, kpis.rewrite_rate) == (3, 3, None)
    assert kpis.time_to_publish_s is not None and kpis.time_to_publish_s >= 0


async def test_publish_reject_keeps_assets_unpublished(make_service, tmp_path: Path) -> None:
    service = make_service()
    outcome = await to_review(service)
    await service.resume("t1", approve_all(outcome.gate))
    outcome = await service.resume(
        "t1", {"action": "reject", "role": "approver", "reason": "hold"}, role="approver"
    )
    assert outcome.phase == "cancelled" and "hold" in outcome.stop_reason
    assert not (tmp_path / "outbox" / "t1").exists()


async def test_runs_stream_trace_events_and_tokens(make_service) -> None:
    service = make_service()
    events, tokens = [], []
    await service.start("t1", SMALL_BRIEF, "alice", events.append)
    assert [e.node for e in events if e.kind == "gate"] == ["plan_gate"]
    await service.resume("t1", {"action": "approve"}, events.append, lambda a, c: tokens.append(a))
    kinds = {(e.kind, e.node) for e in events}
    assert {("model_call", "draft"), ("check", "verify"), ("decision", "plan_gate")} <= kinds
    assert ("node", "supervisor") in kinds and ("gate", "review_gate") in kinds
    assert all(e.thread_id == "t1" for e in events)
    assert sorted(set(tokens)) == ["newsletter", "social_post-01", "social_post-02"]
    finished = [e for e in events if e.kind == "node" and e.summary == "finished"]
    assert finished and all(e.latency_ms >= 0 for e in finished)
    stored = {e.event_id for e in service.trace("t1")}
    streamed = {e.event_id for e in events if e.kind not in ("node", "gate")}
    assert streamed <= stored
