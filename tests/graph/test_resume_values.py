"""Malformed resume values, wrong roles and bad briefs: a clear error and nothing changed."""

from __future__ import annotations

import pytest

from tests.graph.conftest import SMALL_BRIEF, TinySpecialist, approve_all, to_review
from tools.errors import InputError, NotFoundError, PermissionDenied


def checkpoints(service, thread_id: str = "t1") -> list[str]:
    return [c.checkpoint_id for c in service.history(thread_id)]


@pytest.mark.parametrize(
    "value",
    [
        "approve",
        None if False else 42,
        {"action": "maybe"},
        {"action": "edit"},
        {"action": "respond", "note": "  "},
        {"action": "edit", "deliverables": [{"asset_id": "x"}]},
        {
            "action": "edit",
            "deliverables": [
                {"asset_id": "a", "asset_kind": "email", "channel": "email"},
                {"asset_id": "a", "asset_kind": "email", "channel": "email"},
            ],
        },
        {
            "action": "edit",
            "deliverables": [{"asset_id": "../etc", "asset_kind": "email", "channel": "e"}],
        },
    ],
)
async def test_bad_plan_decisions_change_nothing(make_service, value: object) -> None:
    service = make_service()
    await service.start("t1", SMALL_BRIEF, "alice")
    before = checkpoints(service)
    with pytest.raises(InputError):
        await service.resume("t1", value)
    assert checkpoints(service) == before
    assert service.pending_gate("t1").gate == "plan"


@pytest.mark.parametrize(
    ("decisions", "message"),
    [
        ({"nope": {"action": "approve"}}, "no asset awaiting review with id nope"),
        ({"newsletter": {"action": "reject"}}, "reject needs a reason"),
        ({"newsletter": {"action": "edit", "text": ""}}, "edit needs the new text"),
        ({"newsletter": {"action": "publish"}}, "decisions.newsletter.action"),
        ({}, "names no asset"),
    ],
)
async def test_bad_review_decisions_change_nothing(make_service, decisions, message) -> None:
    specialist = TinySpecialist()
    service = make_service(specialist)
    await to_review(service)
    before = checkpoints(service)
    with pytest.raises(InputError, match=message):
        await service.resume("t1", {"decisions": decisions})
    assert checkpoints(service) == before
    assert len(specialist.requests) == 3


async def test_only_an_approver_can_publish(make_service) -> None:
    service = make_service()
    outcome = await to_review(service)
    await service.resume("t1", approve_all(outcome.gate))
    before = checkpoints(service)
    for role in ("editor", "viewer"):
        with pytest.raises(PermissionDenied):
            await service.resume("t1", {"action": "approve", "role": role})
    with pytest.raises(InputError):
        await service.resume("t1", {"action": "approve", "role": "admin"})
    assert checkpoints(service) == before
    assert service.pending_gate("t1").gate == "publish"


async def test_decisions_without_a_gate_and_unknown_threads(make_service) -> None:
    service = make_service()
    with pytest.raises(NotFoundError):
        await service.resume("missing", {"action": "approve"})
    with pytest.raises(NotFoundError):
        service.view("missing")
    await service.start("t1", SMALL_BRIEF, "alice")
    await service.resume("t1", {"action": "reject", "reason": "no"})
    with pytest.raises(InputError, match="not waiting"):
        await service.resume("t1", {"action": "approve"})
    with pytest.raises(InputError, match="finished"):
        await service.resume("t1")
    with pytest.raises(InputError, match="already exists"):
        await service.start("t1", SMALL_BRIEF, "alice")


@pytest.mark.parametrize(
    ("brief", "message"),
    [
        ("", "empty"),
        ("\u200b\u200d\ufeff  \n", "empty"),
        ("!!! ???", "no words"),
        ("x" * 300_000, "too long"),
        ("Brand: X\nTone: sarcastic\n2 social posts", "unknown tone"),
        ("Brand: X\nBudget: lots\n2 social posts", "budget"),
        ("Just some words about nothing in particular", "no deliverables"),
    ],
)
async def test_bad_briefs_are_refused_before_anything_is_written(
    make_service, brief, message
) -> None:
    service = make_service()
    with pytest.raises(InputError, match=message):
        await service.start("t1", brief, "alice")
    with pytest.raises(NotFoundError):
        service.view("t1")


@pytest.mark.parametrize("thread_id", ["", "../etc", "a b", "x" * 200, "-lead"])
async def test_unsafe_campaign_ids_are_refused(make_service, thread_id: str) -> None:
    service = make_service()
    with pytest.raises(InputError, match="invalid campaign id"):
        await service.start(thread_id, SMALL_BRIEF, "alice")
