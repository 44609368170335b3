"""``brandloom bulk submit|status|pause|resume|cancel|approve``: bulk jobs from the terminal.

``submit`` validates the brief and the whole products file first (every bad row in one report,
exit 2, nothing stored or enqueued), then stores the job, enqueues one message per SKU thread
and, when no worker is alive, starts a local pool (``graph.service.workers.pool``). The other
commands read and steer the job through the content store; ``status --follow`` shows a live
progress bar.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from graph.service.bulk import jobs as bulk
from tools.content_store import open_content_store
from tools.content_store.bulk_jobs import BulkJobs
from tools.errors import InputError
from tools.settings import get_settings

app = typer.Typer(help="Bulk jobs: one small campaign per SKU, run by workers.")
console = Console(file=sys.__stdout__)
T = TypeVar("T")
JobArgument = Annotated[str, typer.Argument(help="The job id `bulk submit` printed.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
FINISHED = ("in_review", "published", "failed")
"""States where an item waits for nobody but a person (or is done)."""


def _with_jobs(work: Callable[[BulkJobs], Awaitable[T]], job_id: str = "") -> T:
    """Open the content store, run ``work``, close it; a malformed ``job_id`` is refused
    before the store is opened."""
    if job_id:
        bulk.checked_job_id(job_id)

    async def run() -> T:
        store = await open_content_store(get_settings())
        try:
            return await work(BulkJobs(store))
        finally:
            await store.close()

    return asyncio.run(run())


def _send(thread_ids: Sequence[str]) -> None:
    """Enqueue on the workers; start a local pool when none is alive (embedded default)."""
    from graph.service.workers.actors import advance_thread
    from graph.service.workers.pool import ensure_local_pool

    for thread_id in thread_ids:
        advance_thread.send(thread_id)
    if thread_ids and ensure_local_pool(get_settings()):
        console.print("[dim]no worker was running: started a local worker pool[/dim]")


@app.command()
def submit(
    brief_file: Annotated[Path, typer.Option("--brief-file", help="The brief for every SKU.")],
    products_file: Annotated[
        Path, typer.Option("--products-file", help="Plain or Shopify-export CSV.")
    ],
    budget: Annotated[float | None, typer.Option("--budget", help="Job budget in USD.")] = None,
    user: Annotated[str, typer.Option("--user", help="Owner of the job.")] = "cli",
    as_json: JsonOption = False,
) -> None:
    """Validate the products file and the brief, then create the job and enqueue every SKU."""
    settings = get_settings()
    if budget is not None and not 0 < budget <= settings.budget_max_usd:
        raise InputError(f"--budget must be above 0 and at most {settings.budget_max_usd}")
    try:
        text = brief_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read brief file {brief_file}: {error}") from None
    brief, products = bulk.prepare(settings, text, products_file)
    done = _with_jobs(
        lambda jobs: bulk.submit(jobs, _send, brief, products, owner=user, budget_usd=budget)
    )
    if as_json:
        print(json.dumps({"job_id": done.job_id, "total": done.total}), flush=True)
    else:
        console.print(f"bulk job [bold]{done.job_id}[/bold]: {done.total} SKUs enqueued; "
                      f"follow it with `brandloom bulk status {done.job_id} --follow`")  # fmt: skip


@app.command()
def status(
    job_id: JobArgument,
    as_json: JsonOption = False,
    follow: Annotated[bool, typer.Option("--follow", help="Live progress until done.")] = False,
) -> None:
    """Counts by state, throughput, cost so far and ETA."""
    if follow:
        _follow(job_id)
    report = _with_jobs(lambda jobs: bulk.status(jobs, job_id), job_id)
    if as_json:
        print(report.model_dump_json(), flush=True)
        return
    console.print(_line(report), highlight=False, markup=False)


def _line(report: bulk.JobStatus) -> str:
    counts = ", ".join(f"{state.replace('_', ' ')} {n}" for state, n in report.counts.items())
    eta = f"{report.eta_seconds:.0f}s" if report.eta_seconds is not None else "-"
    budget = f" of ${report.budget_usd:.2f}" if report.budget_usd is not None else ""
    return (f"{report.job_id} ({report.status}) {report.total} SKUs: {counts}; "
            f"{report.per_minute:.1f}/min, cost ${report.cost_usd:.4f}{budget}, "
            f"ETA {eta}")  # fmt: skip


def _follow(job_id: str) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(file=sys.__stderr__)) as progress:
        task = progress.add_task(job_id, total=None)
        while True:
            report = _with_jobs(lambda jobs: bulk.status(jobs, job_id), job_id)
            done = sum(report.counts[s] for s in FINISHED)
            progress.update(task, total=report.total, completed=done, description=_line(report))
            if report.status != "running" or done >= report.total:
                return
            time.sleep(1.0)


@app.command()
def pause(job_id: JobArgument) -> None:
    """Stop dispatch; the items in flight finish."""
    _with_jobs(lambda jobs: bulk.pause(jobs, job_id), job_id)
    console.print(f"paused {job_id}: items in flight finish, no new ones start")


@app.command()
def resume(job_id: JobArgument) -> None:
    """Dispatch the job's unfinished items again."""
    sent = _with_jobs(lambda jobs: bulk.resume(jobs, _send, job_id), job_id)
    console.print(f"resumed {job_id}: {sent} items sent to the workers")


@app.command()
def cancel(job_id: JobArgument) -> None:
    """Stop the job for good (finished items keep their drafts)."""
    _with_jobs(lambda jobs: bulk.cancel(jobs, job_id), job_id)
    console.print(f"cancelled {job_id}")


@app.command()
def approve(
    job_id: JobArgument,
    passing: Annotated[
        bool, typer.Option("--passing", help="Approve every item whose checks all passed.")
    ] = False,
) -> None:
    """Approve (and so publish) items at review."""
    if not passing:
        raise InputError("say which items: --passing approves every item whose checks all passed")
    approved, left = _with_jobs(lambda jobs: bulk.approve_passing(jobs, _send, job_id), job_id)
    console.print(f"approved {approved} items of {job_id}; {left} at review need a person")
