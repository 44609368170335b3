"""The job tables on a real SQLite store, the budget ledger, pause/resume dispatch and the
provider rate limiters on the embedded Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import dramatiq
import pytest
import redis

from graph.service.bulk import jobs as bulk
from graph.service.workers.limits import ProviderLimits
from tools.content_store.bulk_jobs import BulkJobs
from tools.content_store.sql import open_sql_store
from tools.errors import InputError, NotFoundError
from tools.redis_server import EmbeddedRedis
from tools.settings import Settings

PRODUCTS = [{"sku": f"S{n}", "name": f"Item {n}"} for n in range(4)]


@pytest.fixture
async def jobs(tmp_path: Path) -> AsyncIterator[BulkJobs]:
    store = await open_sql_store(f"sqlite:///{tmp_path / 'content.sqlite3'}")
    yield BulkJobs(store)
    await store.close()


async def test_budget_reservations_never_overshoot(jobs: BulkJobs) -> None:
    sent: list[str] = []
    job = await bulk.submit(jobs, sent.extend, "brief", PRODUCTS, owner="o", budget_usd=1.0)
    assert len(sent) == 4
    results = await asyncio.gather(*(jobs.reserve(job.job_id, 0.3) for _ in range(5)))
    assert sorted(results) == [False, False, True, True, True]  # 0.9 of 1.0 reserved
    await jobs.settle(job.job_id, 0.3, 0.05)  # a run that spent less gives the rest back
    assert await jobs.reserve(job.job_id, 0.3)
    stored = await jobs.job(job.job_id)
    assert stored is not None and stored.reserved_usd == pytest.approx(0.95)


async def test_pause_resume_cancel_and_approve(jobs: BulkJobs) -> None:
    sent: list[str] = []
    job = await bulk.submit(jobs, sent.extend, "brief", PRODUCTS, owner="o")
    first, second, third, fourth = sent
    await jobs.update_item(first, state="in_review", passing=True)
    await jobs.update_item(second, state="in_review", passing=False)
    await jobs.update_item(third, state="published")
    await bulk.pause(jobs, job.job_id)
    assert (await bulk.status(jobs, job.job_id)).status == "paused"
    sent.clear()
    assert await bulk.resume(jobs, sent.extend, job.job_id) == 1
    assert sent == [fourth]  # only the unfinished item is dispatched again
    sent.clear()
    assert await bulk.approve_passing(jobs, sent.extend, job.job_id) == (1, 1)
    assert sent == [first]
    report = await bulk.status(jobs, job.job_id)
    assert report.counts == {"queued": 1, "drafting": 0, "in_review": 1, "approved": 1,
                             "published": 1, "failed": 0}  # fmt: skip
    await bulk.cancel(jobs, job.job_id)
    with pytest.raises(InputError, match="is cancelled"):
        await bulk.resume(jobs, sent.extend, job.job_id)
    with pytest.raises(NotFoundError, match="no bulk job job-0000000000"):
        await bulk.status(jobs, "job-0000000000")
    with pytest.raises(InputError, match="invalid job id"):
        await bulk.status(jobs, "x; drop table")


def test_provider_limits_are_shared_through_redis(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    try:
        settings = Settings(provider_requests_per_minute=5, provider_tokens_per_minute=0)
        one = ProviderLimits(settings, redis.Redis.from_url(url))
        other = ProviderLimits(settings, redis.Redis.from_url(url))  # another worker
        one.take("openai", 3, 0)
        other.take("openai", 2, 0)
        with pytest.raises(dramatiq.RateLimitExceeded):
            other.take("openai", 1, 0)
        one.take("local", 5, 0)  # per provider
    finally:
        server.stop()
