"""``brandloom worker [--processes N] [--threads M]``: Dramatiq workers for this Redis.

Any machine that reaches the same Redis (``REDIS_URL``) and content store
(``BRANDLOOM_CONTENT_STORE_URL``) can run workers; on one machine with the embedded defaults
the CLI starts a pool itself when none is alive. Runs in the foreground until SIGTERM/Ctrl-C.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from tools.settings import get_settings


def worker(
    processes: Annotated[
        int | None, typer.Option("--processes", min=1, max=64, help="Worker processes.")
    ] = None,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, max=64, help="Threads per process.")
    ] = None,
) -> None:
    """Run task workers (Dramatiq) on this machine until stopped."""
    from graph.service.workers.pool import run_workers

    logging.disable(logging.NOTSET)  # a worker's log is its only output: keep Dramatiq's
    settings = get_settings()
    raise typer.Exit(
        run_workers(processes or settings.worker_processes, threads or settings.worker_threads)
    )
