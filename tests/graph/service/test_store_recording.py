"""The service records every campaign in the content store, once, whatever re-runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agents.base import DraftRequest, DraftResult, TokenSink
from graph.service.campaigns import CampaignService
from tests.graph.conftest import ALL_KINDS, TinySpecialist, approve_all, to_review
from tests.tools.content_store_fixtures import Backend, backend, postgres_url
from tools.connectors.outbox.v1 import OutboxConnector
from tools.content_store import ContentStore, InMemoryContentStore
from tools.content_store.base import PAGE
from tools.content_store.events import StoredEvent, StoreEvent
from tools.errors import StoreError
from tools.event_log import InMemoryEventLog
from tools.settings import Settings

__all__ = ["backend", "postgres_url"]  # fixtures


def service_on(
    tmp_path: Path, store: ContentStore, specialist: TinySpecialist | None = None
) -> CampaignService:
    return CampaignService.open(
        Settings(data_dir=tmp_path / "data"),
        specialists=dict.fromkeys(ALL_KINDS, specialist or TinySpecialist()),
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        memory=None,
        triage=None,
        content_store=store,
    )


async def published_campaign(service: CampaignService, thread_id: str = "t1") -> None:
    review = await to_review(service, thread_id)
    decisions = approve_all(review.gate)
    decisions["decisions"]["newsletter"] = {"action": "edit", "text": "Loomwell linen, edited."}
    publish = await service.resume(thread_id, decisions)
    assert publish.gate is not None and publish.gate.gate == "publish"
    done = await service.resume(
        thread_id, {"action": "approve", "user": "boss", "role": "approver"}, role="approver"
    )
    assert done.status == "done"


async def test_a_published_campaign_is_in_the_store_with_its_lineage(tmp_path: Path) -> None:
    store = InMemoryContentStore()
    service = service_on(tmp_path, store)
    await published_campaign(service)

    assert await store.assets("t1") == {
        "newsletter": (2, "published"),
        "social_post-01": (1, "published"),
        "social_post-02": (1, "published"),
    }
    newsletter = await store.lineage("t1", "newsletter")
    draft, edit = newsletter
    assert draft.author == "tiny" and draft.model_ids == ["scripted"]
    assert [c.name for c in draft.checks] and all(c.passed for c in draft.checks)
    assert [d.decision.decision for d in draft.decisions] == ["edit"]
    assert "+Loomwell linen, edited." in draft.decisions[0].decision.diff
    assert edit.source == "human" and edit.text == "Loomwell linen, edited."
    assert [h.status for h in edit.history] == ["review", "approved", "published"]
    assert len(edit.receipts) == 1 and edit.receipts[0].ok
    post = (await store.lineage("t1", "social_post-01"))[0]
    assert [h.status for h in post.history] == ["draft", "review", "approved", "published"]
    assert [d.decision.decision for d in post.decisions] == ["approve"]
    kpis = await store.kpis(brand="Loomwell")
    assert kpis.approved_assets == 3 and kpis.published_assets == 3 and kpis.cost_usd > 0
    assert (await store.kpis(brand="Nobody")).approved_assets == 0
    events = await store.read_all(thread_id="t1")
    assert [e.type for e in events if not e.asset_id] == [
        "campaign_started", "decision", "plan_versioned", "decision", "campaign_finished",
    ]  # fmt: skip


async def test_recording_again_after_a_rerun_appends_nothing(tmp_path: Path) -> None:
    store = InMemoryContentStore()
    service = service_on(tmp_path, store)
    await published_campaign(service)
    before = await store.read_all(thread_id="t1")
    values = service.graph.get_state({"configurable": {"thread_id": "t1"}}).values

    # A worker that crashed after its last step re-records the same committed state.
    assert await service.record("t1", values) == len(before)
    assert await store.read_all(thread_id="t1") == before
    keys = [e.event_key for e in before]
    assert len(keys) == len(set(keys))
    # the graph re-ran nodes at every gate (interrupt, resume): still one event per fact
    models = [e for e in before if e.type == "model_call"]
    assert len(models) == 3  # one draft per asset, nothing from the re-run gate nodes


async def test_a_resumed_run_records_what_the_earlier_runs_committed(tmp_path: Path) -> None:
    store = InMemoryContentStore()
    service = service_on(tmp_path, store)
    await to_review(service)
    at_review = await store.read_all(thread_id="t1")
    assert {e.type for e in at_review} >= {"campaign_started", "version_created", "model_call"}
    assert await store.assets("t1") == {
        "newsletter": (1, "review"),
        "social_post-01": (1, "review"),
        "social_post-02": (1, "review"),
    }
    second = InMemoryContentStore()  # a store that missed the first runs (it was down)
    service.content_store = second
    review = service.pending_gate("t1")
    assert review is not None
    await service.resume("t1", approve_all(review))
    recorded = {e.event_key for e in await second.read_all(thread_id="t1")}
    assert {e.event_key for e in at_review} < recorded
    assert (await second.assets("t1"))["newsletter"] == (1, "approved")


class BrokenStore(ContentStore):
    async def append(self, events: list[StoreEvent]) -> list[int]:  # type: ignore[override]
        raise ConnectionError("database is down\nsecond line")

    async def read(
        self, after_position: int = 0, limit: int = PAGE, *, thread_id: str | None = None
    ) -> list[StoredEvent]:
        return []


async def test_a_store_failure_is_one_store_error_after_the_steps_are_saved(
    tmp_path: Path,
) -> None:
    service = service_on(tmp_path, BrokenStore())
    with pytest.raises(StoreError) as failure:
        await service.start("t1", "Brand: Loomwell\nOne newsletter.", "alice")
    assert str(failure.value) == "content store failed: database is down"
    assert service.pending_gate("t1") is not None  # the checkpoint is there: resume continues


async def test_every_backend_records_a_campaign_once(tmp_path: Path, backend: Backend) -> None:
    store = await backend.open()
    service = service_on(tmp_path, store)
    await published_campaign(service)
    recorded = await store.read_all(thread_id="t1")
    values = service.graph.get_state({"configurable": {"thread_id": "t1"}}).values
    await service.record("t1", values)
    assert await store.read_all(thread_id="t1") == recorded
    assert (await store.assets("t1"))["newsletter"] == (2, "published")
    kpis = await store.kpis(brand="Loomwell")
    assert (kpis.approved_assets, kpis.published_assets, kpis.human_edits) == (3, 3, 1)


class CrashOnce(TinySpecialist):
    """Crashes (a bug, not a handled provider failure) on its first draft of one asset."""

    def __init__(self, asset_id: str) -> None:
        super().__init__()
        self.crash_on = asset_id

    async def draft(self, request: DraftRequest, on_token: TokenSink | None = None) -> DraftResult:
        if request.asset_id == self.crash_on and not self.calls_for(self.crash_on):
            self.requests.append(request)
            raise RuntimeError("worker died")
        return await super().draft(request, on_token)


async def test_a_node_rerun_after_a_crash_is_recorded_once(tmp_path: Path) -> None:
    store = InMemoryContentStore()
    specialist = CrashOnce("social_post-02")
    service = service_on(tmp_path, store, specialist)
    await service.start("t1", "Brand: Loomwell\nA newsletter and 2 social posts.", "alice")
    with pytest.raises(RuntimeError, match="worker died"):
        await service.resume("t1", {"action": "approve", "user": "alice"})
    outcome = await service.resume("t1")  # the crashed draft runs again
    assert outcome.gate is not None and outcome.gate.gate == "review"
    assert len(specialist.calls_for("social_post-02")) == 2

    events = await store.read_all(thread_id="t1")
    calls = [(e.asset_id, e.version) for e in events if e.type == "model_call"]
    assert sorted(calls) == [("newsletter", 1), ("social_post-01", 1), ("social_post-02", 1)]
    assert await store.assets("t1") == {
        "newsletter": (1, "review"),
        "social_post-01": (1, "review"),
        "social_post-02": (1, "review"),
    }
