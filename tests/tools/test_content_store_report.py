"""The rich tables render what the read models hold."""

from __future__ import annotations

from rich.console import Console

from tools.content_store import InMemoryContentStore
from tools.content_store.events import (
    CampaignStarted,
    HumanDecision,
    StatusChanged,
    StoreEvent,
    VersionCreated,
)
from tools.content_store.kpis import Kpis
from tools.content_store.report import assets_table, history_table, kpis_table


def _render(table: object) -> str:
    console = Console(record=True, width=200)
    console.print(table)
    return console.export_text()


def _event(key: str, payload: object, version: int = 1) -> StoreEvent:
    return StoreEvent(
        event_key=key, thread_id="t1", asset_id="a1", version=version, actor="user:alice",
        at=1_700_000_000.0, payload=payload,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_history_and_assets_tables_show_versions_decisions_and_rollbacks() -> None:
    store = InMemoryContentStore()
    await store.append(
        [StoreEvent(event_key="s", thread_id="t1",
                    payload=CampaignStarted(title="t", brief_hash="h")),
         _event("v1", VersionCreated(author="copywriter", text="the quick brown fox")),
         _event("r", StatusChanged(to_status="review")),
         _event("d", HumanDecision(gate="review", decision="edit", before="the quick brown fox",
                                   after="the quick red fox", reason="colour")),
         _event("v2", VersionCreated(author="human:alice", text="the quick red fox",
                                     source="human", status="review"), version=2)]
    )  # fmt: skip
    await store.rollback("t1", "a1", 1, actor="user:bob", at=1_700_000_100.0)
    history = _render(history_table(await store.lineage("t1", "a1")))
    assert "edit by user:alice (25% rewritten): colour" in history
    assert "user:bob (copy of v1)" in history and "rolled_back" in history
    assets = _render(assets_table("t1", await store.assets("t1")))
    assert "a1" in assets and "review" in assets and "3" in assets


def test_kpis_table_shows_missing_values_as_a_dash() -> None:
    text = _render(kpis_table(Kpis(approved_assets=3, cost_usd=2.0)))
    assert "approved assets" in text and "2.00" in text
    (line,) = [row for row in text.splitlines() if "cost per approved usd" in row]
    assert line.strip("│ ").endswith("—")
