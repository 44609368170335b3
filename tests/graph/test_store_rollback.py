"""Rolling an asset back: a new version equal to an old one, back through review and publish."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.graph.conftest import approve_all, to_review
from tests.graph.service.test_store_recording import published_campaign, service_on
from tests.graph.test_stop_edit_fork import GatedSpecialist
from tests.tools.content_store_fixtures import Backend, backend, postgres_url
from tools.content_store import InMemoryContentStore
from tools.errors import InputError, NotFoundError, PermissionDenied

__all__ = ["backend", "postgres_url"]  # fixtures

APPROVER = {"action": "approve", "user": "boss", "role": "approver"}


async def test_a_published_asset_rolls_back_through_review_and_publish(
    tmp_path: Path, backend: Backend
) -> None:
    store = await backend.open()
    service = service_on(tmp_path, store)
    await published_campaign(service)  # newsletter: v1 specialist, v2 human edit, published
    v1_text = (await store.lineage("t1", "newsletter"))[0].text

    outcome = await service.rollback("t1", "newsletter", 1, "carol", reason="legal asked")
    assert outcome.gate is not None and outcome.gate.gate == "review"
    [waiting] = outcome.gate.assets
    assert (waiting.asset_id, waiting.version, waiting.text) == ("newsletter", 3, v1_text)
    v1, v2, v3 = await store.lineage("t1", "newsletter")
    assert (v1.status, v2.status, v3.status) == ("review", "rolled_back", "review")
    assert (v3.source, v3.rolled_back_to, v3.text) == ("rollback", 1, v1_text)
    rollbacks = [e for e in await store.read_all(thread_id="t1") if e.type == "rolled_back"]
    assert [(e.actor, e.payload.reason) for e in rollbacks] == [("user:carol", "legal asked")]

    publish = await service.resume("t1", approve_all(outcome.gate))
    assert publish.gate is not None and publish.gate.gate == "publish"  # an approver again
    with pytest.raises(PermissionDenied):
        await service.resume("t1", {"action": "approve", "user": "ed"}, role="editor")
    done = await service.resume("t1", APPROVER, role="approver")
    assert done.status == "done" and done.phase == "published"

    outbox = sorted(p.name for p in (tmp_path / "outbox" / "t1").iterdir())
    assert "newsletter.v2.receipt.json" in outbox and "newsletter.v3.receipt.json" in outbox
    assert (tmp_path / "outbox" / "t1" / "newsletter.v3.md").read_text().count(v1_text) == 1
    *_, v3 = await store.lineage("t1", "newsletter")
    assert [h.status for h in v3.history] == ["review", "approved", "published"]
    assert len(v3.receipts) == 1
    receipts = [e for e in await store.read_all(thread_id="t1") if e.type == "publish_receipt"]
    assert sorted((e.asset_id, e.version) for e in receipts if e.asset_id == "newsletter") == [
        ("newsletter", 2), ("newsletter", 3),
    ]  # fmt: skip
    assert await store.assets("t1") == {
        "newsletter": (3, "published"),
        "social_post-01": (1, "published"),
        "social_post-02": (1, "published"),
    }
    publish_decisions = [
        e for e in await store.read_all(thread_id="t1")
        if e.type == "decision" and e.payload.gate == "publish"
    ]  # fmt: skip
    assert [(e.actor, e.payload.role) for e in publish_decisions] == [
        ("user:boss", "approver"), ("user:boss", "approver"),
    ]  # fmt: skip


async def test_a_rollback_at_review_joins_the_review_gate(tmp_path: Path) -> None:
    store = InMemoryContentStore()
    service = service_on(tmp_path, store)
    review = await to_review(service)
    decisions = approve_all(review.gate)
    decisions["decisions"]["newsletter"] = {"action": "respond", "note": "shorter please"}
    again = await service.resume("t1", decisions)
    assert again.gate is not None and [a.version for a in again.gate.assets] == [2]
    outcome = await service.rollback("t1", "newsletter", 1, "carol")
    assert outcome.gate is not None and outcome.gate.gate == "review"
    assert [(a.asset_id, a.version) for a in outcome.gate.assets] == [("newsletter", 3)]
    assert (await store.assets("t1"))["newsletter"] == (3, "review")


@pytest.mark.parametrize(
    ("thread_id", "asset_id", "version", "error", "message"),
    [
        ("nope", "newsletter", 1, NotFoundError, "no campaign nope"),
        ("t1", "banner", 1, NotFoundError, "no asset 'banner' in campaign t1"),
        ("t1", "newsletter", 0, InputError, "invalid version '0': use a number >= 1"),
        ("t1", "newsletter", 7, InputError, "asset newsletter has versions 1 to 2: there is no v7"),
        ("t1", "newsletter", 2, InputError, "v2 is already the current version of newsletter"),
        ("bad id!", "newsletter", 1, InputError, "invalid campaign id 'bad id!'"),
    ],
)
async def test_bad_rollbacks_say_why_and_change_nothing(
    tmp_path: Path, thread_id: str, asset_id: str, version: int, error: type, message: str
) -> None:
    store = InMemoryContentStore()
    service = service_on(tmp_path, store)
    await published_campaign(service)
    events = await store.read_all()
    checkpoints = len(service.history("t1"))
    with pytest.raises(error) as refused:
        await service.rollback(thread_id, asset_id, version, "carol")
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)
    assert await store.read_all() == events
    assert len(service.history("t1")) == checkpoints
    assert service.view("t1").phase == "published"


async def test_a_viewer_cannot_roll_back(tmp_path: Path) -> None:
    service = service_on(tmp_path, InMemoryContentStore())
    await published_campaign(service)
    with pytest.raises(PermissionDenied, match="a viewer cannot edit"):
        await service.rollback("t1", "newsletter", 1, "vic", role="viewer")
    assert [a.version for a in service.view("t1").assets if a.asset_id == "newsletter"] == [2]


async def test_a_paused_campaign_stays_paused_and_an_unrecorded_edit_is_kept(
    tmp_path: Path,
) -> None:
    store = InMemoryContentStore()
    specialist = GatedSpecialist()
    service = service_on(tmp_path, store, specialist)
    await service.start("t1", "Brand: Loomwell\nA newsletter and 2 social posts.", "alice")
    run = asyncio.create_task(service.resume("t1", {"action": "approve", "user": "alice"}))
    await specialist.started.wait()
    assert service.request_stop("t1")
    specialist.release.set()
    assert (await run).status == "paused"
    written = next(a for a in service.view("t1").assets if a.versions == 1)
    await service.edit_draft("t1", written.asset_id, "Loomwell linen, by hand.", "ed")

    outcome = await service.rollback("t1", written.asset_id, 1, "carol")
    assert outcome.status == "paused" and outcome.gate is None
    v1, v2, v3 = await store.lineage("t1", written.asset_id)
    assert (v2.source, v2.text, v2.status) == ("human", "Loomwell linen, by hand.", "rolled_back")
    assert (v3.rolled_back_to, v3.text, v3.status) == (1, v1.text, "review")
    resumed = await service.resume("t1")
    assert resumed.gate is not None and resumed.gate.gate == "review"
    assert (await store.assets("t1"))[written.asset_id] == (3, "review")
