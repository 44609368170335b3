"""The ``ContentStore`` contract, run against the in-memory reference, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from tests.tools.content_store_fixtures import Backend, backend, event, postgres_url, store
from tools.content_store import ContentStore
from tools.content_store.events import (
    AssetFlagged,
    CampaignStarted,
    CheckRan,
    HumanDecision,
    MemoryUsed,
    ModelCalled,
    PlanVersioned,
    PublishReceipt,
    StatusChanged,
    StoredEvent,
    StoreEvent,
    VersionCreated,
)
from tools.errors import IllegalTransition, NotFoundError

__all__ = ["backend", "postgres_url", "store"]  # fixtures


def started(thread: str = "t1", brand: str = "acme", at: float = 1000.0) -> StoreEvent:
    payload = CampaignStarted(title=f"{thread} launch", brief_hash="b" * 16)
    return event(payload, thread=thread, brand=brand, at=at)


def created(asset: str, version: int = 1, text: str = "draft text", **kw: object) -> StoreEvent:
    status = "review" if kw.get("source") == "human" else "draft"
    payload = VersionCreated(
        author=str(kw.pop("author", "copywriter")),
        text=text,
        status=status,
        source=kw.pop("source", "specialist"),  # type: ignore[arg-type]
    )
    return event(payload, asset=asset, version=version, **kw)  # type: ignore[arg-type]


def moved(asset: str, to_status: str, version: int = 1, **kw: object) -> StoreEvent:
    return event(StatusChanged(to_status=to_status), asset=asset, version=version, **kw)  # type: ignore[arg-type]


def decided(asset: str, decision: str, version: int = 1, **kw: object) -> StoreEvent:
    before, after = str(kw.pop("before", "")), str(kw.pop("after", ""))
    payload = HumanDecision(
        gate="review",
        decision=decision,
        role="editor",
        before=before,
        after=after,  # type: ignore[arg-type]
    )
    return event(payload, asset=asset, version=version, actor="user:alice", **kw)  # type: ignore[arg-type]


def called(asset: str, cost: float, version: int = 1, **kw: object) -> StoreEvent:
    payload = ModelCalled(
        model_id="openai:gpt-4.1-mini", prompt_hash="p" * 16, prompt_tokens=100,
        completion_tokens=50, cost_usd=cost, latency_ms=800.0,
    )  # fmt: skip
    return event(payload, asset=asset, version=version, **kw)  # type: ignore[arg-type]


# --- appends and reads -------------------------------------------------------------------


async def test_positions_start_at_one_and_follow_append_order(store: ContentStore) -> None:
    first = await store.append([started(), created("a1")])
    second = await store.append([moved("a1", "review")])
    assert (first, second) == ([1, 2], [3])
    read = await store.read()
    assert [e.position for e in read] == [1, 2, 3]
    assert [e.type for e in read] == ["campaign_started", "version_created", "status_changed"]
    assert read[1].payload == VersionCreated(author="copywriter", text="draft text")


async def test_reappend_returns_original_positions_and_stores_nothing(store: ContentStore) -> None:
    batch = [started(), created("a1"), moved("a1", "review")]
    assert await store.append(batch) == [1, 2, 3]
    late = moved("a1", "approved")
    # a node re-run after a crash: the same events again, plus one new one, plus a repeat
    assert await store.append([*batch, late, batch[0]]) == [1, 2, 3, 4, 1]
    assert await store.append([late]) == [4]
    assert [e.event_key for e in await store.read()] == [e.event_key for e in [*batch, late]]
    assert (await store.append([moved("a1", "published")])) == [5]  # no position was burnt
    fresh = started("t9")  # events without a lifecycle take PostgreSQL's one-statement path
    assert await store.append([batch[0], fresh]) == [1, 6]
    assert await store.append([fresh, fresh]) == [6, 6]
    assert await store.append([started("t10")]) == [7]


async def test_on_append_receives_only_newly_stored_events(backend: Backend) -> None:
    published: list[list[StoredEvent]] = []

    async def publish(events: list[StoredEvent]) -> None:
        published.append(events)

    store = await backend.open(on_append=publish)
    batch = [started(), created("a1")]
    await store.append(batch)
    await store.append(batch)
    await store.append([*batch, moved("a1", "review")])
    assert [[(e.position, e.type) for e in call] for call in published] == [
        [(1, "campaign_started"), (2, "version_created")],
        [(3, "status_changed")],
    ]


async def test_read_pages_after_a_position_and_filters_by_thread(store: ContentStore) -> None:
    await store.append([started("t1"), started("t2"), started("t1b"), started("t2b")])
    await store.append([event(CheckRan(name="length", passed=True), thread="t2")])
    assert [e.position for e in await store.read(1, 2)] == [2, 3]
    assert [e.position for e in await store.read(5)] == []
    t2 = await store.read(0, 10, thread_id="t2")
    assert [(e.position, e.thread_id) for e in t2] == [(2, "t2"), (5, "t2")]
    assert [e.position for e in await store.read(2, 10, thread_id="t2")] == [5]


async def test_concurrent_appenders_never_leave_a_gap_a_follower_could_skip(
    backend: Backend,
) -> None:
    writers, batches = 4, 15
    handles = [await backend.open() for _ in range(writers)]
    follower = await backend.open()
    done = asyncio.Event()
    pages: list[list[int]] = []

    async def write(index: int) -> None:
        store = handles[index]
        for j in range(batches):
            own = [
                event(CheckRan(name="c", passed=True), thread=f"w{index}", key=f"w{index}:{j}:{n}")
                for n in range(2)
            ]
            shared = event(CheckRan(name="c", passed=True), thread="shared", key=f"shared:{j}")
            await store.append([*own, shared])

    async def follow() -> list[StoredEvent]:
        seen: list[StoredEvent] = []
        while True:
            finished = done.is_set()
            page = await follower.read(seen[-1].position if seen else 0, 7)
            pages.append([e.position for e in page])
            seen.extend(page)
            if finished and not page:
                return seen
            await asyncio.sleep(0)

    reader = asyncio.create_task(follow())
    await asyncio.gather(*(write(i) for i in range(writers)))
    done.set()
    seen = await reader
    expected = writers * batches * 2 + batches
    assert [e.position for e in seen] == list(range(1, expected + 1))
    assert len({e.event_key for e in seen}) == expected
    for page in (p for p in pages if p):
        assert page == list(range(page[0], page[0] + len(page)))
    assert [e.position for e in await follower.read(0, 10_000)] == list(range(1, expected + 1))


# --- lifecycle ---------------------------------------------------------------------------


async def test_lifecycle_walks_draft_to_published(store: ContentStore) -> None:
    await store.append([started(), created("a1")])
    for status in ("review", "approved", "published"):
        await store.append([moved("a1", status)])
        assert await store.asset_status("t1", "a1") == (1, status)


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), "published"),
        (("review",), "published"),
        (("review", "approved", "published"), "draft"),
        (("review", "rejected"), "approved"),
        (("archived",), "review"),
        ((), "rolled_back"),
    ],
)
async def test_illegal_transitions_are_refused_and_store_nothing(
    store: ContentStore, path: tuple[str, ...], illegal: str
) -> None:
    await store.append([started(), created("a1"), *(moved("a1", s) for s in path)])
    before = await store.read(0, 100)
    innocent = event(CheckRan(name="length", passed=True), asset="a1", version=1)
    with pytest.raises(IllegalTransition, match=rf"-> {illegal} is not allowed"):
        await store.append([innocent, moved("a1", illegal)])
    assert await store.read(0, 100) == before
    assert await store.append([innocent]) == [len(before) + 1]  # nothing was burnt


async def test_versions_are_numbered_in_order_and_archived_assets_take_none(
    store: ContentStore,
) -> None:
    await store.append([started(), created("a1")])
    with pytest.raises(IllegalTransition, match="next version number is 2"):
        await store.append([created("a1", version=3)])
    with pytest.raises(IllegalTransition, match="no such version"):
        await store.append([moved("a1", "review", version=2)])
    await store.append([created("a1", version=2), moved("a1", "archived", version=2)])
    with pytest.raises(IllegalTransition, match="archived"):
        await store.append([created("a1", version=3)])
    with pytest.raises(NotFoundError):
        await store.asset_status("t1", "nope")


# --- rollback ----------------------------------------------------------------------------


async def published_twice(store: ContentStore) -> None:
    """a1: v1 published, then v2 (a fix) published."""
    await store.append(
        [started(), created("a1", text="first text"), moved("a1", "review"),
         moved("a1", "approved"), moved("a1", "published"),
         created("a1", 2, "second text", source="human", author="human:alice"),
         moved("a1", "approved", 2), moved("a1", "published", 2)]
    )  # fmt: skip


async def test_rollback_copies_an_older_version_back_to_the_publish_gate(
    store: ContentStore,
) -> None:
    await published_twice(store)
    position = await store.rollback("t1", "a1", 1, actor="user:bob", at=2000.0, reason="typo")
    assert position == 9
    assert await store.asset_status("t1", "a1") == (3, "review")
    lineage = await store.lineage("t1", "a1")
    assert [(v.version, v.status, v.source) for v in lineage] == [
        (1, "published", "specialist"),
        (2, "rolled_back", "human"),
        (3, "review", "rollback"),
    ]
    assert lineage[2].text == "first text"
    assert (lineage[2].rolled_back_to, lineage[2].author) == (1, "user:bob")
    # the copy goes through the gates again
    await store.append([moved("a1", "approved", 3), moved("a1", "published", 3)])
    assert await store.asset_status("t1", "a1") == (3, "published")


async def test_a_retried_rollback_appends_once(store: ContentStore) -> None:
    await published_twice(store)
    first = await store.rollback("t1", "a1", 1, actor="u", at=1.0, from_version=2)
    again = await store.rollback("t1", "a1", 1, actor="u", at=2.0, from_version=2)
    assert first == again
    assert len(await store.read(0, 100)) == 9


async def test_rollback_refuses_missing_and_non_earlier_versions(store: ContentStore) -> None:
    await published_twice(store)
    with pytest.raises(NotFoundError, match="no v7"):
        await store.rollback("t1", "a1", 7, actor="u", at=1.0)
    with pytest.raises(IllegalTransition, match="not an earlier version"):
        await store.rollback("t1", "a1", 2, actor="u", at=1.0)
    with pytest.raises(IllegalTransition, match="only the newest version"):
        await store.rollback("t1", "a1", 1, actor="u", at=1.0, from_version=1)


# --- lineage -----------------------------------------------------------------------------


async def test_lineage_traces_each_version_to_its_inputs(store: ContentStore) -> None:
    await store.append(
        [started(), event(PlanVersioned(plan_version=2, plan_hash="h" * 16, deliverables=3)),
         event(MemoryUsed(item_ids=["m1", "m2"]), asset="a1", version=1),
         called("a1", 0.01), created("a1", text="the quick brown fox"),
         event(CheckRan(name="length", passed=False, detail="too short"), asset="a1", version=1),
         called("a1", 0.02, key="other-call"), moved("a1", "review"),
         decided("a1", "edit", before="the quick brown fox", after="the quick red fox"),
         created("a1", 2, "the quick red fox", source="human", author="human:alice"),
         moved("a1", "approved", 2), moved("a1", "published", 2),
         event(PublishReceipt(connector="outbox", ok=True, remote_id="r-1"), asset="a1",
               version=2),
         called("a2", 0.5)]
    )  # fmt: skip
    v1, v2 = await store.lineage("t1", "a1")
    assert (v1.brief_title, v1.brief_hash, v1.plan_version) == ("t1 launch", "b" * 16, 2)
    assert (v1.author, v1.status, v1.text) == ("copywriter", "review", "the quick brown fox")
    assert v1.model_ids == ["openai:gpt-4.1-mini"] and v1.prompt_hashes == ["p" * 16]
    assert len(v1.model_calls) == 2
    assert v1.memory_item_ids == ["m1", "m2"]
    assert [(c.name, c.passed) for c in v1.checks] == [("length", False)]
    (edit,) = v1.decisions
    assert (edit.actor, edit.decision.decision) == ("user:alice", "edit")
    assert "-the quick brown fox" in edit.decision.diff
    assert "+the quick red fox" in edit.decision.diff
    assert edit.decision.edit_distance == pytest.approx(0.25)
    assert [h.status for h in v1.history] == ["draft", "review"]
    assert (v2.author, v2.source, v2.status) == ("human:alice", "human", "published")
    assert [h.status for h in v2.history] == ["review", "approved", "published"]
    assert [r.remote_id for r in v2.receipts] == ["r-1"]
    assert v2.model_calls == [] and v2.receipts[0].ok
    with pytest.raises(NotFoundError):
        await store.lineage("t1", "missing")


# --- KPIs --------------------------------------------------------------------------------


async def known_history(store: ContentStore) -> None:
    """Two brands; costs, decisions, publications and a fix with hand-computable KPIs."""
    acme = [
        started("t1", "acme", 1000.0),
        called("a1", 0.30, at=1010.0), created("a1", at=1010.0),
        moved("a1", "review", at=1020.0), decided("a1", "approve", at=1030.0),
        moved("a1", "approved", at=1030.0), moved("a1", "published", at=1100.0),
        event(AssetFlagged(reason="wrong price"), asset="a1", version=1, at=1200.0),
        created("a1", 2, "fixed", source="human", at=1210.0),
        moved("a1", "approved", 2, at=1220.0), moved("a1", "published", 2, at=1300.0),
        called("a2", 0.20, at=1010.0), created("a2", at=1010.0),
        moved("a2", "review", at=1020.0),
        decided("a2", "edit", before="the quick brown fox", after="the quick red fox", at=1040.0),
        created("a2", 2, "the quick red fox", source="human", at=1040.0),
        moved("a2", "approved", 2, at=1050.0), moved("a2", "published", 2, at=1400.0),
        called("a3", 0.50, at=1010.0), created("a3", at=1010.0),
        moved("a3", "review", at=1020.0), decided("a3", "reject", at=1060.0),
        moved("a3", "rejected", at=1060.0),
    ]  # fmt: skip
    zen = [
        started("t2", "zen", 2000.0),
        called("b1", 1.00, thread="t2", brand="zen", at=2010.0),
        created("b1", thread="t2", brand="zen", at=2010.0),
        moved("b1", "review", thread="t2", brand="zen", at=2020.0),
        decided("b1", "approve", thread="t2", brand="zen", at=2030.0),
        moved("b1", "approved", thread="t2", brand="zen", at=2030.0),
    ]
    await store.append(acme)
    await store.append(zen)


async def test_kpis_over_everything(store: ContentStore) -> None:
    await known_history(store)
    kpis = await store.kpis()
    assert kpis.model_dump() == pytest.approx(
        {
            "campaigns": 2,
            "assets": 4,
            "approved_assets": 3,
            "published_assets": 2,
            "model_calls": 4,
            "cost_usd": 2.0,
            "approved_per_1000_usd": 1500.0,
            "cost_per_approved_usd": 2.0 / 3,
            "first_pass_approval_rate": 0.5,
            "human_edits": 1,
            "rewrite_rate": 0.25,
            "time_to_publish_s": 250.0,
            "flagged": 1,
            "fixed": 1,
            "time_to_fix_s": 100.0,
        }
    )


async def test_kpis_per_brand_campaign_and_period(store: ContentStore) -> None:
    await known_history(store)
    acme = (await store.kpis(brand="acme")).model_dump()
    assert acme == (await store.kpis(thread_id="t1")).model_dump()
    assert acme == pytest.approx(
        {
            "campaigns": 1,
            "assets": 3,
            "approved_assets": 2,
            "published_assets": 2,
            "model_calls": 3,
            "cost_usd": 1.0,
            "approved_per_1000_usd": 2000.0,
            "cost_per_approved_usd": 0.5,
            "first_pass_approval_rate": 1 / 3,
            "human_edits": 1,
            "rewrite_rate": 0.25,
            "time_to_publish_s": 250.0,
            "flagged": 1,
            "fixed": 1,
            "time_to_fix_s": 100.0,
        }
    )
    late = await store.kpis(since=1250.0)
    assert late.model_dump() == pytest.approx(
        {
            "campaigns": 1,
            "assets": 1,
            "approved_assets": 1,
            "published_assets": 2,
            "model_calls": 1,
            "cost_usd": 1.0,
            "approved_per_1000_usd": 1000.0,
            "cost_per_approved_usd": 1.0,
            "first_pass_approval_rate": 1.0,
            "human_edits": 0,
            "rewrite_rate": None,
            "time_to_publish_s": 350.0,
            "flagged": 0,
            "fixed": 0,
            "time_to_fix_s": None,
        }
    )
    empty = await store.kpis(brand="nobody")
    assert empty.cost_per_approved_usd is None and empty.approved_per_1000_usd is None
    assert (empty.assets, empty.time_to_publish_s, empty.first_pass_approval_rate) == (
        0,
        None,
        None,
    )
    window = await store.kpis(since=1000.0, until=1100.0)
    assert (window.approved_assets, window.published_assets, window.cost_usd) == (2, 0, 1.0)


async def test_assets_lists_each_asset_at_its_newest_version(store: ContentStore) -> None:
    await published_twice(store)
    await store.append([started("t2"), created("a2", thread="t2"), created("b1")])
    await store.append([moved("b1", "review")])
    assert await store.assets("t1") == {"a1": (2, "published"), "b1": (1, "review")}
    assert await store.assets("t2") == {"a2": (1, "draft")}
    assert await store.assets("t3") == {}
