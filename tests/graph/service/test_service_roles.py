"""Roles are enforced by the service, whatever the adapter (CLI, chat, API): the caller's role
decides, never a role a decision claims; unknown roles are refused; nothing changes when a call
is refused. Bad briefs are refused the same way whatever the triage setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graph.service.campaigns import CampaignService
from tests.graph.conftest import ALL_KINDS, SMALL_BRIEF, TinySpecialist, approve_all, to_review
from tools.connectors.outbox.v1 import OutboxConnector
from tools.errors import BriefInvalid, InputError, NotFoundError, PermissionDenied
from tools.event_log import InMemoryEventLog
from tools.settings import Settings


def checkpoints(service: CampaignService, thread_id: str = "t1") -> int:
    return len(service.history(thread_id))


@pytest.mark.parametrize(("role", "error"), [("viewer", PermissionDenied), ("god", InputError)])
async def test_only_editors_and_approvers_commission(make_service, role, error) -> None:
    service = make_service()
    with pytest.raises(error):
        await service.start("t1", SMALL_BRIEF, "vic", role=role)
    with pytest.raises(NotFoundError):
        service.view("t1")


async def test_a_decision_cannot_claim_a_role_its_caller_lacks(make_service, tmp_path) -> None:
    service = make_service()
    outcome = await to_review(service)
    await service.resume("t1", approve_all(outcome.gate))
    before = checkpoints(service)
    for role in ("editor", "viewer"):  # the escalation of issue 12: auto-approve as approver
        with pytest.raises(PermissionDenied):
            await service.resume("t1", {"action": "approve", "role": "approver"}, role=role)
    with pytest.raises(PermissionDenied, match="an approver cannot decide as editor"):
        await service.resume("t1", {"action": "approve", "role": "editor"}, role="approver")
    with pytest.raises(InputError, match="unknown role"):
        await service.resume("t1", {"action": "approve"}, role="root")
    assert checkpoints(service) == before and not (tmp_path / "outbox" / "t1").exists()
    outcome = await service.resume("t1", {"action": "approve"}, role="approver")
    assert outcome.phase == "published"
    assert service.view("t1").assets[0].status == "published"


async def test_viewers_cannot_decide_edit_stop_or_fork(make_service) -> None:
    service = make_service()
    outcome = await service.start("t1", SMALL_BRIEF, "alice")
    before = checkpoints(service)
    with pytest.raises(PermissionDenied, match="a viewer cannot decide at gates"):
        await service.resume("t1", {"action": "approve"}, role="viewer")
    with pytest.raises(PermissionDenied):
        await service.edit_plan("t1", outcome.gate.plan["deliverables"], role="viewer")
    with pytest.raises(PermissionDenied):
        await service.stop("t1", role="viewer")
    checkpoint_id = service.history("t1")[0].checkpoint_id
    with pytest.raises(PermissionDenied):
        await service.fork("t1", checkpoint_id, role="viewer")
    with pytest.raises(PermissionDenied):
        await service.rollback("t1", "newsletter", 1, role="viewer")
    assert checkpoints(service) == before


class AlwaysSocial:
    """A triage stand-in: the service must not rely on triage to size the plan."""

    def classify(self, texts):  # pragma: no cover - never reached: the brief is refused first
        raise AssertionError("triage ran for a brief that should have been refused")


async def test_plan_size_and_nothing_to_make_are_checked_with_triage_on(tmp_path: Path) -> None:
    service = CampaignService.open(
        Settings(data_dir=tmp_path / "data", plan_max_deliverables=50),
        specialists=dict.fromkeys(ALL_KINDS, TinySpecialist()),
        checkpointer=InMemorySaver(), connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(), memory=None, triage=AlwaysSocial(),  # type: ignore[arg-type]
    )  # fmt: skip
    rows = "\n".join(f"SKU-{i},Item {i}" for i in range(30))
    oversized = f"Product descriptions and SEO meta:\n```csv\nsku,name\n{rows}\n```"
    for brief, message in [
        (oversized, "asks for 60 deliverables, a plan holds at most 50"),
        ("Make people happy about linen", "names no deliverables"),
    ]:
        with pytest.raises(BriefInvalid, match=message):
            await service.start("t1", brief, "alice")
        with pytest.raises(NotFoundError):
            service.view("t1")
    assert service.context.event_log.read("t1") == []
