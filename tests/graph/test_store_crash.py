"""A real ``brandloom run`` is SIGKILLed mid-run and resumed: the content store then holds the
same events as an uninterrupted run of the same brief (scripted models), none twice, none
missing. Each campaign has its own data dir (embedded Redis, SQLite content store, outbox)."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.graph.test_crash_resume import Campaign, _wait_for
from tools.content_store.events import StoredEvent
from tools.content_store.sql import open_sql_store

pytestmark = pytest.mark.slow

Fact = tuple[str, ...]


def fact(event: StoredEvent) -> Fact:
    """What an event says, without what differs between two runs (ids, times, keys)."""
    payload = event.payload.model_dump(
        exclude={"latency_ms", "remote_id", "url", "reason", "from_checkpoint_id", "title"}
    )
    if event.type == "check":
        payload.pop("detail", None)
    stable = tuple(f"{k}={v}" for k, v in sorted(payload.items()) if k != "text")
    return (event.type, event.asset_id, str(event.version), event.actor, *stable)


def recorded(campaign: Campaign) -> list[StoredEvent]:
    async def read() -> list[StoredEvent]:
        store = await open_sql_store(None, data_dir=campaign.data_dir)
        try:
            return await store.read_all(thread_id=campaign.thread_id)
        finally:
            await store.close()

    return asyncio.run(read())


@pytest.fixture(scope="module")
def reference_facts(tmp_path_factory: pytest.TempPathFactory) -> Counter[Fact]:
    """The store after an uninterrupted run."""
    reference = Campaign(tmp_path_factory.mktemp("store-reference"), "reference")
    try:
        assert reference.start_run().wait(timeout=300) == 0
        events = recorded(reference)
    finally:
        reference.redis.stop()
    assert {"campaign_finished", "publish_receipt", "model_call"} <= {e.type for e in events}
    return Counter(fact(e) for e in events)


@pytest.fixture
def campaign(tmp_path: Path) -> Iterator[Campaign]:
    made = Campaign(tmp_path, "reference")  # same id: the facts compare one to one
    try:
        yield made
    finally:
        made.redis.stop()


def _published(campaign: Campaign) -> Callable[[], bool]:
    outbox = campaign.data_dir / "outbox" / campaign.thread_id
    return lambda: any(outbox.glob("*.receipt.json"))


@pytest.mark.parametrize("kill_at", ["sixth checkpoint", "first receipt"])
def test_a_killed_and_resumed_run_records_every_event_once(
    campaign: Campaign, reference_facts: Counter[Fact], kill_at: str
) -> None:
    proc = campaign.start_run()
    if kill_at == "first receipt":
        _wait_for(_published(campaign), kill_at, proc)
    else:
        _wait_for(lambda: campaign.checkpoint_count() >= 6, kill_at, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    resumed = campaign.resume()
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    events = recorded(campaign)
    keys = [e.event_key for e in events]
    assert len(keys) == len(set(keys))
    assert [e.position for e in events] == sorted(e.position for e in events)
    facts = Counter(fact(e) for e in events)
    assert facts - reference_facts == Counter(), "recorded twice or extra"
    assert reference_facts - facts == Counter(), "missing after the crash"
