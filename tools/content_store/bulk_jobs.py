"""Bulk jobs in the content store: one ``bulk_jobs`` row per job, one ``bulk_items`` row per
SKU thread (migration ``r0002``), so every worker, CLI and chat instance reads the same counters.

The item rows are the job's progress, not its audit trail: the drafts, checks, decisions and
receipts of each SKU thread are content events like any campaign's. The job row also carries
the budget ledger: ``reserved_usd`` is what finished runs spent plus the worst case of the runs
in flight; ``reserve`` adds to it only if the result stays within ``budget_usd``, in one
``UPDATE ... WHERE``, so two workers can never both take the last dollar.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import sqlalchemy as sa

from tools.content_store.sql import SqlContentStore
from tools.errors import StoreError

ItemState = Literal["queued", "drafting", "in_review", "approved", "published", "failed"]
ITEM_STATES: tuple[ItemState, ...] = (
    "queued", "drafting", "in_review", "approved", "published", "failed",
)  # fmt: skip
JobStatus = Literal["running", "paused", "cancelled", "budget"]
T = TypeVar("T")

_meta = sa.MetaData()
jobs_table = sa.Table(
    "bulk_jobs", _meta,
    sa.Column("job_id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(200)), sa.Column("brief", sa.Text()),
    sa.Column("status", sa.String(16)), sa.Column("budget_usd", sa.Float()),
    sa.Column("reserved_usd", sa.Float()), sa.Column("created_at", sa.Float()),
    sa.Column("total", sa.Integer()),
)  # fmt: skip
items_table = sa.Table(
    "bulk_items", _meta,
    sa.Column("thread_id", sa.String(200), primary_key=True),
    sa.Column("job_id", sa.String(64)), sa.Column("sku", sa.String(200)),
    sa.Column("product", sa.Text()), sa.Column("state", sa.String(16)),
    sa.Column("passing", sa.Boolean()), sa.Column("approved", sa.Boolean()),
    sa.Column("cost_usd", sa.Float()), sa.Column("assets", sa.Integer()),
    sa.Column("runs", sa.Integer()), sa.Column("worker", sa.String(200)),
    sa.Column("updated_at", sa.Float()),
    sa.Column("error", sa.Text()),
)  # fmt: skip


@dataclass
class BulkJob:
    """A bulk job as stored."""

    job_id: str
    owner: str
    brief: str
    """The brief shared by every SKU (its product list removed)."""
    status: JobStatus
    budget_usd: float | None
    reserved_usd: float
    created_at: float
    total: int


@dataclass
class BulkItem:
    """One SKU of a job: its thread and where it stands."""

    thread_id: str
    job_id: str
    sku: str
    product: dict[str, str]
    state: ItemState = "queued"
    passing: bool = False
    """Every check of every asset passed (``bulk approve --passing`` approves these)."""
    approved: bool = False
    """A person approved the item: the worker answers its review and publish gates."""
    cost_usd: float = 0.0
    assets: int = 0
    runs: int = 0
    """How many times a worker started on it (more than the gates need: redeliveries)."""
    worker: str = ""
    """``host:pid`` of the worker process that ran it last."""
    updated_at: float = 0.0
    error: str = ""


@dataclass
class JobCounts:
    """Counters of one job, read in one query."""

    by_state: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    assets: int = 0
    first_update: float = 0.0
    last_update: float = 0.0


class BulkJobs:
    """Reads and writes the two tables through the store's database (one transaction each)."""

    def __init__(self, store: SqlContentStore) -> None:
        self.store = store

    async def _run(self, doing: str, work: Callable[[sa.Connection], T], *, write: bool) -> T:
        try:
            return await self.store.database.transaction(work, write=write)
        except (sa.exc.SQLAlchemyError, OSError) as error:
            reason = str(error).strip().splitlines()[0][:200]
            raise StoreError(
                f"content store {self.store.where}: {doing} failed: {reason}"
            ) from None

    async def create(self, job: BulkJob, items: Sequence[BulkItem]) -> None:
        """Store the job and all its items at once (all or nothing)."""
        job_row = vars(job).copy()
        item_rows = [{**vars(i), "product": json.dumps(i.product)} for i in items]

        def work(connection: sa.Connection) -> None:
            connection.execute(jobs_table.insert(), [job_row])
            for start in range(0, len(item_rows), 500):
                connection.execute(items_table.insert(), item_rows[start : start + 500])

        await self._run("creating a bulk job", work, write=True)

    async def job(self, job_id: str) -> BulkJob | None:
        def work(connection: sa.Connection) -> BulkJob | None:
            row = connection.execute(
                sa.select(jobs_table).where(jobs_table.c.job_id == job_id)
            ).first()
            return BulkJob(**row._asdict()) if row is not None else None

        return await self._run("reading a bulk job", work, write=False)

    async def items(self, job_id: str, state: str | None = None) -> list[BulkItem]:
        query = sa.select(items_table).where(items_table.c.job_id == job_id)
        if state is not None:
            query = query.where(items_table.c.state == state)

        def work(connection: sa.Connection) -> list[BulkItem]:
            rows = connection.execute(query.order_by(items_table.c.thread_id)).all()
            return [_item(row._asdict()) for row in rows]

        return await self._run("reading bulk items", work, write=False)

    async def item(self, thread_id: str) -> BulkItem | None:
        def work(connection: sa.Connection) -> BulkItem | None:
            row = connection.execute(
                sa.select(items_table).where(items_table.c.thread_id == thread_id)
            ).first()
            return _item(row._asdict()) if row is not None else None

        return await self._run("reading a bulk item", work, write=False)

    async def set_status(self, job_id: str, status: JobStatus) -> None:
        update = jobs_table.update().where(jobs_table.c.job_id == job_id).values(status=status)
        await self._run("updating a bulk job", lambda c: c.execute(update), write=True)

    async def update_item(self, thread_id: str, **values: object) -> None:
        """Set columns of one item (``state``, ``passing``, ``cost_usd`` ...) and its time."""
        update = (
            items_table.update()
            .where(items_table.c.thread_id == thread_id)
            .values(**values, updated_at=time.time())
        )
        await self._run("updating a bulk item", lambda c: c.execute(update), write=True)

    async def approve(self, thread_ids: Sequence[str]) -> None:
        """Mark items approved by a person (the worker then answers their gates)."""
        update = (
            items_table.update()
            .where(items_table.c.thread_id.in_(list(thread_ids)))
            .values(approved=True, state="approved", updated_at=time.time())
        )
        await self._run("approving bulk items", lambda c: c.execute(update), write=True)

    async def counts(self, job_id: str) -> JobCounts:
        c = items_table.c
        query = (
            sa.select(
                c.state, sa.func.count(), sa.func.sum(c.cost_usd), sa.func.sum(c.assets),
                sa.func.min(c.updated_at), sa.func.max(c.updated_at),
            )
            .where(c.job_id == job_id)
            .group_by(c.state)
        )  # fmt: skip

        def work(connection: sa.Connection) -> JobCounts:
            counts = JobCounts(by_state=dict.fromkeys(ITEM_STATES, 0))
            for state, n, cost, assets, first, last in connection.execute(query):
                counts.by_state[state] = int(n)
                counts.cost_usd += float(cost or 0)
                counts.assets += int(assets or 0)
                if state != "queued":
                    counts.first_update = min(counts.first_update or first, first)
                    counts.last_update = max(counts.last_update, last)
            return counts

        return await self._run("counting bulk items", work, write=False)

    async def reserve(self, job_id: str, amount_usd: float) -> bool:
        """Add ``amount_usd`` to the job's ledger if it stays within the budget; whether it did."""
        c = jobs_table.c
        update = (
            jobs_table.update()
            .where(c.job_id == job_id)
            .where(sa.or_(c.budget_usd.is_(None), c.reserved_usd + amount_usd <= c.budget_usd))
            .values(reserved_usd=c.reserved_usd + amount_usd)
        )
        result = await self._run(
            "reserving budget", lambda conn: conn.execute(update).rowcount, write=True
        )
        return bool(result)

    async def settle(self, job_id: str, reserved_usd: float, spent_usd: float) -> None:
        """Replace a reservation by what the run really spent."""
        c = jobs_table.c
        update = (
            jobs_table.update()
            .where(c.job_id == job_id)
            .values(reserved_usd=c.reserved_usd - reserved_usd + spent_usd)
        )
        await self._run("settling budget", lambda conn: conn.execute(update), write=True)


def _item(row: dict[str, object]) -> BulkItem:
    row["product"] = json.loads(str(row["product"]))
    return BulkItem(**row)  # type: ignore[arg-type]
