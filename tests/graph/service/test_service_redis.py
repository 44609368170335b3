"""The service on its production stores: the Redis saver, its lease and the Redis event log."""

from __future__ import annotations

import asyncio

import pytest

from graph.checkpoint import AsyncRedisSaver, open_savers
from graph.checkpoint.keys import KeySpace
from graph.service.campaigns import CampaignService
from tests.graph.conftest import ALL_KINDS, SMALL_BRIEF, TinySpecialist, approve_all
from tests.graph.test_stop_edit_fork import GatedSpecialist
from tools.errors import CampaignBusy, InputError
from tools.event_log import RedisEventLog
from tools.redis_server import connect
from tools.settings import Settings


def _open(settings: Settings, specialist: TinySpecialist) -> CampaignService:
    specialists = dict.fromkeys(ALL_KINDS, specialist)
    return CampaignService.open(settings, specialists=specialists, memory=None, triage=None)


async def test_campaign_survives_a_new_service_and_publishes_once(settings: Settings) -> None:
    specialist = TinySpecialist()
    first = _open(settings, specialist)
    await first.start("redis-t1", SMALL_BRIEF, "alice")
    await first.resume("redis-t1", {"action": "approve"})
    second = _open(settings, specialist)  # a restarted app reads the same Redis
    gate = second.pending_gate("redis-t1")
    assert gate is not None and gate.gate == "review" and len(gate.assets) == 3
    await second.resume("redis-t1", approve_all(gate))
    outcome = await second.resume(
        "redis-t1", {"action": "approve", "role": "approver"}, role="approver"
    )
    assert outcome.phase == "published"
    log = RedisEventLog(connect(settings))
    published = [e for e in log.read("redis-t1") if e.to_status == "published"]
    assert sorted(e.asset_id for e in published) == [
        "newsletter",
        "social_post-01",
        "social_post-02",
    ]
    assert len(second.history("redis-t1")) > 5


async def test_a_busy_campaign_refuses_a_second_writer(settings: Settings) -> None:
    service = _open(settings, TinySpecialist())
    await service.start("redis-t2", SMALL_BRIEF, "alice")
    _, async_saver = open_savers(settings)
    async with async_saver.lease("redis-t2"):
        with pytest.raises(CampaignBusy, match="busy"):
            await service.resume("redis-t2", {"action": "approve"})
    assert service.pending_gate("redis-t2").gate == "plan"
    outcome = await service.resume("redis-t2", {"action": "approve"})
    assert outcome.gate.gate == "review"


async def test_fork_on_the_redis_saver(settings: Settings) -> None:
    specialist = TinySpecialist()
    service = _open(settings, specialist)
    await service.start("redis-t3", SMALL_BRIEF, "alice")
    await service.resume("redis-t3", {"action": "approve"})
    at_plan_gate = next(c for c in service.history("redis-t3") if c.next_nodes == ["plan_gate"])
    fork_id = await service.fork(
        "redis-t3", at_plan_gate.checkpoint_id, {"tone": "playful", "note": "more fun"}
    )
    # copy_thread gave the fork the history that led to it: the plan-gate checkpoint and
    # everything before it are in the fork too
    source_ids = [c.checkpoint_id for c in service.history("redis-t3")]
    pre_fork = source_ids[source_ids.index(at_plan_gate.checkpoint_id) :]
    fork_history = service.history(fork_id)
    assert set(pre_fork) <= {c.checkpoint_id for c in fork_history}
    assert fork_history[0].checkpoint_id not in source_ids  # the fork's own newest checkpoint
    outcome = await service.resume(fork_id)
    assert outcome.gate.gate == "plan"
    assert all(d["constraints"]["tone"] == "playful" for d in outcome.gate.plan["deliverables"])
    assert service.view(fork_id).thread_id == fork_id
    outcome = await service.resume(fork_id, {"action": "approve"})
    forked = [r for r in specialist.requests if r.thread_id == fork_id]
    assert len(forked) == 3 and all("campaign note: more fun" in r.feedback for r in forked)
    assert service.pending_gate("redis-t3").gate == "review"


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, nothing catches it."""


async def test_a_run_killed_between_a_steps_writes_and_its_checkpoint_resumes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner's writes are saved, the checkpoint after it is not: paused, not finished."""
    saved_put = AsyncRedisSaver.aput

    async def dies_after_the_planner(self, config, checkpoint, metadata, new_versions):  # type: ignore[no-untyped-def]
        if metadata.get("step") == 1:
            raise _Killed
        return await saved_put(self, config, checkpoint, metadata, new_versions)

    monkeypatch.setattr(AsyncRedisSaver, "aput", dies_after_the_planner)
    with pytest.raises(_Killed):
        await _open(settings, TinySpecialist()).start("redis-t4", SMALL_BRIEF, "alice")
    monkeypatch.undo()

    restarted = _open(settings, TinySpecialist())
    assert restarted.view("redis-t4").status == "paused"
    outcome = await restarted.resume("redis-t4", None)
    assert outcome.gate is not None and outcome.gate.gate == "plan"


async def test_a_stop_reaches_a_run_in_another_process(settings: Settings) -> None:
    """Two services on one Redis stand for two processes (a CLI run and the chat server)."""
    specialist = GatedSpecialist()
    fast_polls = settings.model_copy(update={"max_concurrency": 1, "stop_poll_seconds": 0.02})
    runner = _open(fast_polls, specialist)
    other = _open(settings, TinySpecialist())
    await runner.start("redis-t5", SMALL_BRIEF, "alice")
    assert not await other.stop("redis-t5")  # nothing runs it
    with pytest.raises(InputError, match="invalid campaign id"):
        await other.stop("no such id!")
    run = asyncio.create_task(runner.resume("redis-t5", {"action": "approve"}))
    await specialist.started.wait()
    assert not other.is_running("redis-t5") and await other.stop("redis-t5")
    stop_key = KeySpace().thread("redis-t5").stop  # the services' default key space
    client = connect(settings)
    for _ in range(500):  # the runner takes the request within a poll or two
        if not client.exists(stop_key):
            break
        await asyncio.sleep(0.01)
    specialist.release.set()
    outcome = await run
    assert outcome.status == "paused" and outcome.gate is None
    assert len(specialist.requests) == 1  # the drafts not started yet were left for the resume
    assert not await other.stop("redis-t5")
    resumed = await other.resume("redis-t5")
    assert resumed.gate is not None and resumed.gate.gate == "review"
