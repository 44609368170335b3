"""Create, follow and steer bulk jobs; the API ``brandloom bulk`` (and later the chat) calls.

A job is submitted only when its brief and every product row are valid: ``submit`` validates
everything, stores the job and its items in one transaction, then sends one message per SKU
thread. ``pause`` stops dispatch after the items in flight (workers drop the messages of a
paused job); ``resume`` sends the messages of its unfinished items again (a duplicate message
finds its item at its stop and does nothing); ``approve_passing`` approves, for a person, every
item at review whose checks all passed, and sends their threads on to publication.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from graph.planning.checks import BriefLimits, checked_brief
from graph.service.bulk.products import read_products_file
from graph.service.bulk.runner import shared_brief, sku_brief
from tools.content_store.bulk_jobs import ITEM_STATES, BulkItem, BulkJob, BulkJobs
from tools.errors import InputError, NotFoundError
from tools.settings import Settings

Send = Callable[[Sequence[str]], None]
"""Enqueues "run or resume" messages for thread ids (the Dramatiq actor, or a test's list)."""


class JobStatus(BaseModel):
    """What ``bulk status`` shows."""

    job_id: str
    status: str
    total: int
    counts: dict[str, int]
    assets: int
    cost_usd: float
    budget_usd: float | None
    per_minute: float
    """Items that reached a stop (review, published, failed) per minute so far."""
    eta_seconds: float | None
    """Until every item reaches a stop, at the current pace (None: no pace yet)."""


@dataclass
class Submitted:
    job_id: str
    total: int


def new_job_id() -> str:
    return f"job-{uuid.uuid4().hex[:10]}"


def prepare(
    settings: Settings, brief_text: str, products_file: Path
) -> tuple[str, list[dict[str, str]]]:
    """The shared brief and the products, both validated; nothing is stored."""
    products = read_products_file(products_file, int(settings.bulk_max_file_mb * 1_000_000))
    brief = shared_brief(brief_text)
    checked_brief(sku_brief(brief, products[0]), BriefLimits.from_settings(settings))
    return brief, products


async def submit(
    jobs: BulkJobs, send: Send, brief: str, products: list[dict[str, str]], *,
    owner: str, budget_usd: float | None = None, job_id: str | None = None,
) -> Submitted:  # fmt: skip
    """Store a job for validated products and enqueue every SKU thread."""
    job_id = job_id or new_job_id()
    now = time.time()
    items = [
        BulkItem(thread_id=f"{job_id}-{n:05d}", job_id=job_id, sku=p["sku"], product=p,
                 updated_at=now)
        for n, p in enumerate(products, start=1)
    ]  # fmt: skip
    job = BulkJob(job_id=job_id, owner=owner, brief=brief, status="running",
                  budget_usd=budget_usd, reserved_usd=0.0, created_at=now,
                  total=len(items))  # fmt: skip
    await jobs.create(job, items)
    send([item.thread_id for item in items])
    return Submitted(job_id, len(items))


def checked_job_id(job_id: str) -> str:
    """``job_id`` if it looks like one ``submit`` makes, else InputError (before any store)."""
    if not re.fullmatch(r"job-[0-9a-f]{10}", job_id):
        raise InputError(f"invalid job id {job_id[:40]!r}: job ids look like job-1a2b3c4d5e")
    return job_id


async def _job(jobs: BulkJobs, job_id: str) -> BulkJob:
    job = await jobs.job(checked_job_id(job_id))
    if job is None:
        raise NotFoundError(f"no bulk job {job_id}")
    return job


async def status(jobs: BulkJobs, job_id: str, now: float | None = None) -> JobStatus:
    job = await _job(jobs, job_id)
    counts = await jobs.counts(job_id)
    by_state: dict[str, int] = {state: counts.by_state.get(state, 0) for state in ITEM_STATES}
    finished = sum(by_state[s] for s in ("in_review", "published", "failed"))
    elapsed = max(1e-6, (counts.last_update or job.created_at) - job.created_at)
    rate = finished / elapsed if finished else 0.0
    remaining = by_state["queued"] + by_state["drafting"] + by_state["approved"]
    eta = remaining / rate if rate else None
    return JobStatus(
        job_id=job_id, status=job.status, total=job.total, counts=by_state,
        assets=counts.assets, cost_usd=round(counts.cost_usd, 6), budget_usd=job.budget_usd,
        per_minute=round(rate * 60, 2), eta_seconds=round(eta, 1) if eta is not None else None,
    )  # fmt: skip


async def pause(jobs: BulkJobs, job_id: str) -> None:
    job = await _job(jobs, job_id)
    if job.status == "cancelled":
        raise InputError(f"bulk job {job_id} is cancelled")
    await jobs.set_status(job_id, "paused")


async def resume(jobs: BulkJobs, send: Send, job_id: str) -> int:
    """Dispatch again; how many threads were sent."""
    job = await _job(jobs, job_id)
    if job.status == "cancelled":
        raise InputError(f"bulk job {job_id} is cancelled")
    await jobs.set_status(job_id, "running")
    items = [i for i in await jobs.items(job_id) if _unfinished(i)]
    send([item.thread_id for item in items])
    return len(items)


def _unfinished(item: BulkItem) -> bool:
    return item.state in ("queued", "drafting", "approved")


async def cancel(jobs: BulkJobs, job_id: str) -> None:
    await _job(jobs, job_id)
    await jobs.set_status(job_id, "cancelled")


async def approve_passing(jobs: BulkJobs, send: Send, job_id: str) -> tuple[int, int]:
    """Approve every item at review whose checks all passed; (approved, left for a person)."""
    job = await _job(jobs, job_id)
    if job.status == "cancelled":
        raise InputError(f"bulk job {job_id} is cancelled")
    in_review = await jobs.items(job_id, "in_review")
    chosen = [item.thread_id for item in in_review if item.passing and not item.approved]
    if chosen:
        await jobs.approve(chosen)
        send(chosen)
    return len(chosen), len(in_review) - len(chosen)
