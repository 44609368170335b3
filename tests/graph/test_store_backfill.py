"""A campaign started before the content store (checkpoints only) opens, resumes and shows its
trace: its events are backfilled from the checkpointed state on first open, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graph.service.campaigns import CampaignService
from tests.graph.conftest import ALL_KINDS, TinySpecialist, approve_all, to_review
from tests.tools.content_store_fixtures import Backend, backend, postgres_url
from tools.connectors.outbox.v1 import OutboxConnector
from tools.content_store import ContentStore, InMemoryContentStore
from tools.errors import NotFoundError
from tools.event_log import InMemoryEventLog
from tools.settings import Settings

__all__ = ["backend", "postgres_url"]  # fixtures


class Parts:
    """What survives an upgrade: the checkpoints and the content event log."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.saver = InMemorySaver()
        self.log = InMemoryEventLog()

    def service(self, store: ContentStore) -> CampaignService:
        return CampaignService.open(
            Settings(data_dir=self.tmp_path / "data"),
            specialists=dict.fromkeys(ALL_KINDS, TinySpecialist()),
            checkpointer=self.saver,
            connector=OutboxConnector(self.tmp_path / "outbox"),
            event_log=self.log,
            memory=None,
            triage=None,
            content_store=store,
        )


async def test_an_old_campaign_is_backfilled_once_then_resumes(
    tmp_path: Path, backend: Backend
) -> None:
    parts = Parts(tmp_path)
    before_the_store = InMemoryContentStore()  # thrown away: as if nothing was recorded
    old = parts.service(before_the_store)
    review = await to_review(old)
    decisions = approve_all(review.gate)
    decisions["decisions"]["newsletter"] = {"action": "edit", "text": "Loomwell, edited."}
    await old.resume("t1", decisions)  # now at the publish gate
    would_have_recorded = await before_the_store.read_all(thread_id="t1")

    store = await backend.open()
    upgraded = parts.service(store)
    assert await store.read_all(thread_id="t1") == []
    recorded = await upgraded.recorded("t1")  # first open
    assert sorted(e.event_key for e in recorded) == sorted(
        e.event_key for e in would_have_recorded
    )  # the same facts (in one batch rather than one per run)
    assert await upgraded.backfill("t1") == len(recorded)  # a second backfill ...
    assert await store.read_all(thread_id="t1") == recorded  # ... appends nothing
    assert (await store.assets("t1"))["newsletter"] == (2, "approved")
    kpis = await upgraded.kpis("t1")
    assert (kpis.approved_assets, kpis.human_edits, kpis.model_calls) == (3, 1, 3)

    done = await upgraded.resume(
        "t1", {"action": "approve", "user": "boss", "role": "approver"}, role="approver"
    )
    assert done.status == "done" and done.phase == "published"
    assert (await store.assets("t1"))["newsletter"] == (2, "published")
    keys = [e.event_key for e in await store.read_all(thread_id="t1")]
    assert len(keys) == len(set(keys))


async def test_the_trace_of_an_unknown_campaign_is_not_found(tmp_path: Path) -> None:
    service = Parts(tmp_path).service(InMemoryContentStore())
    with pytest.raises(NotFoundError, match="no campaign nope"):
        await service.recorded("nope")
