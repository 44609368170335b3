"""``BRANDLOOM_CHECKPOINT_KEEP_LAST``: campaigns keep their newest N checkpoints and lose nothing.

Real campaigns on the Redis saver (the session's embedded Redis) next to the same campaign
unpruned: the pruned one keeps N checkpoints, still resumes at every gate (the checkpoint a
thread resumes from and its pending writes are always the newest), shows the same state, and
its record in the content store (what ``brandloom assets history``, the trace and the KPIs
read) is the same event for event.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis

from graph.checkpoint import RedisSaver
from graph.service.campaigns import CampaignService
from tests.fakes.openai_server import hanging_openai_server
from tests.graph.conftest import ALL_KINDS, TinySpecialist, approve_all, to_review
from tests.graph.test_crash_resume import Campaign
from tests.graph.test_crash_resume import _wait_for as wait_for
from tools.connectors.outbox.v1 import OutboxConnector
from tools.content_store import InMemoryContentStore
from tools.errors import NotFoundError
from tools.redis_server import EmbeddedRedis
from tools.settings import Settings


def _service(
    tmp_path: Path, redis_url: str, keep_last: int, store: InMemoryContentStore
) -> CampaignService:
    """The service on the Redis saver the settings build (no injected checkpointer)."""
    settings = Settings(
        data_dir=tmp_path / "data", REDIS_URL=redis_url, checkpoint_keep_last=keep_last
    )
    return CampaignService.open(
        settings,
        specialists=dict.fromkeys(ALL_KINDS, TinySpecialist()),
        connector=OutboxConnector(tmp_path / f"outbox-{keep_last}"),
        memory=None,
        triage=None,
        content_store=store,
    )


async def _campaign(service: CampaignService, thread_id: str) -> dict[str, int]:
    """Plan gate -> review gate (one edit) -> publish gate -> published; the number of
    checkpoints the thread holds at each gate and at the end."""
    held = {"review": 0, "publish": 0, "done": 0}
    review = await to_review(service, thread_id)
    assert review.gate is not None and review.gate.gate == "review"
    held["review"] = len(service.history(thread_id))
    decisions = approve_all(review.gate)
    decisions["decisions"]["newsletter"] = {"action": "edit", "text": "Loomwell linen, edited."}
    publish = await service.resume(thread_id, decisions)
    assert publish.gate is not None and publish.gate.gate == "publish"
    held["publish"] = len(service.history(thread_id))
    done = await service.resume(
        thread_id, {"action": "approve", "user": "boss", "role": "approver"}, role="approver"
    )
    assert done.status == "done" and done.phase == "published"
    held["done"] = len(service.history(thread_id))
    return held


def _record(events: list[Any]) -> list[tuple[str, str, int]]:
    """What the audit shows of a campaign, without ids and times: (type, asset, version)."""
    return [(e.type, e.asset_id, e.version) for e in events]


@pytest.mark.parametrize("keep_last", [1, 3])
async def test_a_pruned_campaign_keeps_n_checkpoints_and_loses_nothing(
    tmp_path: Path, embedded_redis: EmbeddedRedis, keep_last: int
) -> None:
    store = InMemoryContentStore()
    full = _service(tmp_path, embedded_redis.url, 0, store)
    pruned = _service(tmp_path, embedded_redis.url, keep_last, store)
    full_id, pruned_id = f"full-{uuid.uuid4().hex[:8]}", f"pruned-{uuid.uuid4().hex[:8]}"

    unpruned_held = await _campaign(full, full_id)
    held = await _campaign(pruned, pruned_id)

    assert unpruned_held["done"] > keep_last + 5  # the campaign wrote N + k checkpoints
    assert held == dict.fromkeys(held, keep_last)
    view, reference = pruned.view(pruned_id), full.view(full_id)
    assert view.phase == reference.phase == "published"
    assert [(a.asset_id, a.status, a.text) for a in view.assets] == [
        (a.asset_id, a.status, a.text) for a in reference.assets
    ]
    history = pruned.history(pruned_id)
    assert [h.step for h in history] == [h.step for h in full.history(full_id)][:keep_last]
    assert _record(await store.read_all(thread_id=pruned_id)) == _record(
        await store.read_all(thread_id=full_id)
    )
    edited = await store.lineage(pruned_id, "newsletter")
    assert [h.status for h in edited[-1].history] == ["review", "approved", "published"]
    assert [d.decision.decision for d in edited[0].decisions] == ["edit"]


async def test_an_interrupted_run_resumes_after_every_older_checkpoint_was_pruned(
    tmp_path: Path, embedded_redis: EmbeddedRedis
) -> None:
    store = InMemoryContentStore()
    service = _service(tmp_path, embedded_redis.url, 1, store)
    thread_id = f"gate-{uuid.uuid4().hex[:8]}"
    plan = await service.start(thread_id, _brief(), "alice")
    assert plan.gate is not None and plan.gate.gate == "plan"
    assert len(service.history(thread_id)) == 1
    # a new process (a fresh service on the same Redis) answers the gate
    later = _service(tmp_path, embedded_redis.url, 1, store)
    assert later.pending_gate(thread_id) == plan.gate
    review = await later.resume(thread_id, {"action": "approve", "user": "alice"})
    assert review.gate is not None and review.gate.gate == "review"
    assert [a.asset_id for a in review.gate.assets] == ["newsletter", "social_post"]
    assert len(later.history(thread_id)) == 1
    publish = await _service(tmp_path, embedded_redis.url, 1, store).resume(
        thread_id, approve_all(review.gate)
    )
    assert publish.gate is not None and publish.gate.gate == "publish"
    done = await later.resume(thread_id, {"action": "approve", "role": "approver"}, role="approver")
    assert done.status == "done" and len(later.history(thread_id)) == 1
    assert [(a.asset_id, a.status) for a in later.view(thread_id).assets] == [
        ("newsletter", "published"),
        ("social_post", "published"),
    ]


async def test_fork_reaches_kept_checkpoints_and_names_pruned_ones(
    tmp_path: Path, embedded_redis: EmbeddedRedis
) -> None:
    service = _service(tmp_path, embedded_redis.url, 2, InMemoryContentStore())
    thread_id = f"fork-{uuid.uuid4().hex[:8]}"
    await service.start(thread_id, _brief(), "alice")
    early = [h.checkpoint_id for h in service.history(thread_id)]
    await service.resume(thread_id, {"action": "approve", "user": "alice"})
    kept = [h.checkpoint_id for h in service.history(thread_id)]
    gone = [checkpoint_id for checkpoint_id in early if checkpoint_id not in kept]
    assert len(kept) == 2 and gone

    fork_id = await service.fork(thread_id, kept[-1], {"tone": "playful"})
    outcome = await service.resume(fork_id)
    assert outcome.gate is not None and outcome.gate.gate == "review"
    assert service.view(fork_id).forked_from == f"{thread_id}@{kept[-1]}"
    assert len(service.history(fork_id)) == 2
    with pytest.raises(NotFoundError, match=f"no checkpoint {gone[0]} in campaign {thread_id}"):
        await service.fork(thread_id, gone[0], {"tone": "playful"})


def _brief() -> str:
    return (
        "# Small launch\nBrand: Loomwell\nGoal: Launch the spring linen range.\n"
        "Tone: friendly\nRequired terms: Loomwell\n\nWe need a newsletter and a social post.\n"
    )


def test_the_cli_audit_of_a_pruned_campaign_is_complete(
    cli_env: dict[str, str], embedded_redis: EmbeddedRedis
) -> None:
    """``brandloom run`` with KEEP_LAST=1, then ``brandloom assets history``: every version,
    check, decision and receipt is there, while Redis holds one checkpoint of the campaign."""
    thread_id = f"cli-{uuid.uuid4().hex[:8]}"
    env = cli_env | {"BRANDLOOM_CHECKPOINT_KEEP_LAST": "1"}
    brief = "Brand: Loomwell\nGoal: spring launch\n\n2 social posts"
    run = _brandloom(env, "run", "--auto-approve", "--brief", brief, "--thread-id", thread_id)
    assert run.returncode == 0, run.stderr

    saver = RedisSaver(redis.Redis.from_url(embedded_redis.url))
    assert len(list(saver.list({"configurable": {"thread_id": thread_id}}))) == 1
    history = _brandloom(env, "assets", "history", thread_id, "social_post-01")
    assert history.returncode == 0, history.stderr
    rows = [line for line in history.stdout.splitlines() if line.startswith("│ 1 ")]
    assert len(rows) == 1, history.stdout
    cells = [cell.strip() for cell in rows[0].strip("│").split("│")]
    version, status, author, models, _memory, checks, decisions, _receipt = cells
    assert (version, status, author, models) == ("1", "published", "copywriter", "scripted:echo")
    assert "length ok" in checks and "FAIL" not in checks
    assert decisions == "approve by user:cli"
    assert "v1 receipt " in history.stdout, history.stdout
    listed = _brandloom(env, "assets", "list", thread_id)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("published") == 2, listed.stdout


def _brandloom(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )


class _PrunedCampaign(Campaign):
    """A CLI campaign whose every process runs with KEEP_LAST=1."""

    def env(self, **overrides: str) -> dict[str, str]:
        return super().env(BRANDLOOM_CHECKPOINT_KEEP_LAST="1", **overrides)


@pytest.mark.slow
def test_a_pruned_campaign_killed_mid_step_resumes_and_publishes_everything_once(
    tmp_path: Path,
) -> None:
    """SIGKILL while the fan-out's model calls are in flight, then ``brandloom resume``: the
    one checkpoint kept is the one the run resumes from."""
    campaign = _PrunedCampaign(tmp_path, "crash-pruned")
    try:
        with hanging_openai_server(120) as (base_url, called):
            proc = campaign.start_run(
                BRANDLOOM_MODEL_WRITER="openai:gpt-4.1-mini", OPENAI_BASE_URL=base_url
            )
            wait_for(called.is_set, "the first model call", proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert campaign.checkpoint_count() == 1

        resumed = campaign.resume()
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert "published" in resumed.stdout
        receipts = campaign.receipts()
        outbox = campaign.data_dir / "outbox" / campaign.thread_id
        assert len(receipts) >= 10 and len(list(outbox.glob("*.md"))) == len(receipts)
        assert campaign.checkpoint_count() == 1
        listed = _brandloom(campaign.env(), "assets", "list", campaign.thread_id)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.count("published") == len(receipts), listed.stdout
    finally:
        campaign.redis.stop()
