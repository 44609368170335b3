"""Helpers of the bulk tests: environments, CLI and worker processes, store reads."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tools.content_store.bulk_jobs import BulkItem, BulkJobs
from tools.content_store.events import StoredEvent
from tools.content_store.sql import open_sql_store

REPO = Path(__file__).resolve().parents[2]
MODELS = {
    "BRANDLOOM_MODEL_WRITER": "scripted:echo",
    "BRANDLOOM_MODEL_ROUTER": "scripted",
    "BRANDLOOM_MODEL_CRITIC": "scripted",
    "BRANDLOOM_CAMPAIGN_MEMORY": "false",
    "BRANDLOOM_CAMPAIGN_TRIAGE": "false",
}
BRIEF = (
    "# Spring SKUs\n\nBrand: Loomwell\nTone: informative\n\n"
    "Write product descriptions, an SEO title and meta description, and two A/B variants "
    "of each description for these products.\n"
)


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any Brandloom setting or REDIS_URL."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("BRANDLOOM_") and k != "REDIS_URL"
    }
    env.update(MODELS, COLUMNS="200", **extra)
    return env


def products_csv(path: Path, count: int) -> Path:
    rows = "".join(
        f'SKU-{n:05d},Linen item {n},"pre-washed linen; size {n}"\n' for n in range(count)
    )
    path.write_text("sku,name,features\n" + rows, encoding="utf-8")
    return path


def brandloom(
    env: dict[str, str], *args: str, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph.cli", *args],
        env=env, capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip


def submit(env: dict[str, str], tmp_path: Path, count: int) -> str:
    brief = tmp_path / "brief.md"
    brief.write_text(BRIEF, encoding="utf-8")
    products = products_csv(tmp_path / "products.csv", count)
    done = brandloom(env, "bulk", "submit", "--brief-file", str(brief),
                     "--products-file", str(products), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout.strip().splitlines()[-1])["job_id"])


def start_worker(
    env: dict[str, str], log: Path, cwd: Path = REPO, threads: int = 2
) -> subprocess.Popen[bytes]:
    """``brandloom worker`` in its own process group (so kill -9 takes the whole pool)."""
    env = {**env, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "graph.cli", "worker", "--processes", "1",
         "--threads", str(threads)],
        env=env, cwd=cwd, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=60)


def read_items(store_url: str, job_id: str) -> list[BulkItem]:
    async def read() -> list[BulkItem]:
        store = await open_sql_store(store_url)
        try:
            return await BulkJobs(store).items(job_id)
        finally:
            await store.close()

    return asyncio.run(read())


def read_events(store_url: str) -> list[StoredEvent]:
    async def read() -> list[StoredEvent]:
        store = await open_sql_store(store_url)
        try:
            return await store.read_all()
        finally:
            await store.close()

    return asyncio.run(read())


def wait_until(
    check: Callable[[], bool], timeout: float, what: str, tick: Callable[[], None] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if tick is not None:
            tick()
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def children(pid: int) -> set[int]:
    """The child processes of ``pid`` (Dramatiq's worker processes under its main process)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found
