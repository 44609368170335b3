"""Bulk jobs on real worker processes: wall time per asset and peak RSS per worker.

1. Zero-latency ``scripted`` model, 100 / 500 / 2,000 SKUs (3 assets each: a description in two
   A/B variants and an SEO snippet), two worker processes: wall time from ``bulk submit`` to
   every SKU at review, and to every SKU published after ``bulk approve --passing``; ms per
   asset; peak RSS of each worker process, and its RSS when idle after a one-SKU warm-up (models
   loaded). Goals (issue 14): 2,000 SKUs done; ms/asset at 2,000 within 1.2x of 100; <= 25 ms
   per asset with two workers; peak RSS flat in the SKU count and <= idle + 300 MB.
2. A 200 ms simulated-latency model (``faulty:echo?latency=0.2``), one worker process vs two, on
   the same job size: drafting wall time against the ideal (model calls x latency / allowed
   concurrency, concurrency = processes x threads x assets per SKU). Goal: >= 80% of ideal.

Each arm runs on its own embedded Redis and SQLite content store in a temporary folder.
Run: ``.venv/bin/python -m bench.bulk [--sizes 100 500 2000] [--latency-skus 100]``; writes
``bench/results/bulk.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import redis

from graph.service.workers.heartbeat import alive_workers
from graph.service.workers.pool import stop_local_pool
from tools.content_store.bulk_jobs import BulkJobs
from tools.content_store.sql import open_sql_store
from tools.redis_server import EmbeddedRedis
from tools.settings import Settings

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "bulk.md"
THREADS = 4
ASSETS_PER_SKU = 3
BRIEF = (
    "# Spring SKUs\n\nBrand: Loomwell\nTone: informative\n\nWrite product descriptions, an SEO "
    "title and meta description, and two A/B variants of each description for these products.\n"
)


class Arm:
    """One embedded Redis, one SQLite store, N worker processes (sampled for RSS)."""

    def __init__(self, root: Path, writer: str, processes: int) -> None:
        self.root = root
        self.redis = EmbeddedRedis(root / "redis")
        self.store_url = f"sqlite:///{root / 'content.sqlite3'}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BRANDLOOM_")}
        self.env.update(
            REDIS_URL=self.redis.start(), BRANDLOOM_CONTENT_STORE_URL=self.store_url,
            BRANDLOOM_DATA_DIR=str(root / "data"), BRANDLOOM_MODEL_WRITER=writer,
            BRANDLOOM_MODEL_ROUTER="scripted", BRANDLOOM_MODEL_CRITIC="scripted",
            BRANDLOOM_CAMPAIGN_MEMORY="false", BRANDLOOM_CAMPAIGN_TRIAGE="false",
        )  # fmt: skip
        self.pool = subprocess.Popen(
            [sys.executable, "-m", "graph.cli", "worker", "--processes", str(processes),
             "--threads", str(THREADS)],
            env=self.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        self.peak: dict[int, int] = {}
        self._sampling = threading.Event()
        client = redis.Redis.from_url(self.env["REDIS_URL"])
        while len(alive_workers(client)) < processes:  # else `bulk submit` starts a pool too
            time.sleep(0.2)

    def workers(self) -> list[int]:
        found: list[int] = []
        for task in Path(f"/proc/{self.pool.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                found += [int(p) for p in (task / "children").read_text().split()]
        return found

    def rss(self) -> dict[int, int]:
        sizes: dict[int, int] = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            line = next((ln for ln in status.splitlines() if ln.startswith("VmRSS:")), "")
            sizes[pid] = int(line.split()[1]) * 1024 if line else 0
        return sizes

    def sample(self) -> None:
        self.peak = {}
        self._sampling.set()

        def loop() -> None:
            while self._sampling.is_set():
                for pid, size in self.rss().items():
                    self.peak[pid] = max(self.peak.get(pid, 0), size)
                time.sleep(0.25)

        threading.Thread(target=loop, daemon=True).start()

    def stop_sampling(self) -> None:
        self._sampling.clear()

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "graph.cli", *args], env=self.env,
                              cwd=REPO, capture_output=True, text=True, timeout=600)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return done.stdout

    def submit(self, skus: int) -> str:
        brief = self.root / "brief.md"
        brief.write_text(BRIEF, encoding="utf-8")
        products = self.root / f"products-{skus}.csv"
        rows = "".join(f"B{skus}-{n:05d},Linen item {n},pre-washed linen\n" for n in range(skus))
        products.write_text("sku,name,features\n" + rows, encoding="utf-8")
        out = self.cli("bulk", "submit", "--brief-file", str(brief), "--products-file",
                       str(products), "--json")  # fmt: skip
        return str(json.loads(out.strip().splitlines()[-1])["job_id"])

    def wait(self, job_id: str, state: str, count: int) -> None:
        while self.counts(job_id)[state] < count:
            time.sleep(0.5)

    def counts(self, job_id: str) -> Counter[str]:
        async def read() -> Counter[str]:
            store = await open_sql_store(self.store_url)
            try:
                return Counter(i.state for i in await BulkJobs(store).items(job_id))
            finally:
                await store.close()

        return asyncio.run(read())

    def close(self) -> None:
        self.stop_sampling()
        try:
            self.pool.send_signal(signal.SIGTERM)  # Dramatiq's main process forwards it once
            self.pool.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.pool.pid, signal.SIGKILL)
            self.pool.wait()
        stop_local_pool(Settings(data_dir=self.root / "data"))
        self.redis.stop()


def run_job(arm: Arm, skus: int, publish: bool = True) -> tuple[float, float]:
    """(seconds to every SKU at review, seconds more to every SKU published)."""
    started = time.monotonic()
    job_id = arm.submit(skus)
    arm.wait(job_id, "in_review", skus)
    drafted = time.monotonic() - started
    if not publish:
        return drafted, 0.0
    started = time.monotonic()
    arm.cli("bulk", "approve", job_id, "--passing")
    arm.wait(job_id, "published", skus)
    return drafted, time.monotonic() - started


def mb(size: int) -> str:
    return f"{size / 1e6:.0f}"


def zero_latency(sizes: list[int], lines: list[str]) -> None:
    lines += ["## Zero-latency scripted model, 2 worker processes x 4 threads", "",
              "| SKUs | assets | to review (s) | to published (s) | total ms/asset | "
              "idle RSS per worker (MB) | peak RSS per worker (MB) |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for skus in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-bulk-") as root:
            arm = Arm(Path(root), "scripted:echo", processes=2)
            try:
                run_job(arm, 1)  # warm-up: each worker loads its service on its first message
                run_job(arm, 4)
                idle = arm.rss()
                arm.sample()
                drafted, published = run_job(arm, skus)
                arm.stop_sampling()
            finally:
                arm.close()
        assets = skus * ASSETS_PER_SKU
        per_asset = (drafted + published) * 1000 / assets
        row = (f"| {skus} | {assets} | {drafted:.1f} | {published:.1f} | {per_asset:.1f} | "
               f"{', '.join(mb(v) for v in idle.values())} | "
               f"{', '.join(mb(v) for v in arm.peak.values())} |")  # fmt: skip
        print(row, flush=True)
        lines.append(row)


def latency(skus: int, lines: list[str]) -> None:
    lines += ["", "## 200 ms simulated latency (faulty:echo?latency=0.2), drafting only", "",
              "| worker processes | SKUs | model calls | wall (s) | ideal (s) | of ideal |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for processes in (1, 2):
        with tempfile.TemporaryDirectory(prefix="bench-bulk-") as root:
            arm = Arm(Path(root), "faulty:echo?latency=0.2", processes=processes)
            try:
                run_job(arm, 1, publish=False)
                drafted, _ = run_job(arm, skus, publish=False)
                calls = _model_calls(arm) - ASSETS_PER_SKU  # minus the warm-up's calls
            finally:
                arm.close()
        ideal = calls * 0.2 / (processes * THREADS * ASSETS_PER_SKU)
        row = (f"| {processes} | {skus} | {calls} | {drafted:.1f} | {ideal:.1f} | "
               f"{ideal / drafted:.0%} |")  # fmt: skip
        print(row, flush=True)
        lines.append(row)


def _model_calls(arm: Arm) -> int:
    async def read() -> int:
        store = await open_sql_store(arm.store_url)
        try:
            return sum(1 for e in await store.read_all() if e.payload.type == "model_call")
        finally:
            await store.close()

    return asyncio.run(read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 500, 2000])
    parser.add_argument("--latency-skus", type=int, default=100)
    args = parser.parse_args()
    yardstick = time.perf_counter()
    sum(range(10**6))
    lines = ["# bulk", "", f"CPU yardstick: sum(range(10**6)) = "
             f"{(time.perf_counter() - yardstick) * 1000:.0f} ms; load average "
             f"{os.getloadavg()[0]:.1f}", ""]  # fmt: skip
    zero_latency(args.sizes, lines)
    if args.latency_skus:
        latency(args.latency_skus, lines)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
