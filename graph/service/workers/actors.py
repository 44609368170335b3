"""The one actor: ``advance_thread(thread_id)`` = "run or resume thread X to its next stop".

Importing this module installs the broker from the settings (Dramatiq declares actors against
the global broker), so the worker CLI (``dramatiq graph.service.workers.actors``) and every sender
agree on the Redis and the queue. Each worker process opens one ``CampaignService`` and one
content store, lazily, on its event loop, and keeps them for every message it runs.
"""

from __future__ import annotations

import asyncio

import dramatiq

from graph.service.bulk.runner import advance
from graph.service.campaigns import CampaignService
from graph.service.workers.broker import QUEUE, install_broker
from graph.service.workers.limits import ProviderLimits
from tools.content_store import open_content_store
from tools.content_store.bulk_jobs import BulkJobs
from tools.settings import Settings, get_settings

SETTINGS: Settings = get_settings()
BROKER = install_broker(SETTINGS)
MAX_RETRIES = 10_000
"""Retries of a message whose thread is busy, whose store is away or whose provider window is
full: a redelivery resumes, so retrying is always safe; the backoff spaces them out."""


class _Parts:
    """The worker process's service, job table and limiters, opened on first use."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.service: CampaignService | None = None
        self.jobs: BulkJobs | None = None
        self.limits = ProviderLimits(SETTINGS, BROKER.client)

    async def get(self) -> tuple[CampaignService, BulkJobs]:
        async with self.lock:
            if self.service is None or self.jobs is None:
                store = await open_content_store(SETTINGS)
                self.jobs = BulkJobs(store)
                self.service = CampaignService.open(SETTINGS, content_store=store)
            return self.service, self.jobs


_PARTS: list[_Parts] = []


def _parts() -> _Parts:
    if not _PARTS:
        _PARTS.append(_Parts())
    return _PARTS[0]


def _take_limits(calls: int, tokens: int) -> None:
    provider = SETTINGS.model_writer.split(":", 1)[0]
    _parts().limits.take(provider, calls, tokens)


@dramatiq.actor(
    queue_name=QUEUE,
    max_retries=MAX_RETRIES,
    min_backoff=250,
    max_backoff=15_000,
    time_limit=6 * 3_600_000,
)
async def advance_thread(thread_id: str) -> None:
    """Run or resume ``thread_id`` to its next gate or end (a no-op when it is there)."""
    service, jobs = await _parts().get()
    await advance(service, jobs, thread_id, before_drafting=_take_limits)
