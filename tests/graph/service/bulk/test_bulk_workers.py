"""A bulk job on real Dramatiq worker processes, the embedded Redis and a SQLite content store.

Two worker pools share the job; one of them is a "second machine" (another folder, only
``REDIS_URL`` and ``BRANDLOOM_CONTENT_STORE_URL`` besides the test models). Pool A is killed
with SIGKILL at random moments and started again; the job must still complete with every SKU
drafted once (one version per asset), reviewed, approved and published exactly once.
"""

from __future__ import annotations

import os
import random
import socket
from collections import Counter
from pathlib import Path

import pytest
import redis

from graph.service.workers.heartbeat import alive_workers
from graph.service.workers.pool import stop_local_pool
from tests.graph.service.bulk.support import (
    brandloom,
    children,
    clean_env,
    kill_group,
    read_events,
    read_items,
    start_worker,
    submit,
    wait_until,
)
from tools.redis_server import EmbeddedRedis
from tools.settings import Settings

SKUS = int(os.environ.get("BRANDLOOM_TEST_BULK_SKUS", "300"))
KILLS = int(os.environ.get("BRANDLOOM_TEST_BULK_KILLS", "10"))


@pytest.fixture
def redis_server(tmp_path: Path) -> EmbeddedRedis:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server  # type: ignore[misc]
    server.stop()


def test_job_survives_killed_workers(tmp_path: Path, redis_server: EmbeddedRedis) -> None:
    store_url = f"sqlite:///{tmp_path / 'content.sqlite3'}"
    shared = {"REDIS_URL": redis_server.url, "BRANDLOOM_CONTENT_STORE_URL": store_url,
              "BRANDLOOM_WORKER_REDELIVERY_MS": "3000",
              # the publishing target both machines reach, as a CMS would be
              "BRANDLOOM_OUTBOX_DIR": str(tmp_path / "outbox")}  # fmt: skip
    env_a = clean_env(BRANDLOOM_DATA_DIR=str(tmp_path / "machine-a"), **shared)
    machine_b = tmp_path / "machine-b"
    machine_b.mkdir()
    env_b = clean_env(**shared)  # no data dir: the second machine's own folder
    worker_a = start_worker(env_a, tmp_path / "a.log")
    worker_b = start_worker(env_b, tmp_path / "b.log", cwd=machine_b)
    rng = random.Random(14)
    try:
        client = redis.Redis.from_url(redis_server.url)
        wait_until(lambda: len(alive_workers(client)) >= 2, 120, "both pools' heartbeats")
        job_id = submit(env_a, tmp_path, SKUS)
        assert not (tmp_path / "machine-a" / "workers.pid").exists()  # workers were alive

        children_b: set[int] = set()
        last: Counter[str] = Counter()

        def states() -> Counter[str]:
            children_b.update(children(worker_b.pid))
            last.clear()
            last.update(item.state for item in read_items(store_url, job_id))
            return last

        # kill pool A (SIGKILL, whole process group) when random shares of the job are done
        thresholds = sorted(rng.uniform(0.05, 0.9) * SKUS for _ in range(KILLS))

        def chaos() -> None:
            nonlocal worker_a
            if thresholds and last["in_review"] >= thresholds[0]:
                thresholds.pop(0)
                kill_group(worker_a)
                worker_a = start_worker(env_a, tmp_path / "a.log")

        wait_until(lambda: states()["in_review"] == SKUS, 1800, "every SKU at review", chaos)
        assert not thresholds, "the job finished before every kill"
        approved = brandloom(env_a, "bulk", "approve", job_id, "--passing")
        assert approved.returncode == 0, approved.stderr
        assert f"approved {SKUS} items" in approved.stdout
        publish_kill = [rng.uniform(0.1, 0.8) * SKUS]

        def chaos_publishing() -> None:
            nonlocal worker_a
            if publish_kill and last["published"] >= publish_kill[0]:
                publish_kill.pop()
                kill_group(worker_a)
                worker_a = start_worker(env_a, tmp_path / "a.log")

        wait_until(
            lambda: states()["published"] == SKUS, 1800, "every SKU published", chaos_publishing
        )
        status = brandloom(env_a, "bulk", "status", job_id)
        assert f"published {SKUS}" in status.stdout, status.stdout
    finally:
        kill_group(worker_a)
        kill_group(worker_b)
        stop_local_pool(Settings(data_dir=tmp_path / "machine-a"))  # if submit started one

    items = read_items(store_url, job_id)
    assert len({item.sku for item in items}) == SKUS
    assert sum(item.runs for item in items) >= 2 * SKUS  # drafting run + publishing run each
    b_workers = {f"{socket.gethostname()}:{pid}" for pid in children_b}
    assert any(item.worker in b_workers for item in items), "machine B took no work"
    events = read_events(store_url)
    versions = Counter(
        (e.thread_id, e.asset_id, e.version) for e in events if e.payload.type == "version_created"
    )
    assert versions and max(versions.values()) == 1
    per_asset = Counter((thread, asset) for thread, asset, _ in versions)
    assert set(per_asset.values()) == {1}, "an asset was drafted into two versions"
    receipts = Counter(
        (e.thread_id, e.asset_id) for e in events if e.payload.type == "publish_receipt"
    )
    assert set(receipts) == set(per_asset) and set(receipts.values()) == {1}
    outbox = list((tmp_path / "outbox").rglob("*.receipt.json"))
    assert len(outbox) == len(per_asset) == 3 * SKUS  # one remote object per asset
