"""Revise loop, quotas, budget stop, timeouts and failed generations on the real graph."""

from __future__ import annotations

import asyncio

import pytest

from agents.base import DraftRequest, DraftResult
from tests.graph.conftest import SMALL_BRIEF, TinySpecialist, fitting_text, to_review
from tools.errors import InputError

ONE_POST = "Brand: Loomwell\nGoal: spring launch\nRequired terms: Loomwell\n\n1 social post"


def short_first(request: DraftRequest) -> str:
    return "Too short." if request.version == 1 else fitting_text(request)


async def test_failing_draft_is_revised_with_the_failures_as_feedback(make_service) -> None:
    specialist = TinySpecialist(short_first)
    service = make_service(specialist)
    outcome = await to_review(service, brief=ONE_POST)
    calls = specialist.calls_for("social_post")
    assert [c.version for c in calls] == [1, 2]
    assert any(f.startswith("length: too short") for f in calls[1].feedback)
    assert any(f.startswith("required_terms: missing") for f in calls[1].feedback)
    assert calls[1].previous_text == "Too short."
    (asset,) = outcome.gate.assets
    assert not asset.flagged and all(c["passed"] for c in asset.checks.values())


async def test_revisions_stop_at_max_revisions_and_flag_the_asset(make_service) -> None:
    specialist = TinySpecialist(lambda request: "TODO write this")
    service = make_service(specialist, max_revisions=2)
    outcome = await to_review(service, brief=ONE_POST)
    assert [c.version for c in specialist.calls_for("social_post")] == [1, 2, 3]
    (asset,) = outcome.gate.assets
    assert asset.flagged and not asset.checks["placeholders"]["passed"]
    assert asset.version == 3


async def test_task_token_quota_stops_revisions(make_service) -> None:
    specialist = TinySpecialist(lambda request: "TODO write this")
    service = make_service(specialist, task_token_limit=5, max_revisions=5)
    outcome = await to_review(service, brief=ONE_POST)
    assert len(specialist.calls_for("social_post")) == 1
    assert outcome.gate.assets[0].flagged


async def test_campaign_over_budget_stops_before_the_next_call(make_service) -> None:
    specialist = TinySpecialist(cost_usd=0.6)
    service = make_service(specialist, max_concurrency=1)
    await service.start("t1", SMALL_BRIEF, "alice", budget_usd=0.5)
    outcome = await service.resume("t1", {"action": "approve"})
    assert len(specialist.requests) == 1
    view = service.view("t1")
    assert view.phase == "budget_exceeded" and "budget exceeded" in view.stop_reason
    stopped = [a for a in outcome.gate.assets if a.failed]
    assert len(stopped) == 2 and all("budget" in a.error for a in stopped)
    # a rejection cannot spend more: the supervisor stops it before any call
    written = next(a for a in outcome.gate.assets if not a.failed)
    outcome = await service.resume(
        "t1", {"decisions": {written.asset_id: {"action": "reject", "reason": "again"}}}
    )
    assert len(specialist.requests) == 1
    assert any(e.kind == "budget" for e in service.trace("t1"))


async def test_model_timeout_sends_the_asset_to_review_failed(make_service) -> None:
    async def slow(request: DraftRequest, on_token: object = None) -> DraftResult:
        await asyncio.sleep(5)
        return DraftResult(text="late")

    specialist = TinySpecialist()
    specialist.draft = slow  # type: ignore[method-assign]
    service = make_service(specialist, task_timeout_seconds=0.05)
    outcome = await to_review(service, brief=ONE_POST)
    (asset,) = outcome.gate.assets
    assert asset.failed and "timed out" in asset.error


async def test_failed_generation_goes_to_human_review_and_can_be_written_by_hand(
    make_service,
) -> None:
    specialist = TinySpecialist(
        lambda r: DraftResult(text="", failed=True, error="all models failed")
    )
    service = make_service(specialist)
    outcome = await to_review(service, brief=ONE_POST)
    (asset,) = outcome.gate.assets
    assert asset.failed and asset.error == "all models failed" and asset.text == ""
    with pytest.raises(InputError, match="no text to approve"):
        await service.resume("t1", {"decisions": {asset.asset_id: {"action": "approve"}}})
    text = "Loomwell linen for spring: light, breathable and made to last."
    outcome = await service.resume(
        "t1", {"decisions": {asset.asset_id: {"action": "edit", "text": text}}}
    )
    assert outcome.gate.gate == "publish"
    outcome = await service.resume("t1", {"action": "approve", "role": "approver"}, role="approver")
    assert outcome.phase == "published"
    assert service.view("t1").assets[0].text == text
