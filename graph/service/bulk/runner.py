"""What a worker does with "run or resume thread X": move one SKU thread to its next stop.

A SKU thread is an ordinary campaign. Its plan gate is answered at once (the plan follows
from the job's brief, approved when the job was submitted); it stops at the review gate
(``in_review``) until a person approves the item (``bulk approve``), then the worker answers
its review and publish gates as the job's owner, an approver, and the outbox connector (or
whatever connector the service has) publishes.

Redelivery resumes, never redoes: the thread's checkpoint says where it is, the thread's lease
keeps a second worker out (``CampaignBusy``: Dramatiq retries the message later), and an item
already at its stop is left alone. A paused or cancelled job's messages are dropped; ``bulk
resume`` sends them again.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.gates import GatePayload
from graph.service.campaigns import CampaignService
from graph.service.views import RunOutcome, outcome_of
from tools.content_store.bulk_jobs import BulkItem, BulkJob, BulkJobs, ItemState
from tools.errors import BrandloomError, CampaignBusy, StoreError

BULK_USER = "bulk"
"""Who the worker decides as, in the recorded decisions (the approving person is recorded by
``bulk approve`` in the job's item rows)."""
_CSV_BLOCK = re.compile(r"```(?:csv)?\s*\n.*?```", re.DOTALL | re.IGNORECASE)
_PRODUCTS_SECTION = re.compile(r"^#+\s*products?\b[^\n]*\n.*?(?=^#|\Z)", re.M | re.S | re.I)


def shared_brief(text: str) -> str:
    """The job's brief without any product list of its own (each SKU thread gets one row)."""
    return _PRODUCTS_SECTION.sub("", _CSV_BLOCK.sub("", text)).strip()


def sku_brief(brief: str, product: dict[str, str]) -> str:
    """The brief of one SKU's thread: the shared brief and a one-row product CSV."""
    columns = list(product)
    cells = [_csv_cell(product[c]) for c in columns]
    return f"{brief}\n\n```csv\n{','.join(columns)}\n{','.join(cells)}\n```\n"


def _csv_cell(value: str) -> str:
    flat = " ".join(value.split())
    return '"' + flat.replace('"', '""') + '"' if re.search(r'[",]', flat) else flat


@dataclass
class Step:
    """Where an item stands after a run."""

    state: ItemState
    passing: bool = False
    error: str = ""


async def advance(
    service: CampaignService,
    jobs: BulkJobs,
    thread_id: str,
    *,
    before_drafting: Callable[[int, int], None] | None = None,
) -> Step | None:
    """Run or resume ``thread_id`` to its next stop; None when there is nothing to do.

    ``before_drafting(calls, tokens)`` is told the worst case of a run that drafts (the
    provider rate limiters; it raises to have the message retried later)."""
    item = await jobs.item(thread_id)
    job = await jobs.job(item.job_id) if item is not None else None
    if item is None or job is None or job.status in ("paused", "cancelled", "budget"):
        return None
    if item.state in ("published", "failed") or (item.state == "in_review" and not item.approved):
        return None
    deliverables = _deliverables(service, job, item)
    if before_drafting is not None and deliverables:
        calls = deliverables * (1 + service.settings.max_revisions)
        before_drafting(calls, deliverables * service.settings.task_token_limit)
    reserved = deliverables * service.settings.task_budget_usd if job.budget_usd else 0.0
    if reserved and not await jobs.reserve(job.job_id, reserved):
        await jobs.set_status(job.job_id, "budget")
        return None
    spent = 0.0
    running: ItemState = "approved" if item.state == "approved" else "drafting"
    worker = f"{socket.gethostname()}:{os.getpid()}"
    await jobs.update_item(thread_id, state=running, runs=item.runs + 1, worker=worker)
    try:
        step = await _run(service, job, item)
        view = service.view(thread_id)
        spent = float(view.totals.get("cost_usd", 0.0))
        await jobs.update_item(
            thread_id, state=step.state, passing=step.passing, error=step.error,
            cost_usd=spent, assets=len(view.assets),
        )  # fmt: skip
        return step
    except (CampaignBusy, StoreError):
        await _back_to(jobs, thread_id, item.state)
        raise  # Dramatiq retries: the holder or the store may be back by then
    except BrandloomError as error:
        await jobs.update_item(thread_id, state="failed", error=error.user_message[:500])
        return Step("failed", error=error.user_message)
    finally:
        if reserved:
            await jobs.settle(job.job_id, reserved, max(0.0, spent - item.cost_usd))


async def _back_to(jobs: BulkJobs, thread_id: str, state: ItemState) -> None:
    with contextlib.suppress(StoreError):
        await jobs.update_item(thread_id, state=state)


def _deliverables(service: CampaignService, job: BulkJob, item: BulkItem) -> int:
    """How many deliverables a run of the item may draft: all of them before review, none
    after (answering review and publish makes no model call). The worst case of a drafting
    run is every deliverable at the task budget and token limit, with every revision."""
    if item.state in ("in_review", "approved"):
        return 0
    brief = service.parse_brief(sku_brief(job.brief, item.product))
    return sum(r.count * r.variants for r in brief.requests)


async def _run(service: CampaignService, job: BulkJob, item: BulkItem) -> Step:
    config = {"configurable": {"thread_id": item.thread_id}}
    snapshot = await service.graph.aget_state(config)  # type: ignore[arg-type]
    outcome: RunOutcome
    if not snapshot.values:
        brief = sku_brief(job.brief, item.product)
        outcome = await service.start(item.thread_id, brief, job.owner, role="approver")
    else:
        outcome = outcome_of(snapshot)
        if outcome.status == "paused":
            outcome = await service.resume(item.thread_id, None, role="approver")
    while outcome.status == "gate" and outcome.gate is not None:
        decision = _decision(outcome.gate, item)
        if decision is None:
            return Step("in_review", passing=passing(outcome.gate))
        outcome = await service.resume(item.thread_id, decision, role="approver")
    if outcome.status == "paused":
        return Step("queued", error=outcome.stop_reason)
    view = service.view(item.thread_id)
    published = [a for a in view.assets if a.status == "published"]
    if published and len(published) == len(view.assets):
        return Step("published")
    return Step("failed", error=outcome.stop_reason or "not every asset was published")


def _decision(gate: GatePayload, item: BulkItem) -> dict[str, Any] | None:
    """The worker's answer at ``gate``; None: a person must decide first."""
    if gate.gate == "plan":
        return {"action": "approve", "user": BULK_USER}
    if not item.approved:
        return None
    if gate.gate == "publish":
        return {"action": "approve", "role": "approver", "user": BULK_USER}
    decisions = {a.asset_id: {"action": "approve"} for a in gate.assets if a.text.strip()}
    return {"decisions": decisions, "user": BULK_USER} if decisions else None


def passing(gate: GatePayload) -> bool:
    """Every asset at the review gate has text and passed every check."""
    return bool(gate.assets) and all(
        a.text.strip() and not a.failed and not a.flagged and _checks_pass(a.checks)
        for a in gate.assets
    )


def _checks_pass(checks: dict[str, dict[str, Any]]) -> bool:
    return all(bool(check.get("passed", True)) for check in checks.values())
